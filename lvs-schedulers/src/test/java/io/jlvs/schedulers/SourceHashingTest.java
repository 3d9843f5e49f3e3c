package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.ServiceConfig;
import io.jlvs.core.scheduler.Destinations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.BeforeEach;

import static io.jlvs.schedulers.Fixtures.client;
import static io.jlvs.schedulers.Fixtures.ip;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Vectors of reference §3.14 plus our own derived from the rules. */
class SourceHashingTest {
    private final SourceHashing sh = new SourceHashing();
    private RealServer rs1;
    private RealServer rs2;
    private Destinations list;

    @BeforeEach
    void setUp() {
        rs1 = Fixtures.rs("10.0.0.2", 80, 5);
        rs2 = Fixtures.rs("10.0.0.3", 80, 10);
        list = Fixtures.addAll(sh, 0, rs1, rs2); // list [RS2, RS1]
    }

    private int count(RealServer r) {
        int n = 0;
        for (int i = 0; i < 256; i++) {
            if (sh.bucket(i) == r) {
                n++;
            }
        }
        return n;
    }

    @Test
    void tableLayoutFollowsWeightsInListOrder() {
        for (int i = 0; i < 10; i++) {
            assertSame(rs2, sh.bucket(i), "bucket " + i);
        }
        for (int i = 10; i < 15; i++) {
            assertSame(rs1, sh.bucket(i), "bucket " + i);
        }
        for (int i = 15; i < 25; i++) {
            assertSame(rs2, sh.bucket(i), "bucket " + i);
        }
        assertEquals(171, count(rs2));
        assertEquals(85, count(rs1));
    }

    @Test
    void clientVectors() {
        assertSame(rs2, sh.schedule(list, client("172.25.0.100")));
        assertSame(rs1, sh.schedule(list, client("172.25.0.101")));
        assertSame(rs1, sh.schedule(list, client("172.25.0.103")));
        assertSame(rs2, sh.schedule(list, client("192.168.1.1")));
        assertSame(rs2, sh.schedule(list, client("10.1.2.3")));
    }

    @Test
    void shPortAddsTheSourcePort() {
        Destinations withPort = list.withSchedulerFlags(ServiceConfig.SCHED_FLAG_2);
        assertEquals(167, sh.bucketOf(ip("172.25.0.100"), 40000));
        assertSame(rs2, sh.schedule(withPort, client(ip("172.25.0.100"), 40000)));
        // without the flag the port is ignored: 172.25.0.101 is RS1 whatever its port
        assertSame(rs1, sh.schedule(list, client(ip("172.25.0.101"), 40000)));
        // own vector: 172.25.0.101 sport 1 -> hash_32(0xAC190066, 8) -> same bucket as .102
        assertEquals(sh.bucketOf(ip("172.25.0.102"), 0), sh.bucketOf(ip("172.25.0.101"), 1));
    }

    @Test
    void quiescedTableAndFallback() {
        rs2.setDetachedWeight(0);
        sh.updated(list, rs2);
        String[] pattern = {"RS2", "RS1", "RS1", "RS1", "RS1", "RS1"};
        for (int i = 0; i < 256; i++) {
            assertSame(pattern[i % 6].equals("RS2") ? rs2 : rs1, sh.bucket(i), "bucket " + i);
        }
        assertEquals(43, count(rs2));
        assertEquals(213, count(rs1));
        assertEquals(246, sh.bucketOf(ip("172.25.0.3"), 0));
        assertNull(sh.schedule(list, client("172.25.0.3")));
        assertSame(rs1, sh.schedule(list.withSchedulerFlags(ServiceConfig.SCHED_FLAG_1), client("172.25.0.3")));
        assertSame(rs1, sh.bucket((2 * 246) % 256)); // first probe 236
    }

    @Test
    void fallbackProbesDoubleOffsetSequence() {
        // own vector: dests [C w1, B w1, A w1] with A and B unusable; bucket 3*j+2 is C (A added first).
        RealServer a = Fixtures.rs("10.0.1.1", 80, 1);
        RealServer b = Fixtures.rs("10.0.1.2", 80, 1);
        RealServer c = Fixtures.rs("10.0.1.3", 80, 1);
        SourceHashing s = new SourceHashing();
        Destinations d = Fixtures.addAll(s, ServiceConfig.SCHED_FLAG_1, a, b, c); // [C, B, A]
        assertSame(c, s.bucket(0));
        assertSame(b, s.bucket(1));
        assertSame(a, s.bucket(2));
        b.setLoad(0, 0, true);
        a.setDetachedWeight(0); // no rebuild needed to observe lookups; the table is from weights 1
        // client with k = 1 (B): probes (2 + i) mod 256 -> 2 (A, unusable), 3 (C) -> C
        int addr = clientWithBucket(1);
        assertSame(c, s.schedule(d, client(addr, 0)));
        // client with k = 130 (B): probes (260 + i) mod 256 = 4 (B), 5 (A), 6 (C)
        int addr2 = clientWithBucket(130);
        assertSame(b, s.bucket(130));
        assertSame(c, s.schedule(d, client(addr2, 0)));
        assertNull(s.schedule(d.withSchedulerFlags(0), client(addr2, 0)));
    }

    /** Inverts hash_32 (multiplication by an odd constant is a bijection mod 2^32). */
    static int clientWithBucket(int bucket) {
        int inverse = 1;
        for (int i = 0; i < 5; i++) {
            inverse *= 2 - KernelHash.GOLDEN_RATIO_32 * inverse; // Newton iteration for the 2-adic inverse
        }
        return (bucket << 24) * inverse;
    }

    @Test
    void emptyTableAndOverload() {
        SourceHashing s = new SourceHashing();
        s.init(Destinations.EMPTY);
        assertNull(s.schedule(Destinations.EMPTY, client("10.1.2.3")));
        rs2.setLoad(0, 0, true);
        assertNull(sh.schedule(list, client("10.1.2.3")));
        assertSame(rs1, sh.schedule(list.withSchedulerFlags(ServiceConfig.SCHED_FLAG_1), client("10.1.2.3")));
    }

    @Test
    void rebuildsOnDelete() {
        Destinations without = list.without(0); // remove RS2
        sh.removed(without, rs2, 0);
        for (int i = 0; i < 256; i++) {
            assertSame(rs1, sh.bucket(i));
        }
    }

    @Test
    void tableBitsAreConfigurable() {
        SourceHashing s16 = new SourceHashing(4);
        assertEquals(16, s16.tableSize());
        Fixtures.addAll(s16, 0, rs1, rs2); // RS2 10 buckets, then RS1 5, then RS2 1
        for (int i = 0; i < 10; i++) {
            assertSame(rs2, s16.bucket(i));
        }
        assertSame(rs2, s16.bucket(15));
        assertThrows(IllegalArgumentException.class, () -> new SourceHashing(3));
        assertThrows(IllegalArgumentException.class, () -> new SourceHashing.Provider(21));
    }
}
