package io.jlvs.bench;

import io.jlvs.core.stats.Stats;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/** Cost of counting one packet on the data path (striped counters), one and two threads. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class RateEstimatorBenchmark {
    private final Stats stats = new Stats();

    /** One incoming packet of 1500 bytes. */
    @Benchmark
    public void countIn() {
        stats.countIn(1500);
    }

    /** The same from two threads at once. */
    @Benchmark
    @Threads(2)
    public void countInContended() {
        stats.countIn(1500);
    }
}
