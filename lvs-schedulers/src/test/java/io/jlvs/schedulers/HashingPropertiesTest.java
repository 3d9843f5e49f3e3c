package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.ServiceConfig;
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

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Properties of sh, dh and mh: purity, never an unusable pick, Maglev's minimal disruption. */
class HashingPropertiesTest {

    private static List<Supplier<Scheduler>> hashing() {
        return List.of(SourceHashing::new, DestinationHashing::new, () -> new MaglevHashing(1021));
    }

    private static RealServer[] servers(List<Integer> weights) {
        RealServer[] out = new RealServer[weights.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Fixtures.rs(i + 1, weights.get(i));
        }
        return out;
    }

    private static ScheduleRequest request(int key) {
        // the key drives both the client (sh, mh) and the destination address (dh)
        return new ScheduleRequest().setIpv4(io.jlvs.core.Protocol.TCP, key, key >>> 16, key * 31 + 7, 80);
    }

    @Property(tries = 40)
    void sameTableAndKeyGiveSamePickWhateverTheHistory(
            @ForAll @Size(min = 1, max = 12) List<@IntRange(min = 0, max = 20) Integer> weights,
            @ForAll @Size(min = 1, max = 40) List<Integer> keys, @ForAll long seed) {
        RealServer[] rs = servers(weights);
        for (Supplier<Scheduler> make : hashing()) {
            Scheduler a = make.get();
            Destinations d = Fixtures.addAll(a, 0, rs);
            // b reaches the same list through a different history: an extra server added then removed
            Scheduler b = make.get();
            RealServer extra = Fixtures.rs(999, 7);
            Destinations db = Fixtures.addAll(b, 0, rs);
            Destinations withExtra = db.withHead(extra);
            b.added(withExtra, extra);
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = 0; i < 50; i++) {
                b.schedule(withExtra, request(random.nextInt()));
            }
            b.removed(db, extra, 0);
            RealServer[] first = new RealServer[keys.size()];
            for (int i = 0; i < keys.size(); i++) {
                first[i] = a.schedule(d, request(keys.get(i)));
            }
            for (int round = 0; round < 3; round++) {
                for (int i = keys.size() - 1; i >= 0; i--) {
                    assertSame(first[i], a.schedule(d, request(keys.get(i))));
                    assertSame(first[i], b.schedule(db, request(keys.get(i))));
                    a.schedule(d, request(random.nextInt()));
                }
            }
        }
    }

    @Provide
    Arbitrary<Integer> flags() {
        return Arbitraries.of(0, ServiceConfig.SCHED_FLAG_1, ServiceConfig.SCHED_FLAG_2,
                ServiceConfig.SCHED_FLAG_1 | ServiceConfig.SCHED_FLAG_2);
    }

    @Property(tries = 60)
    void neverPicksWeightZeroOrOverloaded(
            @ForAll @Size(min = 0, max = 10) List<@IntRange(min = 0, max = 5) Integer> weights,
            @ForAll @Size(max = 10) List<Boolean> overloaded, @ForAll("flags") int flags, @ForAll long seed) {
        RealServer[] rs = servers(weights);
        SplittableRandom random = new SplittableRandom(seed);
        for (Supplier<Scheduler> make : hashing()) {
            Scheduler s = make.get();
            Destinations d = Fixtures.addAll(s, flags, rs);
            for (int i = 0; i < rs.length; i++) {
                rs[i].setLoad(0, 0, i < overloaded.size() && overloaded.get(i));
            }
            boolean anyUsable = false;
            for (RealServer r : rs) {
                anyUsable |= r.isSchedulable();
            }
            for (int i = 0; i < 300; i++) {
                RealServer pick = s.schedule(d, request(random.nextInt()));
                assertTrue(pick == null || pick.isSchedulable(), () -> "picked " + pick);
                if (s instanceof SourceHashing && (flags & ServiceConfig.SCHED_FLAG_1) != 0) {
                    // the sh-fallback probe sequence visits every bucket, and no bucket is empty
                    assertEquals(anyUsable, pick != null);
                }
            }
        }
    }

    @Property(tries = 40)
    void shTableMatchesAReferenceModel(@ForAll @Size(min = 1, max = 30) List<@IntRange(min = 0, max = 40) Integer> weights) {
        RealServer[] rs = servers(weights);
        SourceHashing sh = new SourceHashing();
        Destinations d = Fixtures.addAll(sh, 0, rs);
        // model: the list's servers, each repeated max(weight, 1) times, repeated until 256 entries
        List<RealServer> model = new ArrayList<>();
        while (model.size() < 256) {
            for (int i = 0; i < d.size() && model.size() < 256; i++) {
                for (int k = 0; k < Math.max(1, d.get(i).weight()) && model.size() < 256; k++) {
                    model.add(d.get(i));
                }
            }
        }
        for (int i = 0; i < 256; i++) {
            assertSame(model.get(i), sh.bucket(i));
        }
    }

    @Property(tries = 40)
    void dhTableIsRoundRobin(@ForAll @Size(min = 1, max = 300) List<@IntRange(min = 0, max = 3) Integer> weights) {
        RealServer[] rs = servers(weights);
        DestinationHashing dh = new DestinationHashing();
        Destinations d = Fixtures.addAll(dh, 0, rs);
        for (int i = 0; i < 256; i++) {
            assertSame(d.get(i % d.size()), dh.bucket(i));
        }
    }

    /**
     * Removing one of N equal-weight servers should move about 1/N of the keys (the removed server's
     * own) and leave the others mostly in place. Maglev is not perfectly minimal: the table is
     * repopulated from scratch, so other servers' claims shift too, and a rare layout disrupts a
     * lot (measured over 200 random layouts per N, 20,000 keys each, M = 4093: the excess over 1/N
     * averages 0.25 % (N = 3) to 1.6 % (N = 20); single layouts reach 7 % for N = 4..20 and 20 %
     * for N = 3 → 2, where the surviving two servers' keys moved up to 31 %). So each try averages
     * ten layouts and bounds the mean excess by 4 %, and bounds any single layout by 1/N + 25 %.
     */
    @Property(tries = 20)
    void maglevRemovalRemapsCloseToOneOverN(@ForAll @IntRange(min = 3, max = 20) int n, @ForAll long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double excessSum = 0;
        int layouts = 10;
        for (int layout = 0; layout < layouts; layout++) {
            double excess = removalExcess(n, random);
            assertTrue(excess <= 0.25, "n=" + n + " one layout moved 1/N + " + excess);
            excessSum += excess;
        }
        assertTrue(excessSum / layouts <= 0.04, "n=" + n + " mean excess over 1/N " + excessSum / layouts);
    }

    /** @return the fraction of keys that moved when one random server of n is removed, minus 1/n */
    private static double removalExcess(int n, SplittableRandom random) {
        int victim = random.nextInt(n);
        RealServer[] rs = new RealServer[n];
        for (int i = 0; i < n; i++) {
            rs[i] = Fixtures.rs("10." + (1 + random.nextInt(250)) + "." + random.nextInt(256) + "." + (1 + i), 80, 1);
        }
        MaglevHashing mh = new MaglevHashing();
        Destinations d = Fixtures.addAll(mh, 0, rs);
        int keys = 10_000;
        int[] clients = new int[keys];
        RealServer[] before = new RealServer[keys];
        for (int i = 0; i < keys; i++) {
            clients[i] = random.nextInt();
            before[i] = mh.schedule(d, Fixtures.client(clients[i], 0));
        }
        int index = d.indexOf(rs[victim]);
        Destinations after = d.without(index);
        mh.removed(after, rs[victim], index);
        int moved = 0;
        for (int i = 0; i < keys; i++) {
            RealServer now = mh.schedule(after, Fixtures.client(clients[i], 0));
            assertTrue(now != null && now != rs[victim]);
            if (now != before[i]) {
                moved++;
            } else {
                assertTrue(before[i] != rs[victim]);
            }
        }
        return (double) moved / keys - 1.0 / n;
    }
}
