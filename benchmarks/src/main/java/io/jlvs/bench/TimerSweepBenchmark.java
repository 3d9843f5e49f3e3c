package io.jlvs.bench;

import io.jlvs.core.Connection;
import io.jlvs.core.Director;
import io.jlvs.core.Protocol;
import io.jlvs.core.ServiceConfig;
import io.jlvs.core.Ticker;
import io.jlvs.core.Timeouts;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * What the director's timer costs each second with the default table size (1,048,576 buckets):
 * one {@code runTimers} a full second after the last (the expiry wheel's ~60 ticks of that second
 * at once), with {@code entries} live connections that do not expire (a director after a burst
 * of traffic, or a busy one). Each entry is looked at when a deadline it had passes, about once
 * per turn of the wheel (~281 s) for entries this far from theirs, so the figure is an average
 * over the run. The timer thread runs beside the data plane, so this is CPU taken from the real
 * servers and clients sharing the machine.
 * Run: {@code java -jar benchmarks/target/benchmarks.jar TimerSweepBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx2g", "-XX:+UseParallelGC"})
@State(Scope.Benchmark)
public class TimerSweepBenchmark {
    @Param({"0", "1", "30000", "1000000"})
    int entries;

    Director director;
    final SteppedTicker ticker = new SteppedTicker();

    /** A clock that moves only when told to. */
    static final class SteppedTicker implements Ticker {
        long nanos = 1_000_000_000L;

        @Override
        public long read() {
            return nanos;
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        director = Director.builder().ticker(ticker).timerThread(false).build();
        director.ipvsadm("-A -t 172.25.0.10:80 -s rr");
        director.ipvsadm("-a -t 172.25.0.10:80 -r 10.0.1.1:80 -m");
        // established entries outlive the simulated seconds (one per operation)
        director.setTimeouts(new Timeouts(ServiceConfig.MAX_TIMEOUT, 0, 0));
        InetSocketAddress vip = new InetSocketAddress("172.25.0.10", 80);
        for (int i = 0; i < entries; i++) {
            Connection c = director.connect(Protocol.TCP,
                    ConnectionTableBenchmark.address(0x0A000000 | (i >>> 4), 1024 + (i & 15)), vip).orElseThrow();
            c.established();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        director.close();
    }

    /** One second of timer work: a full sweep of the table, the defense and estimator runs. */
    @Benchmark
    public void oneSecondOfTimers() {
        ticker.nanos += 1_000_000_000L;
        director.runTimers();
    }
}
