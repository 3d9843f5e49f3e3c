package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;

import java.util.Objects;
import java.util.random.RandomGenerator;

/*
 * twos — weighted random "power of two choices" (kernel: ip_vs_twos.c).
 *
 * W = sum of the weights of destinations with weight > 0 and not OVERLOAD (none: no pick). Draw
 * r1 and r2 uniformly in [0, W]. Walk those destinations in list order subtracting each weight
 * from r1 and r2; choice1 is the first where r1 <= 0, choice2 the first where r2 <= 0 (so the first
 * destination has probability (w1+1)/(W+1), the others wi/(W+1)). Return choice2 iff
 * w2 * oh1 > w1 * oh2 (conn overhead active*256 + inactive), else choice1.
 */

/**
 * The {@code twos} scheduler: weighted random power of two choices, broken by weighted least
 * connection.
 *
 * <p>Contract: stateless apart from the injected {@link RandomGenerator} ({@link
 * SchedulerContext#random()}), from which each pick draws {@code nextLong(W + 1)} twice; the
 * director must inject a generator that is safe to share between threads. With a seeded
 * generator the picks are deterministic. Weight 0 and OVERLOAD destinations are never picked; an
 * empty list or one where nothing qualifies gives {@code null} and draws nothing. Allocation- and
 * lock-free; two passes over the list, as in the kernel.
 */
public final class WeightedTwoChoices implements Scheduler {
    private final RandomGenerator random;

    /** @param random the source of the two draws */
    public WeightedTwoChoices(RandomGenerator random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    @Override
    public RealServer schedule(Destinations destinations, ScheduleRequest request) {
        int n = destinations.size();
        long total = 0;
        for (int i = 0; i < n; i++) {
            RealServer rs = destinations.get(i);
            if (LoadScans.usable(rs)) {
                total += rs.weight();
            }
        }
        if (total == 0) {
            return null;
        }
        long r1 = random.nextLong(total + 1);
        long r2 = random.nextLong(total + 1);
        RealServer c1 = null;
        RealServer c2 = null;
        long w1 = 0;
        long w2 = 0;
        long oh1 = 0;
        long oh2 = 0;
        for (int i = 0; i < n; i++) {
            RealServer rs = destinations.get(i);
            int w = rs.weight();
            if (w <= 0 || rs.isOverloaded() || !rs.isAvailable()) {
                continue;
            }
            r1 -= w;
            r2 -= w;
            if (r1 <= 0 && c1 == null) {
                c1 = rs;
                w1 = w;
                oh1 = rs.connectionOverhead();
            }
            if (r2 <= 0 && c2 == null) {
                c2 = rs;
                w2 = w;
                oh2 = rs.connectionOverhead();
            }
            if (c1 != null && c2 != null) {
                break;
            }
        }
        if (c1 == null || c2 == null) {
            return c1 != null ? c1 : c2; // only when weights changed between the two passes
        }
        return w2 * oh1 > w1 * oh2 ? c2 : c1;
    }

    /** Registers {@code twos} with {@link java.util.ServiceLoader}. */
    public static final class Provider implements SchedulerProvider {
        /** For {@link java.util.ServiceLoader}. */
        public Provider() {
        }

        @Override
        public String name() {
            return "twos";
        }

        @Override
        public String description() {
            return "weighted random twos choice";
        }

        @Override
        public Scheduler create(SchedulerContext context) {
            return new WeightedTwoChoices(context.random());
        }
    }
}
