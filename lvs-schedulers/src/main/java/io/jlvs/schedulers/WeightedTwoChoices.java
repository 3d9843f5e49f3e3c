package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;

import java.util.IdentityHashMap;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
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
 * lock-free.
 *
 * <p>Index: the kernel walks the list twice per pick. Lists longer than {@link
 * LoadIndexedScheduler#INDEX_THRESHOLD} keep a Fenwick tree of each position's eligible weight
 * (weight if usable, else 0) and their total, so W is one read and each draw resolves to "the first
 * position whose prefix sum reaches max(r, 1)" in O(log n) — exactly the walk's choice. Rebuilt in
 * the lifecycle callbacks; {@link #loadChanged} (a server's OVERLOAD flag may have moved) swaps the
 * position's contribution by CAS and adds the difference to the tree with atomic adds, so
 * concurrent updates never lose one. A pick that races with updates re-checks both choices and
 * falls back to the walk.
 */
public final class WeightedTwoChoices extends RebuildingScheduler {
    private final RandomGenerator random;
    private final int threshold;
    private volatile Index index;

    /** @param random the source of the two draws */
    public WeightedTwoChoices(RandomGenerator random) {
        this(random, LoadIndexedScheduler.INDEX_THRESHOLD);
    }

    /** @param threshold lists longer than this are indexed (tests use 0) */
    WeightedTwoChoices(RandomGenerator random, int threshold) {
        this.random = Objects.requireNonNull(random, "random");
        this.threshold = threshold;
    }


    @Override
    public void done() {
        index = null;
    }

    @Override
    public void loadChanged(RealServer server) {
        Index ix = index;
        if (ix != null) {
            ix.update(server);
        }
    }

    @Override
    void rebuild(Destinations destinations) {
        index = destinations.size() > threshold ? new Index(destinations) : null;
    }

    @Override
    public RealServer schedule(Destinations destinations, ScheduleRequest request) {
        Index ix = index;
        if (ix == null || ix.list != destinations) {
            return scan(destinations);
        }
        long total = ix.total.get();
        if (total <= 0) {
            return null;
        }
        RealServer c1 = ix.servers[ix.firstReaching(Math.max(1, random.nextLong(total + 1)))];
        RealServer c2 = ix.servers[ix.firstReaching(Math.max(1, random.nextLong(total + 1)))];
        if (!LoadScans.usable(c1) || !LoadScans.usable(c2)) {
            return scan(destinations); // raced with a load change
        }
        return better(c1, c2);
    }

    private static RealServer better(RealServer c1, RealServer c2) {
        return (long) c2.weight() * c1.connectionOverhead() > (long) c1.weight() * c2.connectionOverhead() ? c2 : c1;
    }

    /** The kernel's two-pass walk. */
    RealServer scan(Destinations destinations) {
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

    /** Prefix sums of eligible weight over the positions of one list snapshot. */
    private static final class Index {
        final Destinations list;
        final RealServer[] servers;
        final int n;
        final AtomicLongArray tree; // 1-based Fenwick tree
        final AtomicIntegerArray contribution;
        final AtomicLong total = new AtomicLong();
        final IdentityHashMap<RealServer, Integer> positions;
        final int topBit;

        Index(Destinations list) {
            this.list = list;
            this.n = list.size();
            this.servers = list.asList().toArray(new RealServer[0]);
            this.tree = new AtomicLongArray(n + 1);
            this.contribution = new AtomicIntegerArray(n);
            this.positions = new IdentityHashMap<>(n * 2);
            this.topBit = Integer.highestOneBit(n);
            for (int i = 0; i < n; i++) {
                positions.putIfAbsent(servers[i], i);
                int c = eligibleWeight(servers[i]);
                contribution.set(i, c);
                add(i, c);
            }
        }

        static int eligibleWeight(RealServer rs) {
            return LoadScans.usable(rs) ? rs.weight() : 0;
        }

        private void add(int position, long delta) {
            if (delta == 0) {
                return;
            }
            total.addAndGet(delta);
            for (int k = position + 1; k <= n; k += k & -k) {
                tree.addAndGet(k, delta);
            }
        }

        void update(RealServer server) {
            Integer p = positions.get(server);
            if (p == null) {
                return;
            }
            for (;;) {
                int old = contribution.get(p);
                int next = eligibleWeight(server);
                if (old == next) {
                    return;
                }
                if (contribution.compareAndSet(p, old, next)) {
                    add(p, (long) next - old);
                    return;
                }
            }
        }

        /** @return the first position whose prefix sum is at least {@code target} (target &gt;= 1) */
        int firstReaching(long target) {
            int pos = 0;
            long remaining = target;
            for (int step = topBit; step != 0; step >>>= 1) {
                int next = pos + step;
                if (next <= n) {
                    long v = tree.get(next);
                    if (v < remaining) {
                        pos = next;
                        remaining -= v;
                    }
                }
            }
            return Math.min(pos, n - 1); // pos is 0-based here: the answer's 1-based index minus one
        }
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
