package io.jlvs.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.Scheduler;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.function.IntFunction;

/** The sequences and examples of reference/ipvs.md §3.2–3.10, plus vectors derived from the rules. */
class GoldenSequenceTest {
    private final Fixture f = new Fixture();

    private static Scheduler bound(Scheduler s, Destinations d) {
        s.init(d);
        return s;
    }

    // ---- rr ----

    @Test
    void rrCyclesNewestFirstAndSkipsQuiesced() {
        RealServer a = f.rs("A", 1);
        RealServer b = f.rs("B", 1);
        RealServer c = f.rs("C", 1);
        Destinations d = Fixture.list(c, b, a);
        Scheduler rr = bound(new RoundRobin(), d);
        assertEquals("C B A C B A", f.run(rr, d, 6, false));
        b.setDetachedWeight(0);
        rr.updated(d, b);
        assertEquals("C A C A", f.run(rr, d, 4, false));
    }

    @Test
    void rrBuiltByAddsStartsWithNewest() {
        RealServer a = f.rs("A", 1);
        RealServer b = f.rs("B", 1);
        RoundRobin rr = new RoundRobin();
        Destinations d = Destinations.EMPTY;
        rr.init(d);
        d = d.withHead(a);
        rr.added(d, a);
        assertEquals("A A", f.run(rr, d, 2, false));
        d = d.withHead(b);
        rr.added(d, b); // cursor on A: the walk wraps to the new head B
        assertEquals("B A B", f.run(rr, d, 3, false));
    }

    @Test
    void rrDeleteOfCursorMovesToSuccessor() {
        RealServer a = f.rs("A", 1);
        RealServer b = f.rs("B", 1);
        RealServer c = f.rs("C", 1);
        RealServer e = f.rs("D", 1);
        Destinations d = Fixture.list(e, c, b, a);
        Scheduler rr = bound(new RoundRobin(), d);
        assertEquals("D C", f.run(rr, d, 2, false)); // cursor on C (index 1)
        d = d.without(1);
        rr.removed(d, c, 1);
        assertEquals("B A D B", f.run(rr, d, 4, false)); // cursor on B (index 1)
        d = d.without(2); // delete A, after the cursor
        rr.removed(d, a, 2);
        assertEquals("D B D", f.run(rr, d, 3, false)); // cursor on D (index 0)
        d = d.without(0);
        rr.removed(d, e, 0); // cursor falls back to the head
        assertEquals("B B", f.run(rr, d, 2, false));
    }

    @Test
    void rrNoneWhenNothingUsable() {
        RealServer a = f.rs("A", 0);
        RealServer b = f.rs("B", 1);
        b.setLoad(0, 0, true);
        Destinations d = Fixture.list(b, a);
        Scheduler rr = bound(new RoundRobin(), d);
        assertNull(rr.schedule(d, f.request));
        b.setLoad(0, 0, false);
        assertEquals("B B", f.run(rr, d, 2, false));
        assertNull(bound(new RoundRobin(), Destinations.EMPTY).schedule(Destinations.EMPTY, f.request));
    }

    // ---- wrr ----

    @Test
    void wrrGcdFiveNewestFirst() {
        RealServer rs1 = f.rs("RS1", 5);
        RealServer rs2 = f.rs("RS2", 10);
        Destinations d = Fixture.list(rs2, rs1);
        assertEquals("RS2 RS2 RS1 RS2 RS2 RS1 RS2 RS2 RS1", f.run(bound(new WeightedRoundRobin(), d), d, 9, false));
        Destinations e = Fixture.list(rs1, rs2);
        assertEquals("RS2 RS1 RS2 RS2 RS1 RS2", f.run(bound(new WeightedRoundRobin(), e), e, 6, false));
    }

    @Test
    void wrrThreeWeights() {
        RealServer a = f.rs("A", 4);
        RealServer b = f.rs("B", 3);
        RealServer c = f.rs("C", 2);
        Destinations abc = Fixture.list(a, b, c);
        assertEquals("A A B A B C A B C A A B A B C A B C",
                f.run(bound(new WeightedRoundRobin(), abc), abc, 18, false));
        Destinations cba = Fixture.list(c, b, a);
        assertEquals("A B A C B A C B A A B A C B A C B A",
                f.run(bound(new WeightedRoundRobin(), cba), cba, 18, false));
    }

