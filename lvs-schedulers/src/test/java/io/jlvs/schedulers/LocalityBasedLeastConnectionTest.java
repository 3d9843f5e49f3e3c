package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.jlvs.schedulers.Fixtures.ip;
import static io.jlvs.schedulers.Fixtures.toDestination;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LocalityBasedLeastConnectionTest {
    private final Fixtures.FakeTicker ticker = new Fixtures.FakeTicker();
    private LocalityBasedLeastConnection lblc;
    private RealServer a;
    private RealServer b;
    private RealServer c;
    private Destinations list;
    private final int daddr = ip("198.51.100.7");

    @BeforeEach
    void setUp() {
        lblc = new LocalityBasedLeastConnection(ticker);
        a = Fixtures.rs("10.0.0.1", 80, 4);
        b = Fixtures.rs("10.0.0.2", 80, 4);
        c = Fixtures.rs("10.0.0.3", 80, 4);
        list = Fixtures.addAll(lblc, 0, a, b, c); // [c, b, a]
    }

    @Test
    void firstPickIsWlcAndTheEntryIsReused() {
        a.setLoad(0, 0, false);
        b.setLoad(1, 0, false);
        c.setLoad(1, 5, false);
        assertSame(a, lblc.schedule(list, toDestination(daddr)));
        assertEquals(1, lblc.cacheSize());
        // a becomes the most loaded, but not "overloaded" (active 4 = weight): still a
        a.setLoad(4, 100, false);
        assertSame(a, lblc.schedule(list, toDestination(daddr)));
        // another destination address gets its own wlc pick
        assertSame(b, lblc.schedule(list, toDestination(ip("198.51.100.8"))));
        assertEquals(2, lblc.cacheSize());
    }

    @Test
    void overloadTestNeedsAHalfIdleServer() {
        assertSame(c, lblc.schedule(list, toDestination(daddr))); // all idle: the head wins the tie
        c.setLoad(5, 0, false);  // active 5 > weight 4
        a.setLoad(2, 0, false);  // 2*2 = 4, not < 4
        b.setLoad(2, 0, false);
        assertSame(c, lblc.schedule(list, toDestination(daddr)), "no server is below half its weight");
        a.setLoad(1, 0, false);  // 1*2 < 4: now c counts as overloaded
        assertSame(a, lblc.schedule(list, toDestination(daddr)));
        assertSame(a, lblc.cached(daddr), "the entry is re-pointed");
        assertEquals(1, lblc.cacheSize());
    }

    @Test
    void unusableCachedServerIsReplaced() {
        assertSame(c, lblc.schedule(list, toDestination(daddr)));
        c.setDetachedWeight(0);
        assertSame(b, lblc.schedule(list, toDestination(daddr)));
        b.setLoad(0, 0, true); // OVERLOAD flag
        assertSame(a, lblc.schedule(list, toDestination(daddr)));
        // deleted: removed from the list, the cache keeps pointing to it and replaces it on use
        Destinations without = list.without(list.indexOf(a));
        lblc.removed(without, a, 2);
        assertSame(a, lblc.cached(daddr));
        // a detached server cannot be unlinked; quiescing it makes it unusable the same way
        a.setDetachedWeight(0);
        c.setDetachedWeight(1);
        assertSame(c, lblc.schedule(without, toDestination(daddr)));
    }

    @Test
    void noServerMeansNone() {
        for (RealServer r : new RealServer[] {a, b, c}) {
            r.setDetachedWeight(0);
        }
        assertNull(lblc.schedule(list, toDestination(daddr)));
        assertEquals(0, lblc.cacheSize());
        LocalityBasedLeastConnection empty = new LocalityBasedLeastConnection(ticker);
        empty.init(Destinations.EMPTY);
        assertNull(empty.schedule(Destinations.EMPTY, toDestination(daddr)));
    }

    @Test
    void fullCheckEvery30PassesExpiresAfterTheExpiration() {
        LocalityBasedLeastConnection s = new LocalityBasedLeastConnection(ticker, Duration.ofMinutes(10));
        s.init(list);
        s.schedule(list, toDestination(daddr));
        ticker.advanceSeconds(29 * 60);
        s.checkExpire();
        assertEquals(1, s.cacheSize(), "idle 29 min, but passes 1..29 are not full checks");
        ticker.advanceSeconds(60);
        s.checkExpire();
        assertEquals(0, s.cacheSize(), "the 30th pass deletes entries idle >= 10 min");
    }

    @Test
    void defaultExpirationIs24Hours() {
        lblc.schedule(list, toDestination(daddr));
        ticker.now += Duration.ofHours(24).toNanos() - 1;
        lblc.checkExpire();
        assertEquals(1, lblc.cacheSize());
        ticker.now += 1;
        // GC may also be driven from a pick: a pick for another address runs the due pass first
        lblc.schedule(list, toDestination(ip("203.0.113.1")));
        assertNull(lblc.cached(daddr));
        assertEquals(1, lblc.cacheSize());
    }

    @Test
    void usedEntriesSurviveTheFullCheck() {
        LocalityBasedLeastConnection s = new LocalityBasedLeastConnection(ticker, Duration.ofMinutes(10));
        s.init(list);
        for (int i = 0; i < 30; i++) {
            s.schedule(list, toDestination(daddr));
            ticker.advanceSeconds(60);
        }
        s.checkExpire();
        assertEquals(1, s.cacheSize());
    }

    @Test
    void aboveMaxSizeIdleEntriesAreTrimmedByGoal() {
        int over = 300;
        int total = LocalityTable.MAX_SIZE + over;
        for (int i = 0; i < total; i++) {
            lblc.schedule(list, toDestination(0x0B000000 + i));
        }
        assertEquals(total, lblc.cacheSize());
        ticker.advanceSeconds(5 * 60);
        lblc.checkExpire();
        assertEquals(total, lblc.cacheSize(), "nothing idle for 6 minutes yet");
        ticker.advanceSeconds(60);
        lblc.checkExpire();
        int removed = total - lblc.cacheSize();
        int goal = over * 4 / 3;
        assertTrue(removed >= goal && removed < goal + 64, "removed " + removed);
        // below max_size now: further passes only count
        ticker.advanceSeconds(60);
        lblc.checkExpire();
        assertEquals(total - removed, lblc.cacheSize());
    }

    @Test
    void noNewEntriesAtOneAndAHalfMaxSize() {
        for (int i = 0; i < LocalityTable.CREATE_LIMIT; i++) {
            lblc.schedule(list, toDestination(0x0C000000 + i));
        }
        assertEquals(LocalityTable.CREATE_LIMIT, lblc.cacheSize());
        RealServer pick = lblc.schedule(list, toDestination(ip("203.0.113.9")));
        assertSame(c, pick, "the pick is still made");
        assertEquals(LocalityTable.CREATE_LIMIT, lblc.cacheSize());
        assertNull(lblc.cached(ip("203.0.113.9")));
        // existing entries are still re-pointed
        c.setDetachedWeight(0);
        assertSame(b, lblc.schedule(list, toDestination(0x0C000000)));
        assertSame(b, lblc.cached(0x0C000000));
    }

    @Test
    void doneEmptiesTheCache() {
        lblc.schedule(list, toDestination(daddr));
        lblc.done();
        assertEquals(0, lblc.cacheSize());
    }
}
