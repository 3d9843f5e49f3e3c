package io.jlvs.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.Scheduler;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.ToLongFunction;

/** Properties: wrr ratios per cycle, lc-family index = kernel scan, twos = its model. */
class SchedulerPropertiesTest {
    private final ScheduleRequest request = new ScheduleRequest();

    // ---- wrr ----

    /**
     * Bound to an existing list, wrr runs passes at cw = mw, mw-di, …, 1 (mw = max-di+1), and a
     * destination of weight k*di is taken in exactly k of them: every block of sum(w)/di picks is
     * one full cycle with each destination picked w/di times.
     */
    @Property(tries = 150)
    void wrrGivesTheWeightRatioOverEachCycle(
            @ForAll @Size(min = 1, max = 10) List<@IntRange(min = 0, max = 12) Integer> weights,
            @ForAll @IntRange(min = 1, max = 4) int scale) {
        Fixture f = new Fixture();
        RealServer[] servers = new RealServer[weights.size()];
        long sum = 0;
        int g = 0;
        for (int i = 0; i < servers.length; i++) {
            int w = weights.get(i) * scale;
            servers[i] = f.rs("S" + i, w);
            sum += w;
            g = BigInteger.valueOf(g).gcd(BigInteger.valueOf(w)).intValue();
        }
        Destinations d = Fixture.list(servers);
        WeightedRoundRobin wrr = new WeightedRoundRobin();
        wrr.init(d);
        if (sum == 0) {
            assertNull(wrr.schedule(d, request));
            return;
        }
        int cycle = (int) (sum / g);
        for (int c = 0; c < 3; c++) {
            Map<RealServer, Integer> counts = new IdentityHashMap<>();
            for (int k = 0; k < cycle; k++) {
                counts.merge(wrr.schedule(d, request), 1, Integer::sum);
            }
            for (RealServer rs : servers) {
                assertEquals(rs.weight() / g, counts.getOrDefault(rs, 0).intValue(), "cycle " + c + " " + weights);
            }
        }
    }

    // ---- lc family: index and scan equal a straightforward model of the kernel rule ----

    @Provide
    Arbitrary<String> lcFamily() {
        return Arbitraries.of("lc", "wlc", "sed", "nq", "fo", "ovf");
    }

