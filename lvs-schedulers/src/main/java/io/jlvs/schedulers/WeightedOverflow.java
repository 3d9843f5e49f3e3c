package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;

/*
 * ovf — weighted overflow (kernel: ip_vs_ovf.c).
 *
 * Consider destinations with weight > 0, not OVERLOAD and active <= weight; pick the one with the
 * highest weight (ties keep the earlier). A server thus takes up to weight+1 active connections
 * before new traffic overflows to the next one; with UDP (never active) it behaves like fo.
 */

/**
 * The {@code ovf} scheduler: weighted overflow.
 *
 * <p>Contract: thread-safe; {@link #schedule} may run on any number of threads and never
 * allocates or locks. Destinations with weight 0 (quiescent) or the OVERLOAD flag are never
 * picked; an empty list, or one where nothing qualifies, gives {@code null}. Ties go to the
 * destination earlier in the list (newer). Stateless between picks as in the kernel; lists longer
 * than {@value LoadIndexedScheduler#INDEX_THRESHOLD} are served from a tournament index kept up to
 * date by {@link #loadChanged} (see {@link LoadIndexedScheduler}), which returns the scan's pick
 * whenever counters are quiescent. A destination whose active count exceeds its weight is not picked.
 */
public final class WeightedOverflow extends LoadIndexedScheduler {
    /** A scheduler that indexes lists longer than {@value LoadIndexedScheduler#INDEX_THRESHOLD}. */
    public WeightedOverflow() {
    }

    WeightedOverflow(int threshold) {
        super(threshold);
    }

    @Override
    boolean usable(RealServer rs) {
        int w = rs.weight();
        return w > 0 && !rs.isOverloaded() && rs.isAvailable() && rs.activeConnections() <= w;
    }

    @Override
    boolean beats(RealServer later, RealServer earlier) {
        return later.weight() > earlier.weight();
    }

    @Override
    RealServer scan(Destinations destinations) {
        return LoadScans.weightedOverflow(destinations);
    }

    /** Registers {@code ovf} with {@link java.util.ServiceLoader}. */
    public static final class Provider implements SchedulerProvider {
        /** For {@link java.util.ServiceLoader}. */
        public Provider() {
        }

        @Override
        public String name() {
            return "ovf";
        }

        @Override
        public String description() {
            return "weighted overflow";
        }

        @Override
        public Scheduler create(SchedulerContext context) {
            return new WeightedOverflow();
        }
    }
}
