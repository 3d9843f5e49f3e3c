package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;

import java.util.concurrent.atomic.AtomicLong;

/*
 * wrr — weighted round robin (kernel: ip_vs_wrr.c).
 *
 * State: cursor cl (a list element or the head), current weight cw, and from the list di = gcd of
 * the weights > 0 (1 if none) and mw = max weight - (di - 1). A pick continues after cl and
 * returns the first destination with weight >= cw and not OVERLOAD. Each time the end of the list
 * is passed, cw -= di, and when cw <= 0 it restarts at mw. The search gives up after every
 * destination was examined at the lowest pass value: a restart after a last pass (cw <= di), a
 * restart when the search began at the head, or meeting the starting destination again in a last
 * pass after a restart. mw == 0 means no destination at all.
 *
 * Binding sets cl = head, cw = mw. Any add, delete or edit sets cl = head, recomputes di and mw,
 * and then cw = mw if cw > mw or cw == 0, else cw = (cw / di) * di + 1 when di > 1. State is kept
 * across changes, so where a cycle starts depends on the history (a service built by adds starts
 * with a pass at cw = 1).
 */

/**
 * The {@code wrr} scheduler: weighted round robin by the kernel's current-weight passes.
 *
 * <p>Contract: thread-safe and lock-free. Weight-0 and OVERLOAD destinations are never picked; an
 * empty list, all weights 0 or all usable destinations overloaded give {@code null}. A pick is
 * O(n) in the worst case (as in the kernel) and allocates nothing.
 *
 * <p>Concurrency: the running state lives in one {@link AtomicLong},
 * {@code generation(16) | cursor + 1 (31) | cw (17)}; {@code mw}, {@code di} and the list they
 * belong to are an immutable {@code Bound} published by the callbacks. A pick reads the state,
 * runs the kernel's search on local copies and publishes the new cursor and cw with one
 * compare-and-set, retrying on contention: concurrent picks are linearised at their CAS and a
 * single thread gets exactly the kernel's sequence. As in the kernel, a search that ends with no
 * destination still stores the cw it reached. The callbacks publish a new generation and apply
 * the reset rule to the current state with a CAS loop. A pick made with a list of another
 * generation takes the first usable destination after the (clamped) cursor without touching
 * the state.
 */
public final class WeightedRoundRobin implements Scheduler {
    private static final int HEAD = -1;
    private static final int NO_STOP = -2;
    private static final int CW_BITS = 17;
    private static final long CW_MASK = (1L << CW_BITS) - 1;
    private static final long CURSOR_MASK = (1L << 31) - 1;

    /** The list one generation of state refers to, with its di and mw. */
    private record Bound(Destinations list, int generation, int mw, int di) {
    }

    private final AtomicLong state = new AtomicLong(pack(0, HEAD, 0));
    private volatile Bound bound = new Bound(Destinations.EMPTY, 0, 0, 1);
    private int generation; // writer only

    /** A scheduler with no destinations yet ({@code mw = cw = 0}). */
    public WeightedRoundRobin() {
    }

    static long pack(int generation, int cursor, int cw) {
        return (long) (generation & 0xFFFF) << 48 | ((cursor + 1) & CURSOR_MASK) << CW_BITS | (cw & CW_MASK);
    }

    private static int generationOf(long s) {
        return (int) (s >>> 48);
    }

    private static int cursorOf(long s) {
        return (int) ((s >>> CW_BITS) & CURSOR_MASK) - 1;
    }

    private static int cwOf(long s) {
        return (int) (s & CW_MASK);
    }

    @Override
    public void init(Destinations destinations) {
        rebind(destinations, true);
    }

    @Override
    public void added(Destinations destinations, RealServer added) {
        rebind(destinations, false);
    }

    @Override
    public void removed(Destinations destinations, RealServer removed, int formerIndex) {
        rebind(destinations, false);
    }

    @Override
    public void updated(Destinations destinations, RealServer updated) {
        rebind(destinations, false);
    }

    private void rebind(Destinations list, boolean init) {
        int g = 0;
        int max = 0;
        for (int i = 0, n = list.size(); i < n; i++) {
            int w = list.get(i).weight();
            if (w > 0) {
                g = g > 0 ? gcd(w, g) : w;
            }
            max = Math.max(max, w);
        }
        int di = g > 0 ? g : 1;
        int mw = max - (di - 1);
        generation = (generation + 1) & 0xFFFF;
        Bound b = new Bound(list, generation, mw, di);
        bound = b;
        for (;;) {
            long s = state.get();
            int cw = cwOf(s);
            if (init || cw > mw || cw == 0) {
                cw = mw;
            } else if (di > 1) {
                cw = (cw / di) * di + 1;
            }
            if (state.compareAndSet(s, pack(b.generation, HEAD, cw))) {
                return;
            }
        }
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    @Override
    public RealServer schedule(Destinations destinations, ScheduleRequest request) {
        int n = destinations.size();
        for (;;) {
            long s = state.get();
            Bound b = bound;
            if (b.list != destinations || b.generation != generationOf(s)) {
                return anyAfter(destinations, cursorOf(s), n);
            }
            int mw = b.mw;
            if (mw == 0) {
                return null;
            }
            int di = b.di;
            int start = cursorOf(s);
            int c = start;
            int cw = cwOf(s);
            int stop = NO_STOP;
            boolean lastPass = false;
            boolean restarted = false;
            int found = -1;
            search:
            for (;;) {
                for (int i = c + 1; i < n; i++) {
                    RealServer rs = destinations.get(i);
                    int w = rs.weight();
                    if (w >= cw && w > 0 && !rs.isOverloaded() && rs.isAvailable()) {
                        found = i;
                        break search;
                    }
                    if (i == stop) {
                        break search;
                    }
                }
                c = HEAD;
                cw -= di;
                if (cw <= 0) {
                    cw = mw;
                    if (lastPass || start == HEAD) {
                        break;
                    }
                    restarted = true;
                }
                lastPass = cw <= di;
                if (lastPass && restarted && start != HEAD) {
                    stop = start;
                }
            }
            long next = pack(b.generation, found >= 0 ? found : start, cw);
            if (state.compareAndSet(s, next)) {
                return found >= 0 ? destinations.get(found) : null;
            }
        }
    }

    /** A pick with a list of another generation: the first usable one after the cursor. */
    private static RealServer anyAfter(Destinations d, int c, int n) {
        if (c >= n) {
            c = HEAD;
        }
        int i = c;
        for (int k = 0; k < n; k++) {
            if (++i == n) {
                i = 0;
            }
            RealServer rs = d.get(i);
            if (LoadScans.usable(rs)) {
                return rs;
            }
        }
        return null;
    }

    /** Registers {@code wrr} with {@link java.util.ServiceLoader}. */
    public static final class Provider implements SchedulerProvider {
        /** For {@link java.util.ServiceLoader}. */
        public Provider() {
        }

        @Override
        public String name() {
            return "wrr";
        }

        @Override
        public String description() {
            return "weighted round-robin";
        }

        @Override
        public Scheduler create(SchedulerContext context) {
            return new WeightedRoundRobin();
        }
    }
}
