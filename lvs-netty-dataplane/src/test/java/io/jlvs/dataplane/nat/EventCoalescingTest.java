package io.jlvs.dataplane.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The coalescing decision on an explicit clock: naps only while events are dense and naps find
 * them, and (with a flow minimum) while the loop carries enough flows. Most tests ask for no minimum.
 */
class EventCoalescingTest {
    private static final long NAP = 10_000; // 10 µs: dense means at least 50,000 events a second
    private static final long MS = 1_000_000;

    @Test
    void aNewLoopBlocksAtOnce() {
        assertFalse(new EventCoalescing(NAP, EventCoalescing.Gate.NONE, 0).napBeforeBlocking());
    }

    @Test
    void denseEventsMakeItNapAndSparseOnesStopIt() {
        EventCoalescing c = new EventCoalescing(NAP, EventCoalescing.Gate.NONE, 0);
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
    void aLoopWithFewFlowsDoesNotNap() {
        EventCoalescing c = new EventCoalescing(NAP, EventCoalescing.Gate.DEFAULT, 0);
        for (int i = 1; i <= 31; i++) {
            c.flowStarted(i);
        }
        c.handled(100, MS); // dense, 31 new flows in the window
        assertFalse(c.napBeforeBlocking(), "31 flows");
        c.flowStarted(32);
        assertTrue(c.napBeforeBlocking(), "32 flows: at once, not at the end of the window");
        c.openFlows(8);
        assertFalse(c.napBeforeBlocking(), "down to 8 flows");
    }

    @Test
    void aLoopWhoseConnectionsDoNotChurnDoesNotNap() {
        EventCoalescing c = new EventCoalescing(NAP, EventCoalescing.Gate.DEFAULT, 0);
        for (int i = 1; i <= 50; i++) {
            c.flowStarted(i); // 50 connections opened in the first millisecond
        }
        c.handled(100, MS);
        assertTrue(c.napBeforeBlocking(), "dense events, 50 flows, 50 new ones");
        for (int i = 0; i < 3; i++) {
            c.flowStarted(50); // a connection replaced 3 times in the next millisecond: below 4
        }
        c.handled(100, 2 * MS);
        assertFalse(c.napBeforeBlocking(), "keep-alive traffic on established flows");
        for (int i = 0; i < 4; i++) {
            c.flowStarted(50);
        }
        c.handled(100, 3 * MS);
        assertTrue(c.napBeforeBlocking(), "4 new flows a millisecond");
        for (int i = 0; i < 4; i++) {
            c.flowStarted(50);
        }
        c.handled(100, 5 * MS); // a two-millisecond window needs 8
        assertFalse(c.napBeforeBlocking(), "4 new flows in 2 ms");
    }

    @Test
    void theDecisionHoldsUntilTheWindowEnds() {
        EventCoalescing c = new EventCoalescing(NAP, EventCoalescing.Gate.NONE, 0);
        c.handled(100, MS);
        assertTrue(c.napBeforeBlocking());
        c.handled(0, MS + MS / 2); // half a millisecond of nothing: not yet judged
        assertTrue(c.napBeforeBlocking());
        c.handled(0, 2 * MS);
        assertFalse(c.napBeforeBlocking());
    }

    @Test
    void aLongSleepEndsInASparseWindow() {
        EventCoalescing c = new EventCoalescing(NAP, EventCoalescing.Gate.NONE, 0);
        c.handled(100, MS);
        assertTrue(c.napBeforeBlocking());
        // the loop blocked for a second (idle) and woke with one event
        c.handled(1, MS + 1_000 * MS);
        assertFalse(c.napBeforeBlocking());
    }

    @Test
    void theThresholdIsOneEventPerTwoNaps() {
        EventCoalescing atThreshold = new EventCoalescing(NAP, EventCoalescing.Gate.NONE, 0);
        atThreshold.handled(50, MS); // 50 x 10 µs x 2 = 1 ms
        assertTrue(atThreshold.napBeforeBlocking());
        EventCoalescing below = new EventCoalescing(NAP, EventCoalescing.Gate.NONE, 0);
        below.handled(49, MS);
        assertFalse(below.napBeforeBlocking());
        assertEquals(NAP, below.napNanos());
    }

    @Test
    void theNapMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new EventCoalescing(0, EventCoalescing.Gate.NONE, 0));
    }

    @Test
    void napsThatComeBackEmptyPauseNappingWithADoublingPause() {
        EventCoalescing c = new EventCoalescing(NAP, EventCoalescing.Gate.NONE, 0);
        c.handled(100, MS);
        assertTrue(c.napBeforeBlocking());
        // a contended window: 64 naps, 51 found events (fewer than four in five)
        long t = napWindow(c, MS, 64, 51);
        assertFalse(c.napBeforeBlocking(), "paused");
        t = denseWindowsUntil(c, t, t + 7 * MS);
        assertFalse(c.napBeforeBlocking(), "still paused just before 8 ms");
        t = denseWindowsUntil(c, t, t + 2 * MS);
        assertTrue(c.napBeforeBlocking(), "tries again after 8 ms");
        t = napWindow(c, t, 64, 30); // the try fails: now 16 ms
        t = denseWindowsUntil(c, t, t + 15 * MS);
        assertFalse(c.napBeforeBlocking(), "the pause doubled");
        t = denseWindowsUntil(c, t, t + 2 * MS);
        assertTrue(c.napBeforeBlocking());
        t = napWindow(c, t, 64, 52); // a good try (four in five) resets the pause to 8 ms
        assertTrue(c.napBeforeBlocking());
        t = napWindow(c, t, 64, 0);
        t = denseWindowsUntil(c, t, t + 7 * MS);
        assertFalse(c.napBeforeBlocking());
        denseWindowsUntil(c, t, t + 2 * MS);
        assertTrue(c.napBeforeBlocking(), "8 ms again after the good window");
    }

    @Test
    void napsAreJudged64AtATimeAcrossWindows() {
        EventCoalescing c = new EventCoalescing(NAP, EventCoalescing.Gate.NONE, 0);
        c.handled(100, MS);
        long t = napWindow(c, MS, 63, 0);
        assertTrue(c.napBeforeBlocking(), "63 empty naps are not judged yet");
        napWindow(c, t, 1, 0);
        assertFalse(c.napBeforeBlocking(), "the 64th completes the sample");
    }

    @Test
    void thePauseStopsDoublingAtAQuarterSecond() {
        EventCoalescing c = new EventCoalescing(NAP, EventCoalescing.Gate.NONE, 0);
        long t = MS;
        c.handled(100, t);
        for (int i = 0; i < 12; i++) { // 8, 16, ... 256, 256, 256 ms
            t = napWindow(c, t, 64, 0);
            long resumes = t;
            while (!c.napBeforeBlocking()) {
                t = denseWindowsUntil(c, t, t + MS);
            }
            long pause = t - resumes;
            assertTrue(pause <= EventCoalescing.MAX_PAUSE_NANOS + 2 * MS, "pause " + pause);
            if (i >= 6) {
                assertTrue(pause >= EventCoalescing.MAX_PAUSE_NANOS, "pause " + pause);
            }
        }
    }

    /** One window of {@code naps} naps, {@code hits} of them finding events, ending a millisecond after {@code t}. */
    private static long napWindow(EventCoalescing c, long t, int naps, int hits) {
        for (int i = 0; i < naps; i++) {
            c.napped(i < hits);
        }
        c.handled(100, t + MS);
        return t + MS;
    }

    /** Dense windows without naps from {@code t} until at least {@code until}. */
    private static long denseWindowsUntil(EventCoalescing c, long t, long until) {
        while (t < until) {
            t += MS;
            c.handled(100, t);
        }
        return t;
    }
}
