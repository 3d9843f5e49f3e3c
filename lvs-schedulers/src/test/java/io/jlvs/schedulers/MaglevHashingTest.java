package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.ServiceConfig;
import io.jlvs.core.scheduler.Destinations;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.jlvs.schedulers.Fixtures.client;
import static io.jlvs.schedulers.Fixtures.ip;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Vectors of reference §3.15 plus our own derived from the rules. */
class MaglevHashingTest {
    private static final int M = 4093;
    private final MaglevHashing mh = new MaglevHashing();
    private RealServer rs1;
    private RealServer rs2;
    private Destinations list;

    @BeforeEach
    void setUp() {
        rs1 = Fixtures.rs("10.0.0.2", 80, 5);
        rs2 = Fixtures.rs("10.0.0.3", 80, 10);
        list = Fixtures.addAll(mh, 0, rs1, rs2); // [RS2, RS1]
    }

    private static int count(MaglevHashing s, RealServer r) {
        int n = 0;
        for (int i = 0; i < s.tableSize(); i++) {
            if (s.slot(i) == r) {
                n++;
            }
        }
        return n;
    }

    @Test
    void offsetsAndSkips() {
        int k2 = ip("10.0.0.3") + 80;
        int k1 = ip("10.0.0.2") + 80;
        assertEquals(1631, MaglevHashing.offset(k2, M));
        assertEquals(3453, MaglevHashing.skip(k2, M));
        assertEquals(1231, MaglevHashing.offset(k1, M));
        assertEquals(3544, MaglevHashing.skip(k1, M));
        assertEquals(752814842L % M, MaglevHashing.offset(k2, M));
        assertEquals(3991614416L % (M - 1) + 1, MaglevHashing.skip(k2, M));
    }

    @Test
    void entryCountsAndFirstPlacements() {
        assertEquals(2729, count(mh, rs2));
        assertEquals(1364, count(mh, rs1));
        // own: turns are 2 (RS2) and 1 (RS1) after gcd 5; RS2 places at its offset then offset+skip
        assertArrayEquals(new int[] {2, 1}, MaglevHashing.turns(list, 6));
        assertSame(rs2, mh.slot(1631));
        assertSame(rs2, mh.slot((1631 + 3453) % M));
        assertSame(rs1, mh.slot(1231));
    }

    @Test
    void clientLookups() {
        assertEquals(909, MaglevHashing.offset(ip("172.25.0.100"), M));
        assertSame(rs2, mh.schedule(list, client("172.25.0.100")));
        assertEquals(2467, MaglevHashing.offset(ip("172.25.0.101"), M));
        assertSame(rs1, mh.schedule(list, client("172.25.0.101")));
        assertEquals(2674, MaglevHashing.offset(ip("172.25.0.102"), M));
        assertSame(rs1, mh.schedule(list, client("172.25.0.102")));
        assertEquals(2274, MaglevHashing.offset(ip("172.25.0.103"), M));
        assertSame(rs2, mh.schedule(list, client("172.25.0.103")));
        assertEquals(2456, MaglevHashing.offset(ip("192.168.1.1"), M));
        assertSame(rs2, mh.schedule(list, client("192.168.1.1")));
    }

    @Test
    void quiescedServerKeepsItsSlotsAndFallbackProbes() {
        RealServer[] before = snapshot(mh);
        rs2.setDetachedWeight(0);
        mh.updated(list, rs2);
        assertArrayEquals(before, snapshot(mh), "last_weight keeps the table");
        assertNull(mh.schedule(list, client("172.25.0.100")));
        int addr = ip("172.25.0.100");
        int[] probes = {1201, 1190, 3809, 3310, 208};
        for (int i = 0; i < probes.length; i++) {
            assertEquals(probes[i], MaglevHashing.offset(((909 + i) % M) + addr, M), "probe " + i);
        }
        for (int i = 0; i < 4; i++) {
            assertSame(rs2, mh.slot(probes[i]));
        }
        assertSame(rs1, mh.slot(208));
        assertSame(rs1, mh.schedule(list.withSchedulerFlags(ServiceConfig.SCHED_FLAG_1), client("172.25.0.100")));
    }

    @Test
    void equalWeightsSplit2047To2046() {
        MaglevHashing s = new MaglevHashing();
        RealServer a = Fixtures.rs("10.0.0.2", 80, 1);
        RealServer b = Fixtures.rs("10.0.0.3", 80, 1);
        Fixtures.addAll(s, 0, a, b); // [b, a]
        int cb = count(s, b);
        int ca = count(s, a);
        assertEquals(4093, ca + cb);
        assertEquals(2047, Math.max(ca, cb));
        assertEquals(2046, Math.min(ca, cb));
        assertEquals(2047, cb, "the head of the list places first each round");
    }

