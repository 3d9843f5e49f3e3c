package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.jlvs.schedulers.Fixtures.ip;
import static io.jlvs.schedulers.Fixtures.toDestination;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class LocalityBasedLeastConnectionWithReplicationTest {
    private final Fixtures.FakeTicker ticker = new Fixtures.FakeTicker();
    private LocalityBasedLeastConnectionWithReplication lblcr;
    private RealServer a;
    private RealServer b;
    private RealServer c;
    private Destinations list;
    private final int daddr = ip("198.51.100.7");

    @BeforeEach
    void setUp() {
        lblcr = new LocalityBasedLeastConnectionWithReplication(ticker, Duration.ofMinutes(15));
        a = Fixtures.rs("10.0.0.1", 80, 4);
        b = Fixtures.rs("10.0.0.2", 80, 4);
        c = Fixtures.rs("10.0.0.3", 80, 4);
        list = Fixtures.addAll(lblcr, 0, a, b, c); // [c, b, a]
    }

    private RealServer pick() {
        return lblcr.schedule(list, toDestination(daddr));
    }

    @Test
    void setGrowsOnOverloadAndPicksItsLeastLoadedMember() {
        assertSame(c, pick());
        assertArrayEquals(new RealServer[] {c}, lblcr.members(daddr));
        assertSame(c, pick(), "reused");
        c.setLoad(5, 0, false); // overloaded: 5 > 4 and a, b are idle
        assertSame(b, pick(), "wlc over the service");
        assertArrayEquals(new RealServer[] {b, c}, lblcr.members(daddr), "added at the head");
        // now the set's least loaded member is b
        assertSame(b, pick());
        b.setLoad(3, 0, false);
        c.setLoad(1, 0, false);
        assertSame(c, pick(), "least loaded member of the set, not of the service (a is idle)");
        assertEquals(1, lblcr.cacheSize());
    }

    @Test
    void staleSetShrinksByItsMostLoadedMemberOnePerPick() {
        pick();                      // {c}
        c.setLoad(5, 0, false);
        pick();                      // {b, c}
        b.setLoad(5, 0, false);
        assertSame(a, pick());       // {a, b, c}
        assertArrayEquals(new RealServer[] {a, b, c}, lblcr.members(daddr));
        a.setLoad(1, 0, false);
        b.setLoad(3, 0, false);
        c.setLoad(2, 0, false);
        ticker.advanceSeconds(15 * 60);
        assertSame(a, pick());
        assertEquals(3, lblcr.members(daddr).length, "not older than the expiration yet (strictly after)");
        ticker.advanceSeconds(1);
        assertSame(a, pick());
        assertArrayEquals(new RealServer[] {a, c}, lblcr.members(daddr), "b, the most loaded, removed");
        assertSame(a, pick());
        assertArrayEquals(new RealServer[] {a, c}, lblcr.members(daddr), "removal counts as a modification");
        ticker.advanceSeconds(15 * 60 + 1);
        pick();
        assertArrayEquals(new RealServer[] {a}, lblcr.members(daddr));
        ticker.advanceSeconds(15 * 60 + 1);
        pick();
        assertArrayEquals(new RealServer[] {a}, lblcr.members(daddr), "a single member stays");
    }

    @Test
    void unusableMembersAreSkipped() {
        pick();
        c.setLoad(5, 0, false);
        pick();                      // {b, c}
        c.setLoad(0, 0, false);
        b.setDetachedWeight(0);
        assertSame(c, pick());
        c.setLoad(0, 0, true);       // OVERLOAD flag: no usable member -> wlc adds a
        assertSame(a, pick());
        assertArrayEquals(new RealServer[] {a, b, c}, lblcr.members(daddr));
    }

    @Test
    void noneWhenNothingIsUsable() {
        for (RealServer r : new RealServer[] {a, b, c}) {
            r.setDetachedWeight(0);
        }
        assertNull(pick());
        assertEquals(0, lblcr.cacheSize());
    }

    @Test
    void garbageCollectionUsesTheExpiration() {
        pick();
        ticker.advanceSeconds(29 * 60);
        lblcr.checkExpire();
        assertEquals(1, lblcr.cacheSize());
        ticker.advanceSeconds(60);
        lblcr.checkExpire();
        assertEquals(0, lblcr.cacheSize());
        assertSame(c, pick());
        assertArrayEquals(new RealServer[] {c}, lblcr.members(daddr));
    }
}
