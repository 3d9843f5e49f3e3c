package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;

import java.util.concurrent.atomic.AtomicLong;

/*
 * rr — round robin (kernel: ip_vs_rr.c).
 *
 * A cursor points at a list element or at the list head (initially the head). A pick walks the
 * list starting with the element after the cursor, wrapping past the head once, and returns the
 * first destination with weight > 0 and not OVERLOAD; the cursor moves onto it. If the walk comes
 * back to where it started without a hit there is none (the cursor stays). Adding needs nothing
 * (the new destination is at the head, reached at the next wrap); deleting the destination under
 * the cursor moves the cursor to the element before it, so the next pick is its successor.
 */

/**
 * The {@code rr} scheduler: round robin over the destinations in list order (newest first).
 *
 * <p>Contract: thread-safe and lock-free. Destinations with weight 0 or the OVERLOAD flag are
 * skipped; an empty list or one where nothing qualifies gives {@code null}. {@link #schedule}
 * does not allocate or lock.
 *
 * <p>Concurrency: the cursor is kept as a list index in one {@link AtomicLong} packed with a
 * generation number ({@code generation << 32 | cursor + 1}, 0 = list head). A pick reads the state,
 * walks, and publishes the new cursor with a compare-and-set, retrying on contention, so
 * concurrent picks are linearised at their CAS and a single thread sees exactly the kernel's
 * sequence. The lifecycle callbacks publish the new list with a new generation and then move the
 * cursor index by the kernel's rules (add at the head shifts it by one; delete fixes it) with
 * a CAS loop. A pick made with a list of another generation walks it from the (clamped) cursor
 * without moving the cursor.
 */
public final class RoundRobin implements Scheduler {
    private static final int HEAD = -1;

    /** The list a generation of cursor indexes refers to. */
    private record Bound(Destinations list, int generation) {
    }

    private final AtomicLong state = new AtomicLong(pack(0, HEAD));
    private volatile Bound bound = new Bound(Destinations.EMPTY, 0);
    private int generation; // writer only

    /** A scheduler with its cursor at the list head. */
    public RoundRobin() {
    }

    private static long pack(int generation, int cursor) {
        return (long) generation << 32 | (cursor + 1) & 0xFFFF_FFFFL;
    }

    private static int generationOf(long s) {
        return (int) (s >>> 32);
    }

    private static int cursorOf(long s) {
        return (int) s - 1;
    }

    @Override
    public void init(Destinations destinations) {
        rebind(destinations, 0, 0, true);
    }

    @Override
    public void added(Destinations destinations, RealServer added) {
        rebind(destinations, 1, 0, false);
    }

    @Override
    public void removed(Destinations destinations, RealServer removed, int formerIndex) {
        rebind(destinations, -1, formerIndex, false);
    }

    @Override
    public void updated(Destinations destinations, RealServer updated) {
        rebind(destinations, 0, 0, false);
    }

    /**
     * Publishes {@code list} as a new generation and moves the cursor: {@code shift = 1} after an
     * add at the head, {@code -1} after removing {@code formerIndex}, 0 otherwise.
     */
    private void rebind(Destinations list, int shift, int formerIndex, boolean reset) {
        Bound b = new Bound(list, ++generation);
        bound = b;
        for (;;) {
            long s = state.get();
            int c = cursorOf(s);
            if (reset) {
                c = HEAD;
            } else if (shift > 0) {
                if (c != HEAD) {
                    c++;
                }
            } else if (shift < 0) {
                if (c >= formerIndex) {
                    c--; // on the removed one: the element before it (or the head); after it: same element
                }
            }
            if (c >= list.size()) {
                c = HEAD;
            }
            if (state.compareAndSet(s, pack(b.generation, c))) {
                return;
            }
        }
    }

    @Override
    public RealServer schedule(Destinations destinations, ScheduleRequest request) {
        int n = destinations.size();
        if (n == 0) {
            return null;
        }
        for (;;) {
            long s = state.get();
            Bound b = bound;
            int c = cursorOf(s);
            if (c >= n) {
                c = HEAD;
            }
            int pick = walk(destinations, c, n);
            if (b.list != destinations || b.generation != generationOf(s)) {
                return pick < 0 ? null : destinations.get(pick); // another generation: leave the cursor
            }
            if (pick < 0) {
                return null;
            }
            if (state.compareAndSet(s, pack(b.generation, pick))) {
                return destinations.get(pick);
            }
        }
    }

    /** @return the first usable index after {@code c}, wrapping once and ending with {@code c}; -1 if none */
    private static int walk(Destinations d, int c, int n) {
        int i = c;
        for (int k = 0; k < n; k++) {
            if (++i == n) {
                i = 0;
            }
            if (LoadScans.usable(d.get(i))) {
                return i;
            }
        }
        return -1;
    }

    /** Registers {@code rr} with {@link java.util.ServiceLoader}. */
    public static final class Provider implements SchedulerProvider {
        /** For {@link java.util.ServiceLoader}. */
        public Provider() {
        }

        @Override
        public String name() {
            return "rr";
        }

        @Override
        public String description() {
            return "round robin";
        }

        @Override
        public Scheduler create(SchedulerContext context) {
            return new RoundRobin();
        }
    }
}
