package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;

/*
 * lc — least connection (kernel: ip_vs_lc.c).
 *
 * Among destinations with weight > 0 and not OVERLOAD, pick the one with the smallest connection
 * overhead active*256 + inactive; weight plays no other part. Strict "<", so ties keep the
 * earlier destination in list order.
 */

/**
 * The {@code lc} scheduler: least connection.
 *
 * <p>Contract: thread-safe; {@link #schedule} may run on any number of threads and never
 * allocates or locks. Destinations with weight 0 (quiescent) or the OVERLOAD flag are never
 * picked; an empty list, or one where nothing qualifies, gives {@code null}. Ties go to the
 * destination earlier in the list (newer). Stateless between picks as in the kernel; lists longer
 * than {@value LoadIndexedScheduler#INDEX_THRESHOLD} are served from a tournament index kept up to
 * date by {@link #loadChanged} (see {@link LoadIndexedScheduler}), which returns the scan's pick
 * whenever counters are quiescent.
 */
public final class LeastConnection extends LoadIndexedScheduler {
    /** A scheduler that indexes lists longer than {@value LoadIndexedScheduler#INDEX_THRESHOLD}. */
    public LeastConnection() {
    }

    LeastConnection(int threshold) {
        super(threshold);
    }

    @Override
    boolean usable(RealServer rs) {
        return LoadScans.usable(rs);
    }

    @Override
    boolean beats(RealServer later, RealServer earlier) {
        return later.connectionOverhead() < earlier.connectionOverhead();
    }

    @Override
    RealServer scan(Destinations destinations) {
        return LoadScans.leastConnection(destinations);
    }

    /** Registers {@code lc} with {@link java.util.ServiceLoader}. */
    public static final class Provider implements SchedulerProvider {
        /** For {@link java.util.ServiceLoader}. */
        public Provider() {
        }

        @Override
        public String name() {
            return "lc";
        }

        @Override
        public String description() {
            return "least connection";
        }

        @Override
        public Scheduler create(SchedulerContext context) {
            return new LeastConnection();
        }
    }
}
