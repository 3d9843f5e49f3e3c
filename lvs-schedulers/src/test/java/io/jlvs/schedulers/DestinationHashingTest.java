package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import org.junit.jupiter.api.Test;

import static io.jlvs.schedulers.Fixtures.ip;
import static io.jlvs.schedulers.Fixtures.toDestination;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Vectors of reference §3.13 plus our own. */
class DestinationHashingTest {

    @Test
    void referenceVectors() {
        DestinationHashing dh = new DestinationHashing();
        RealServer rs1 = Fixtures.rs("10.0.0.2", 80, 5);
        RealServer rs2 = Fixtures.rs("10.0.0.3", 80, 10);
        Destinations d = Fixtures.addAll(dh, 0, rs1, rs2); // [RS2, RS1]
        for (int i = 0; i < 256; i++) {
            assertSame(i % 2 == 0 ? rs2 : rs1, dh.bucket(i), "bucket " + i);
        }
        assertEquals(162, DestinationHashing.bucketOf(ip("172.25.0.10")));
        assertSame(rs2, dh.schedule(d, toDestination(ip("172.25.0.10"))));
        assertEquals(96, DestinationHashing.bucketOf(ip("198.51.100.1")));
        assertSame(rs2, dh.schedule(d, toDestination(ip("198.51.100.1"))));
    }

    @Test
    void ownVectorsThreeServersAndNoFallback() {
        DestinationHashing dh = new DestinationHashing();
        RealServer a = Fixtures.rs("10.0.1.1", 80, 1);
        RealServer b = Fixtures.rs("10.0.1.2", 80, 100);
        RealServer c = Fixtures.rs("10.0.1.3", 80, 7);
        Destinations d = Fixtures.addAll(dh, 0, a, b, c); // [C, B, A]
        // weights ignored: bucket i -> list[i mod 3]; 255 = 3*85 -> C
        assertSame(c, dh.bucket(0));
        assertSame(b, dh.bucket(1));
        assertSame(a, dh.bucket(2));
        assertSame(c, dh.bucket(255));
        int toA = SourceHashingTest.clientWithBucket(2);
        assertEquals(2, DestinationHashing.bucketOf(toA));
        assertSame(a, dh.schedule(d, toDestination(toA)));
        // edit does not rebuild, and a quiesced bucket yields none
        a.setDetachedWeight(0);
        dh.updated(d, a);
        assertSame(a, dh.bucket(2));
        assertNull(dh.schedule(d, toDestination(toA)));
        a.setDetachedWeight(3);
        a.setLoad(0, 0, true);
        assertNull(dh.schedule(d, toDestination(toA)));
        // delete rebuilds: [C, B] -> bucket 2 is C
        Destinations without = d.without(2);
        dh.removed(without, a, 2);
        assertSame(c, dh.bucket(2));
        assertSame(c, dh.schedule(without, toDestination(toA)));
    }

    @Test
    void empty() {
        DestinationHashing dh = new DestinationHashing();
        dh.init(Destinations.EMPTY);
        assertNull(dh.schedule(Destinations.EMPTY, toDestination(ip("10.9.9.9"))));
    }
}