    static LoadIndexedScheduler create(String name, int threshold) {
        return switch (name) {
            case "lc" -> new LeastConnection(threshold);
            case "wlc" -> new WeightedLeastConnection(threshold);
            case "sed" -> new ShortestExpectedDelay(threshold);
            case "nq" -> new NeverQueue(threshold);
            case "fo" -> new WeightedFailover(threshold);
            case "ovf" -> new WeightedOverflow(threshold);
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** The kernel loop written out once more, per rule, independently of the production code. */
    static RealServer model(String name, Destinations d) {
        RealServer best = null;
        for (RealServer rs : d.asList()) {
            if (rs.weight() == 0 || rs.isOverloaded()) {
                continue;
            }
            switch (name) {
                case "lc" -> {
                    if (best == null || oh(rs) < oh(best)) {
                        best = rs;
                    }
                }
                case "wlc" -> {
                    if (best == null || oh(best) * rs.weight() > oh(rs) * best.weight()) {
                        best = rs;
                    }
                }
                case "sed", "nq" -> {
                    if (name.equals("nq") && rs.activeConnections() == 0) {
                        return rs;
                    }
                    long bo = best == null ? 0 : best.activeConnections() + 1L;
                    if (best == null || bo * rs.weight() > (rs.activeConnections() + 1L) * best.weight()) {
                        best = rs;
                    }
                }
                case "fo" -> {
                    if (best == null || rs.weight() > best.weight()) {
                        best = rs;
                    }
                }
                case "ovf" -> {
                    if (rs.activeConnections() <= rs.weight() && (best == null || rs.weight() > best.weight())) {
                        best = rs;
                    }
                }
                default -> throw new IllegalArgumentException(name);
            }
        }
        return best;
    }

    private static long oh(RealServer rs) {
        return rs.activeConnections() * 256L + rs.inactiveConnections();
    }

    private static void randomLoad(RealServer rs, Random r, boolean manyTies) {
        int active = manyTies ? r.nextInt(4) : r.nextInt(2000);
        int inactive = manyTies ? r.nextInt(3) * 128 : r.nextInt(100_000);
        rs.setLoad(active, inactive, r.nextInt(10) == 0);
    }

    private static int randomWeight(Random r, boolean manyTies) {
        return r.nextInt(6) == 0 ? 0 : manyTies ? 1 + r.nextInt(4) : 1 + r.nextInt(65535);
    }

    @Property(tries = 120)
    void lcFamilyIndexAndScanEqualTheKernelRule(@ForAll("lcFamily") String name, @ForAll long seed,
            @ForAll @IntRange(min = 0, max = 300) int size, @ForAll boolean manyTies) {
        Random r = new Random(seed);
        Fixture f = new Fixture();
        RealServer[] servers = new RealServer[size];
        for (int i = 0; i < size; i++) {
            servers[i] = f.rs("S" + i, randomWeight(r, manyTies));
            randomLoad(servers[i], r, manyTies);
        }
        Destinations d = Fixture.list(servers);
        LoadIndexedScheduler indexed = create(name, 0);
        LoadIndexedScheduler adaptive = create(name, LoadIndexedScheduler.INDEX_THRESHOLD);
        List<Scheduler> all = List.of(indexed, adaptive);
        all.forEach(s -> s.init(d));
        Destinations current = d;
        for (int step = 0; step < 60; step++) {
            RealServer expected = model(name, current);
            assertSame(expected, indexed.scan(current), "scan");
            for (Scheduler s : all) {
                assertSame(expected, s.schedule(current, request), () -> name + " size " + size);
            }
            assertTrue(current.isEmpty() || indexed.indexed(current));
            int op = r.nextInt(10);
            int n = current.size();
            if (op < 7 && n > 0) { // load change through the data-path hook
                RealServer rs = current.get(r.nextInt(n));
                randomLoad(rs, r, manyTies);
                all.forEach(s -> s.loadChanged(rs));
            } else if (op == 7 && n > 0) { // weight edit
                RealServer rs = current.get(r.nextInt(n));
                rs.setDetachedWeight(randomWeight(r, manyTies));
                Destinations c = current;
                all.forEach(s -> s.updated(c, rs));
            } else if (op == 8 && n > 0) { // delete
                int at = r.nextInt(n);
                RealServer rs = current.get(at);
                Destinations c = current.without(at);
                all.forEach(s -> s.removed(c, rs, at));
                current = c;
            } else { // add at the head
                RealServer rs = f.rs("N" + step, randomWeight(r, manyTies));
                randomLoad(rs, r, manyTies);
                Destinations c = current.withHead(rs);
                all.forEach(s -> s.added(c, rs));
                current = c;
            }
        }
    }

    @Property(tries = 60)
    void indexIsExactAfterConcurrentLoadChanges(@ForAll("lcFamily") String name, @ForAll long seed) throws Exception {
        Random r = new Random(seed);
        Fixture f = new Fixture();
        int size = 64 + r.nextInt(200);
        RealServer[] servers = new RealServer[size];
        for (int i = 0; i < size; i++) {
            servers[i] = f.rs("S" + i, randomWeight(r, true));
        }
        Destinations d = Fixture.list(servers);
        LoadIndexedScheduler s = create(name, 0);
        s.init(d);
        Thread[] threads = new Thread[2];
        for (int t = 0; t < threads.length; t++) {
            long ts = seed + t;
            threads[t] = new Thread(() -> {
                SplittableRandom tr = new SplittableRandom(ts);
                for (int k = 0; k < 2000; k++) {
                    // both threads hammer the same few leaves so their paths collide
                    RealServer rs = servers[tr.nextInt(8) * (size / 8)];
                    synchronized (rs) {
                        rs.setLoad(tr.nextInt(4), tr.nextInt(3) * 128, tr.nextInt(8) == 0);
                    }
                    s.loadChanged(rs);
                }
            });
        }
        for (Thread t : threads) {
            t.start();
        }
        for (Thread t : threads) {
            t.join();
        }
        assertSame(model(name, d), s.schedule(d, request));
    }

    // ---- twos ----

    @Property(tries = 100)
    void twosFollowsItsModel(@ForAll long seed, @ForAll @IntRange(min = 0, max = 30) int size) {
        Random r = new Random(seed);
        Fixture f = new Fixture();
        RealServer[] servers = new RealServer[size];
        for (int i = 0; i < size; i++) {
            servers[i] = f.rs("S" + i, r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(10));
            servers[i].setLoad(r.nextInt(5), r.nextInt(300), r.nextInt(8) == 0);
        }
        Destinations d = Fixture.list(servers);
        WeightedTwoChoices twos = new WeightedTwoChoices(new SplittableRandom(seed));
        SplittableRandom model = new SplittableRandom(seed);
        for (int k = 0; k < 50; k++) {
            RealServer expected = twosModel(d, model);
            RealServer got = twos.schedule(d, request);
            assertSame(expected, got);
            if (got != null) {
                got.setLoad(got.activeConnections() + 1, got.inactiveConnections(), false);
            }
        }
    }

    /** §3.10 written as prefix sums: choice = first eligible dest whose running weight sum reaches r. */
    private static RealServer twosModel(Destinations d, SplittableRandom random) {
        List<RealServer> eligible = new ArrayList<>();
        for (RealServer rs : d.asList()) {
            if (rs.weight() > 0 && !rs.isOverloaded()) {
                eligible.add(rs);
            }
        }
        long total = eligible.stream().mapToLong(RealServer::weight).sum();
        if (total == 0) {
            return null;
        }
        long r1 = random.nextLong(total + 1);
        long r2 = random.nextLong(total + 1);
        RealServer c1 = choose(eligible, r1);
        RealServer c2 = choose(eligible, r2);
        ToLongFunction<RealServer> oh = RealServer::connectionOverhead;
        return (long) c2.weight() * oh.applyAsLong(c1) > (long) c1.weight() * oh.applyAsLong(c2) ? c2 : c1;
    }

    private static RealServer choose(List<RealServer> eligible, long r) {
        long prefix = 0;
        for (RealServer rs : eligible) {
            prefix += rs.weight();
            if (prefix >= r) {
                return rs;
            }
        }
        throw new AssertionError("r beyond the total weight");
    }
}
