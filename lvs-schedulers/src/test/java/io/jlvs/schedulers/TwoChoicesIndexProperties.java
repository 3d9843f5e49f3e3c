package io.jlvs.schedulers;

import static org.junit.jupiter.api.Assertions.assertSame;

import io.jlvs.core.RealServer;
import io.jlvs.core.RealServerConfig;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** The indexed twos gives exactly the kernel walk's picks, draw for draw, through load changes. */
class TwoChoicesIndexProperties {
    @Property(tries = 150)
    void indexedPicksEqualTheWalk(@ForAll @IntRange(min = 1, max = 300) int size, @ForAll long seed) {
        SplittableRandom setup = new SplittableRandom(seed);
        RealServer[] servers = new RealServer[size];
        for (int i = 0; i < size; i++) {
            servers[i] = RealServer.detached(RealServerConfig.builder(new InetSocketAddress("10.0." + (i >> 8) + "." + (i & 255), 80))
                    .weight(setup.nextInt(4) == 0 ? 0 : 1 + setup.nextInt(20)).build());
            servers[i].setLoad(setup.nextInt(10), setup.nextInt(100), setup.nextInt(8) == 0);
        }
        Destinations list = Destinations.of(0, servers);
        WeightedTwoChoices indexed = new WeightedTwoChoices(new SplittableRandom(seed), 0);
        WeightedTwoChoices walk = new WeightedTwoChoices(new SplittableRandom(seed), Integer.MAX_VALUE);
        indexed.init(list);
        walk.init(list);
        ScheduleRequest request = new ScheduleRequest();
        for (int step = 0; step < 200; step++) {
            assertSame(walk.schedule(list, request), indexed.schedule(list, request), "step " + step);
            RealServer changed = servers[setup.nextInt(size)];
            changed.setLoad(setup.nextInt(10), setup.nextInt(100), setup.nextInt(8) == 0);
            indexed.loadChanged(changed);
            walk.loadChanged(changed);
        }
    }
}