    @Test
    void wrrQuiescedAndOverloaded() {
        RealServer a = f.rs("A", 4);
        RealServer b = f.rs("B", 0);
        RealServer c = f.rs("C", 2);
        Destinations d = Fixture.list(a, b, c);
        assertEquals("A A C A A C", f.run(bound(new WeightedRoundRobin(), d), d, 6, false));

        RealServer a2 = f.rs("A", 4);
        RealServer b2 = f.rs("B", 3);
        RealServer c2 = f.rs("C", 2);
        a2.setLoad(0, 0, true);
        Destinations e = Fixture.list(a2, b2, c2);
        assertEquals("B B C B C B B C B C", f.run(bound(new WeightedRoundRobin(), e), e, 10, false));

        RealServer solo = f.rs("S", 3);
        solo.setLoad(0, 0, true);
        Destinations s = Fixture.list(solo);
        WeightedRoundRobin wrr = new WeightedRoundRobin();
        wrr.init(s);
        assertNull(wrr.schedule(s, f.request));
        solo.setLoad(0, 0, false);
        assertEquals("S S", f.run(wrr, s, 2, false));
    }

    @Test
    void wrrBuiltByAddsHasHistoryDependentStart() {
        RealServer a = f.rs("A", 4);
        RealServer b = f.rs("B", 3);
        RealServer c = f.rs("C", 2);
        WeightedRoundRobin wrr = new WeightedRoundRobin();
        Destinations d = Destinations.EMPTY;
        wrr.init(d);
        assertNull(wrr.schedule(d, f.request));
        for (RealServer rs : new RealServer[] {a, b, c}) {
            d = d.withHead(rs);
            wrr.added(d, rs);
        }
        assertEquals("C B A A B A C B A C B A A B A C B A C B A", f.run(wrr, d, 21, false));
    }

    @Test
    void wrrEditResetsCursorAndKeepsCw() {
        // [A=4, B=3, C=2]: after "A A B A" cw = 2 and the cursor is on A; editing C to 2 (no change
        // of di/mw) moves the cursor to the head, keeps cw = 2: the next picks are A B C, then cw=1.
        RealServer a = f.rs("A", 4);
        RealServer b = f.rs("B", 3);
        RealServer c = f.rs("C", 2);
        Destinations d = Fixture.list(a, b, c);
        WeightedRoundRobin wrr = new WeightedRoundRobin();
        wrr.init(d);
        assertEquals("A A B A", f.run(wrr, d, 4, false));
        wrr.updated(d, c);
        assertEquals("A B C A B C A A B", f.run(wrr, d, 9, false));
        // weights 4 and 2 (di 2, mw 3): cw 3 -> A; cw 1 -> A, C
        b.setDetachedWeight(0);
        wrr.updated(d, b); // cw was 3 (after restart): 3 <= mw 3, di 2 -> (3/2)*2+1 = 3
        assertEquals("A A C A A C", f.run(wrr, d, 6, false));
    }

    // ---- lc family: examples and "connections never close" sequences, scan and indexed ----