    @Test
    void turnsFollowGcdAndShift() {
        // own: weights 65535 / 1 with TAB_BITS 6: bitlength(65535) = 16 -> shift 10; 65535 >> 10 = 63, 1 >> 10 = 0 -> 1
        RealServer big = Fixtures.rs("10.0.2.1", 80, 65535);
        RealServer small = Fixtures.rs("10.0.2.2", 80, 1);
        Destinations d = Destinations.of(0, big, small);
        assertArrayEquals(new int[] {63, 1}, MaglevHashing.turns(d, 6));
        // weights 12 / 8 / 4: gcd 4 -> 3 / 2 / 1, no shift
        Destinations d2 = Destinations.of(0, Fixtures.rs(1, 12), Fixtures.rs(2, 8), Fixtures.rs(3, 4));
        assertArrayEquals(new int[] {3, 2, 1}, MaglevHashing.turns(d2, 6));
        // a server added with weight 0 (last_weight 0) gets 0 turns and no slot
        RealServer never = Fixtures.rs("10.0.2.3", 80, 0);
        Destinations d3 = Destinations.of(0, never, Fixtures.rs(4, 3));
        assertArrayEquals(new int[] {0, 1}, MaglevHashing.turns(d3, 6));
        MaglevHashing s = new MaglevHashing(251);
        s.init(d3);
        assertEquals(0, count(s, never));
        // TAB_BITS follows the table index: 131071 is index 17 -> 8 bits; 65535 >> 8 = 255
        assertArrayEquals(new int[] {255, 1}, MaglevHashing.turns(d, 8));
    }

    @Test
    void noWeightEverMeansEmptyTable() {
        MaglevHashing s = new MaglevHashing(251);
        RealServer z = Fixtures.rs("10.0.2.3", 80, 0);
        Destinations d = Fixtures.addAll(s, ServiceConfig.SCHED_FLAG_1, z);
        assertEquals(0, count(s, z));
        assertNull(s.schedule(d, client("1.2.3.4")));
    }

    @Test
    void weightedTableSizesAndRatio() {
        for (int size : MaglevHashing.kernelTableSizes()) {
            MaglevHashing s = new MaglevHashing(size);
            RealServer a = Fixtures.rs(1, 1);
            RealServer b = Fixtures.rs(2, 3);
            Fixtures.addAll(s, 0, a, b);
            int ca = count(s, a);
            int cb = count(s, b);
            assertEquals(size, ca + cb);
            // turns 3:1 -> b gets 3 of every 4 placements until the table is full
            assertTrue(Math.abs(cb - 3L * size / 4) <= 3, "size " + size + ": " + cb);
        }
        assertThrows(IllegalArgumentException.class, () -> new MaglevHashing(4096));
        assertThrows(IllegalArgumentException.class, () -> new MaglevHashing.Provider(1000));
    }

    @Test
    void moreServersThanSlotsKeepsPreviousTable() {
        MaglevHashing s = new MaglevHashing(251);
        List<RealServer> servers = new ArrayList<>();
        for (int i = 0; i < 252; i++) {
            servers.add(Fixtures.rs(i + 1, 1));
        }
        Destinations d = Fixtures.addAll(s, 0, servers.subList(0, 251).toArray(RealServer[]::new));
        RealServer[] full = snapshot(s);
        for (RealServer r : full) {
            assertTrue(r != null);
        }
        Destinations more = d.withHead(servers.get(251));
        s.added(more, servers.get(251));
        assertArrayEquals(full, snapshot(s));
    }

    @Test
    void overloadAndEmpty() {
        rs2.setLoad(0, 0, true);
        assertNull(mh.schedule(list, client("172.25.0.100")));
        assertSame(rs1, mh.schedule(list.withSchedulerFlags(ServiceConfig.SCHED_FLAG_1), client("172.25.0.100")));
        MaglevHashing e = new MaglevHashing();
        e.init(Destinations.EMPTY);
        assertNull(e.schedule(Destinations.EMPTY.withSchedulerFlags(ServiceConfig.SCHED_FLAG_1), client("1.2.3.4")));
    }

    @Test
    void mhPortHashesPortPlusAddress() {
        Destinations withPort = list.withSchedulerFlags(ServiceConfig.SCHED_FLAG_2);
        int addr = ip("172.25.0.100");
        // own: port 1 on .100 is the key of .101 without port -> same pick (RS1)
        assertSame(rs1, mh.schedule(withPort, client(addr, 1)));
        assertSame(rs2, mh.schedule(list, client(addr, 1)));
    }

    static RealServer[] snapshot(MaglevHashing s) {
        RealServer[] out = new RealServer[s.tableSize()];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.slot(i);
        }
        return out;
    }
}
