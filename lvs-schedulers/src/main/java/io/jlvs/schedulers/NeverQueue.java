package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;

/*
 * nq — never queue (kernel: ip_vs_nq.c).
 *
 * Walk the usable destinations in list order; the first one with no active connection is taken at
 * once. If every usable destination is busy, fall back to the sed choice (smallest
 * (active+1)/weight, ties keep the earlier). Indexed order: idle beats busy, two idle ones go by
 * list position, two busy ones by the sed comparison.
 */

/**
 * The {@code nq} scheduler: never queue.
 *
 * <p>Contract: thread-safe; {@link #schedule} may run on any number of threads and never
 * allocates or locks. Destinations with weight 0 (quiescent) or the OVERLOAD flag are never
 * picked; an empty list, or one where nothing qualifies, gives {@code null}. Ties go to the
 * destination earlier in the list (newer). Stateless between picks as in the kernel; lists longer
 * than {@value LoadIndexedScheduler#INDEX_THRESHOLD} are served from a tournament index kept up to
 * date by {@link #loadChanged} (see {@link LoadIndexedScheduler}), which returns the scan's pick
 * whenever counters are quiescent.
 */
public final class NeverQueue extends LoadIndexedScheduler {
    /** A scheduler that indexes lists longer than {@value LoadIndexedScheduler#INDEX_THRESHOLD}. */
    public NeverQueue() {
    }

    NeverQueue(int threshold) {
        super(threshold);
    }

    @Override
    boolean usable(RealServer rs) {
        return LoadScans.usable(rs);
    }

    @Override
    boolean beats(RealServer later, RealServer earlier) {
        int la = later.activeConnections();
        int ea = earlier.activeConnections();
        if (ea == 0) {
            return false;
        }
        if (la == 0) {
            return true;
        }
        return (ea + 1L) * later.weight() > (la + 1L) * earlier.weight();
    }

    @Override
    RealServer scan(Destinations destinations) {
        return LoadScans.neverQueue(destinations);
    }

    /** Registers {@code nq} with {@link java.util.ServiceLoader}. */
    public static final class Provider implements SchedulerProvider {
        /** For {@link java.util.ServiceLoader}. */
        public Provider() {
        }

        @Override
        public String name() {
            return "nq";
        }

        @Override
        public String description() {
            return "never queue";
        }

        @Override
        public Scheduler create(SchedulerContext context) {
            return new NeverQueue();
        }
    }
}
