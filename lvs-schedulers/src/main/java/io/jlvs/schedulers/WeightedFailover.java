package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;

/*
 * fo — weighted failover (kernel: ip_vs_fo.c).
 *
 * Pick the usable destination (weight > 0, not OVERLOAD) with the highest weight; ties keep the
 * earlier one. Connection counts play no part, so all new connections go to one server until it
 * is quiesced, overloaded or removed.
 */

/**
 * The {@code fo} scheduler: weighted failover.
 *
 * <p>Contract: thread-safe; {@link #schedule} may run on any number of threads and never
 * allocates or locks. Destinations with weight 0 (quiescent) or the OVERLOAD flag are never
 * picked; an empty list, or one where nothing qualifies, gives {@code null}. Ties go to the
 * destination earlier in the list (newer). Stateless between picks as in the kernel; lists longer
 * than {@value LoadIndexedScheduler#INDEX_THRESHOLD} are served from a tournament index kept up to
 * date by {@link #loadChanged} (see {@link LoadIndexedScheduler}), which returns the scan's pick
 * whenever counters are quiescent.
 */
public final class WeightedFailover extends LoadIndexedScheduler {
    /** A scheduler that indexes lists longer than {@value LoadIndexedScheduler#INDEX_THRESHOLD}. */
    public WeightedFailover() {
    }

    WeightedFailover(int threshold) {
        super(threshold);
    }

    @Override
    boolean usable(RealServer rs) {
        return LoadScans.usable(rs);
    }

    @Override
    boolean beats(RealServer later, RealServer earlier) {
        return later.weight() > earlier.weight();
    }

    @Override
    RealServer scan(Destinations destinations) {
        return LoadScans.weightedFailover(destinations);
    }

    /** Registers {@code fo} with {@link java.util.ServiceLoader}. */
    public static final class Provider implements SchedulerProvider {
        /** For {@link java.util.ServiceLoader}. */
        public Provider() {
        }

        @Override
        public String name() {
            return "fo";
        }

        @Override
        public String description() {
            return "weighted failover";
        }

        @Override
        public Scheduler create(SchedulerContext context) {
            return new WeightedFailover();
        }
    }
}
