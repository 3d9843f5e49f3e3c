package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;

/*
 * sed — shortest expected delay (kernel: ip_vs_sed.c).
 *
 * Like wlc but the overhead is active + 1 (inactive connections are ignored): the destination with
 * the smallest (active+1)/weight wins, compared as (a+1)*w(b) vs (b+1)*w(a); ties keep the earlier.
 */

/**
 * The {@code sed} scheduler: shortest expected delay.
 *
 * <p>Contract: thread-safe; {@link #schedule} may run on any number of threads and never
 * allocates or locks. Destinations with weight 0 (quiescent) or the OVERLOAD flag are never
 * picked; an empty list, or one where nothing qualifies, gives {@code null}. Ties go to the
 * destination earlier in the list (newer). Stateless between picks as in the kernel; lists longer
 * than {@value LoadIndexedScheduler#INDEX_THRESHOLD} are served from a tournament index kept up to
 * date by {@link #loadChanged} (see {@link LoadIndexedScheduler}), which returns the scan's pick
 * whenever counters are quiescent.
 */
public final class ShortestExpectedDelay extends LoadIndexedScheduler {
    /** A scheduler that indexes lists longer than {@value LoadIndexedScheduler#INDEX_THRESHOLD}. */
    public ShortestExpectedDelay() {
    }

    ShortestExpectedDelay(int threshold) {
        super(threshold);
    }

    @Override
    boolean usable(RealServer rs) {
        return LoadScans.usable(rs);
    }

    @Override
    boolean beats(RealServer later, RealServer earlier) {
        return (earlier.activeConnections() + 1L) * later.weight()
                > (later.activeConnections() + 1L) * earlier.weight();
    }

    @Override
    RealServer scan(Destinations destinations) {
        return LoadScans.shortestExpectedDelay(destinations);
    }

    /** Registers {@code sed} with {@link java.util.ServiceLoader}. */
    public static final class Provider implements SchedulerProvider {
        /** For {@link java.util.ServiceLoader}. */
        public Provider() {
        }

        @Override
        public String name() {
            return "sed";
        }

        @Override
        public String description() {
            return "shortest expected delay";
        }

        @Override
        public Scheduler create(SchedulerContext context) {
            return new ShortestExpectedDelay();
        }
    }
}
