package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;

/*
 * wlc — weighted least connection (kernel: ip_vs_wlc.c).
 *
 * The first usable destination is the candidate; each later usable destination replaces it iff
 * oh(best) * w(dest) > oh(dest) * w(best) with oh = active*256 + inactive (64-bit products, no
 * division). So the smallest overhead per unit of weight wins; ties keep the earlier one.
 */

/**
 * The {@code wlc} scheduler: weighted least connection.
 *
 * <p>Contract: thread-safe; {@link #schedule} may run on any number of threads and never
 * allocates or locks. Destinations with weight 0 (quiescent) or the OVERLOAD flag are never
 * picked; an empty list, or one where nothing qualifies, gives {@code null}. Ties go to the
 * destination earlier in the list (newer). Stateless between picks as in the kernel; lists longer
 * than {@value LoadIndexedScheduler#INDEX_THRESHOLD} are served from a tournament index kept up to
 * date by {@link #loadChanged} (see {@link LoadIndexedScheduler}), which returns the scan's pick
 * whenever counters are quiescent. This is the default scheduler of ipvsadm.
 */
public final class WeightedLeastConnection extends LoadIndexedScheduler {
    /** A scheduler that indexes lists longer than {@value LoadIndexedScheduler#INDEX_THRESHOLD}. */
    public WeightedLeastConnection() {
    }

    WeightedLeastConnection(int threshold) {
        super(threshold);
    }

    @Override
    boolean usable(RealServer rs) {
        return LoadScans.usable(rs);
    }

    @Override
    boolean beats(RealServer later, RealServer earlier) {
        return earlier.connectionOverhead() * later.weight() > later.connectionOverhead() * earlier.weight();
    }

    @Override
    RealServer scan(Destinations destinations) {
        return LoadScans.weightedLeastConnection(destinations);
    }

    /** Registers {@code wlc} with {@link java.util.ServiceLoader}. */
    public static final class Provider implements SchedulerProvider {
        /** For {@link java.util.ServiceLoader}. */
        public Provider() {
        }

        @Override
        public String name() {
            return "wlc";
        }

        @Override
        public String description() {
            return "weighted least connection";
        }

        @Override
        public Scheduler create(SchedulerContext context) {
            return new WeightedLeastConnection();
        }
    }
}