    private static IntFunction<Scheduler> lcFamily(String name) {
        return threshold -> switch (name) {
            case "lc" -> new LeastConnection(threshold);
            case "wlc" -> new WeightedLeastConnection(threshold);
            case "sed" -> new ShortestExpectedDelay(threshold);
            case "nq" -> new NeverQueue(threshold);
            case "fo" -> new WeightedFailover(threshold);
            case "ovf" -> new WeightedOverflow(threshold);
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static Scheduler make(String name, boolean indexed, Destinations d) {
        Scheduler s = lcFamily(name).apply(indexed ? 0 : Integer.MAX_VALUE);
        s.init(d);
        return s;
    }

    @ParameterizedTest(name = "indexed={0}")
    @ValueSource(booleans = {false, true})
    void lcExampleAndSequence(boolean indexed) {
        RealServer a = f.rs("A", 1);
        RealServer b = f.rs("B", 1);
        RealServer c = f.rs("C", 1);
        a.setLoad(2, 10, false);
        b.setLoad(1, 300, false);
        c.setLoad(1, 200, false);
        Destinations abc = Fixture.list(a, b, c);
        assertEquals("C", f.run(make("lc", indexed, abc), abc, 1, false));

        RealServer a2 = f.rs("A", 1);
        RealServer b2 = f.rs("B", 1);
        Destinations ba = Fixture.list(b2, a2);
        assertEquals("B A B A B A", f.run(make("lc", indexed, ba), ba, 6, true));
    }

    @ParameterizedTest(name = "indexed={0}")
    @ValueSource(booleans = {false, true})
    void wlcExamplesAndSequences(boolean indexed) {
        RealServer a = f.rs("A", 5);
        RealServer b = f.rs("B", 10);
        a.setLoad(3, 0, false);
        b.setLoad(5, 0, false);
        Destinations ab = Fixture.list(a, b);
        assertEquals("B", f.run(make("wlc", indexed, ab), ab, 1, false));
        a.setLoad(2, 0, false);
        b.setLoad(4, 0, false);
        assertEquals("A", f.run(make("wlc", indexed, ab), ab, 1, false));

        RealServer a2 = f.rs("A", 5);
        RealServer b2 = f.rs("B", 10);
        Destinations ba = Fixture.list(b2, a2);
        assertEquals("B A B B A B B A B B A B", f.run(make("wlc", indexed, ba), ba, 12, true));
        RealServer a3 = f.rs("A", 5);
        RealServer b3 = f.rs("B", 10);
        Destinations ab3 = Fixture.list(a3, b3);
        assertEquals("A B B A B B A B B", f.run(make("wlc", indexed, ab3), ab3, 9, true));
    }

    @ParameterizedTest(name = "indexed={0}")
    @ValueSource(booleans = {false, true})
    void sedAndNq(boolean indexed) {
        RealServer a = f.rs("A", 1);
        RealServer b = f.rs("B", 10);
        b.setLoad(1, 0, false);
        Destinations ab = Fixture.list(a, b);
        assertEquals("B", f.run(make("sed", indexed, ab), ab, 1, false));
        assertEquals("A", f.run(make("nq", indexed, ab), ab, 1, false));

        RealServer a2 = f.rs("A", 1);
        RealServer b2 = f.rs("B", 3);
        Destinations ab2 = Fixture.list(a2, b2);
        assertEquals("B B A B B B A B", f.run(make("sed", indexed, ab2), ab2, 8, true));
        RealServer a3 = f.rs("A", 1);
        RealServer b3 = f.rs("B", 3);
        Destinations ab3 = Fixture.list(a3, b3);
        assertEquals("A B B B B B A B", f.run(make("nq", indexed, ab3), ab3, 8, true));
    }

    @ParameterizedTest(name = "indexed={0}")
    @ValueSource(booleans = {false, true})
    void foAndOvf(boolean indexed) {
        RealServer a = f.rs("A", 5);
        RealServer b = f.rs("B", 10);
        RealServer c = f.rs("C", 10);
        Destinations abc = Fixture.list(a, b, c);
        Scheduler fo = make("fo", indexed, abc);
        assertEquals("B B B", f.run(fo, abc, 3, true));
        Fixture.setLoad(fo, b, 3, 0, true); // overloaded: fails over to C
        assertEquals("C", f.run(fo, abc, 1, false));
        c.setDetachedWeight(0);
        fo.updated(abc, c);
        assertEquals("A", f.run(fo, abc, 1, false));

        RealServer a2 = f.rs("A", 2);
        RealServer b2 = f.rs("B", 3);
        Destinations ab = Fixture.list(a2, b2);
        Scheduler ovf = make("ovf", indexed, ab);
        assertEquals("B B B B A A A - -", f.run(ovf, ab, 9, true));
        Fixture.addActive(ovf, b2, -1); // one of B's connections closes: B accepts again
        assertEquals("B -", f.run(ovf, ab, 2, true));
    }

    @ParameterizedTest(name = "indexed={0}")
    @ValueSource(booleans = {false, true})
    void lcFamilyEmptyQuiescedOverloaded(boolean indexed) {
        for (String name : new String[] {"lc", "wlc", "sed", "nq", "fo", "ovf"}) {
            assertNull(make(name, indexed, Destinations.EMPTY).schedule(Destinations.EMPTY, f.request), name);
            RealServer q = f.rs("Q", 0);
            RealServer o = f.rs("O", 7);
            o.setLoad(0, 0, true);
            Destinations d = Fixture.list(q, o);
            assertNull(make(name, indexed, d).schedule(d, f.request), name);
        }
    }

    // ---- derived vectors ----

    @ParameterizedTest(name = "indexed={0}")
    @ValueSource(booleans = {false, true})
    void wlcIgnoresQuiescedEvenWithNoLoad(boolean indexed) {
        RealServer z = f.rs("Z", 0);
        RealServer a = f.rs("A", 1);
        a.setLoad(100, 100, false);
        Destinations d = Fixture.list(z, a);
        assertEquals("A", f.run(make("wlc", indexed, d), d, 1, false));
        assertEquals("A", f.run(make("lc", indexed, d), d, 1, false));
    }

    @Test
    void lcCountsInactiveAsOneOver256() {
        RealServer a = f.rs("A", 1);
        RealServer b = f.rs("B", 1);
        a.setLoad(1, 0, false); // 256
        b.setLoad(0, 255, false); // 255
        Destinations d = Fixture.list(a, b);
        assertEquals("B", f.run(make("lc", false, d), d, 1, false));
        b.setLoad(0, 256, false); // tie: the earlier wins
        assertEquals("A", f.run(make("lc", false, d), d, 1, false));
    }
}
