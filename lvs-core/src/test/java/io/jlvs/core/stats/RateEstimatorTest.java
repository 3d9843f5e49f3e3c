package io.jlvs.core.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RateEstimatorTest {
    @Test
    void constantHundredConnectionsPerSecondFollowsTheKernelCurve() {
        // reference §5.2: 100 new conns/s from t=0, CPS shown after each 2 s tick
        List<Long> expected = List.of(25L, 44L, 58L, 68L, 76L, 82L, 87L, 90L, 92L, 94L, 96L, 97L, 98L, 98L, 99L,
                99L, 99L, 99L, 100L);
        Stats stats = new Stats();
        List<Long> shown = new ArrayList<>();
        for (int tick = 0; tick < expected.size(); tick++) {
            for (int i = 0; i < 200; i++) {
                stats.countConnection();
            }
            stats.estimate();
            shown.add(stats.rates().cps());
        }
        assertEquals(expected, shown);
    }

    @Test
    void constantMegabytePerSecondFollowsTheKernelCurve() {
        Stats stats = new Stats();
        List<Long> shown = new ArrayList<>();
        for (int tick = 0; tick < 5; tick++) {
            stats.countIn(1, 2_000_000);
            stats.estimate();
            shown.add(stats.rates().inBps());
        }
        assertEquals(List.of(250000L, 437500L, 578125L, 683594L, 762695L), shown);
    }

    @Test
    void zeroKeepsRawCountersAndResetsRates() {
        Stats stats = new Stats();
        stats.countConnection();
        stats.countIn(3, 300);
        stats.countOut(2, 200);
        stats.estimate();
        stats.zero();
        assertEquals(StatsSnapshot.ZERO, stats.snapshot());
        assertEquals(new StatsSnapshot(1, 3, 2, 300, 200), stats.raw());
        assertEquals(RateSnapshot.ZERO, stats.rates());
        stats.countIn(1, 10);
        assertEquals(new StatsSnapshot(0, 1, 0, 10, 0), stats.snapshot());
        // after a zero the next sample measures only what came since
        stats.estimate();
        // 1 packet and 10 bytes in 2 s: pps (512>>2 = 128 -> (128+511)>>10) = 0, bps (160>>2 = 40 -> (40+15)>>5) = 1
        assertEquals(0, stats.rates().inPps());
        assertEquals(1, stats.rates().inBps());
    }
}
