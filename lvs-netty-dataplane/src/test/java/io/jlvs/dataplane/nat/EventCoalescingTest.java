package io.jlvs.dataplane.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The coalescing decision on an explicit clock: naps only while events are dense. */
class EventCoalescingTest {
    private static final long NAP = 10_000; // 10 µs: dense means at least 50,000 events a second
    private static final long MS = 1_000_000;

    @Test
    void aNewLoopBlocksAtOnce() {
        assertFalse(new EventCoalescing(NAP, 0).napBeforeBlocking());
    }

    @Test
    void denseEventsMakeItNapAndSparseOnesStopIt() {
        EventCoalescing c = new EventCoalescing(NAP, 0);
        // 60 events in the first millisecond (60,000/s), in iterations of 3
        for (long t = 50_000; t <= MS; t += 50_000) {
            c.handled(3, t);
        }
        assertTrue(c.napBeforeBlocking(), "60 events in 1 ms with 10 µs naps");
        // then 40 in the next (40,000/s: below one per two naps)
        for (long t = MS + 25_000; t <= 2 * MS; t += 25_000) {
            c.handled(1, t);
        }
        assertFalse(c.napBeforeBlocking(), "40 events in 1 ms");
    }

    @Test
    void theDecisionHoldsUntilTheWindowEnds() {
        EventCoalescing c = new EventCoalescing(NAP, 0);
        c.handled(100, MS);
        assertTrue(c.napBeforeBlocking());
        c.handled(0, MS + MS / 2); // half a millisecond of nothing: not yet judged
        assertTrue(c.napBeforeBlocking());
        c.handled(0, 2 * MS);
        assertFalse(c.napBeforeBlocking());
    }

    @Test
    void aLongSleepEndsInASparseWindow() {
        EventCoalescing c = new EventCoalescing(NAP, 0);
        c.handled(100, MS);
        assertTrue(c.napBeforeBlocking());
        // the loop blocked for a second (idle) and woke with one event
        c.handled(1, MS + 1_000 * MS);
        assertFalse(c.napBeforeBlocking());
    }

    @Test
    void theThresholdIsOneEventPerTwoNaps() {
        EventCoalescing atThreshold = new EventCoalescing(NAP, 0);
        atThreshold.handled(50, MS); // 50 x 10 µs x 2 = 1 ms
        assertTrue(atThreshold.napBeforeBlocking());
        EventCoalescing below = new EventCoalescing(NAP, 0);
        below.handled(49, MS);
        assertFalse(below.napBeforeBlocking());
        assertEquals(NAP, below.napNanos());
    }

    @Test
    void theNapMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new EventCoalescing(0, 0));
    }
}
