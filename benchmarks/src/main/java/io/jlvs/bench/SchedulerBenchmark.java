package io.jlvs.bench;

import io.jlvs.core.Protocol;
import io.jlvs.core.RealServer;
import io.jlvs.core.RealServerConfig;
import io.jlvs.core.ServiceKey;
import io.jlvs.core.Ticker;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerRegistry;
import io.jlvs.schedulers.LoadScans;

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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.SplittableRandom;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One new connection per operation: connection churn (the picked server gains an active
 * connection, a random server loses one, both through {@code setLoad} + {@code loadChanged},
 * the path the lc-family index listens to) and one {@code schedule} call.
 *
 * <ul>
 *   <li>{@code pick} / {@code pickLinearScan}: one {@code schedule} call alone on the current loads;</li>
 *   <li>{@code schedule} / {@code schedule2Threads}: the scheduler as registered (indexed for long
 *       lists in the lc family);</li>
 *   <li>{@code linearScan} / {@code linearScan2Threads}: the same churn with the kernel's plain
 *       scan of the same rule ({@link LoadScans#linearScan}), so index/scan can be compared in
 *       one run. Schedulers outside the lc family have no index: there it runs the scheduler
 *       itself.</li>
 * </ul>
 * Servers start with spread counters (weights 1..100, about 1% quiesced, active 0..63, inactive
 * 0..1023). Run: {@code java -jar benchmarks/target/benchmarks.jar SchedulerBenchmark -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class SchedulerBenchmark {
    /** Every registry name but {@code none} (sh, dh, mh, lblc, lblcr come from the other scheduler branch). */
    @Param({"rr", "wrr", "lc", "wlc", "sed", "nq", "fo", "ovf", "twos", "sh", "dh", "mh", "lblc", "lblcr"})
    public String scheduler;

    @Param({"8", "64", "1024", "10000"})
    public int size;

    RealServer[] servers;
    Destinations list;
    Scheduler registered;
    Scheduler linear;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        SchedulerRegistry registry = SchedulerRegistry.load();
        SplittableRandom r = new SplittableRandom(42);
        servers = new RealServer[size];
        for (int i = 0; i < size; i++) {
            int w = r.nextInt(100) == 0 ? 0 : 1 + r.nextInt(100);
            servers[i] = RealServer.detached(RealServerConfig.builder(new InetSocketAddress(
                    InetAddress.getByAddress(new byte[] {10, (byte) (i >> 16), (byte) (i >> 8), (byte) i}), 80))
                    .weight(w).build());
            servers[i].setLoad(r.nextInt(64), r.nextInt(1024), false);
        }
        list = Destinations.of(0, servers);
        SchedulerContext context = new SchedulerContext(
                ServiceKey.of(Protocol.TCP, InetAddress.getByName("192.0.2.1"), 80), Ticker.system(),
                ThreadLocalRandom.current()); // per-thread state behind one shared, thread-safe instance
        registered = registry.create(scheduler, context);
        registered.init(list);
        Scheduler scan = LoadScans.linearScan(scheduler, context.random());
        if (scan == null) {
            scan = registry.create(scheduler, context);
            scan.init(list);
        }
        linear = scan;
    }

    /** Per-thread flyweight request and a cheap generator for clients and churn. */
    @State(Scope.Thread)
    public static class Flow {
        final ScheduleRequest request = new ScheduleRequest();
        int seed = (int) System.nanoTime() | 1;

        int next() {
            int x = seed;
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            seed = x;
            return x;
        }
    }

    private RealServer connect(Scheduler s, Flow flow) {
        int x = flow.next();
        // one connection closes on a random server
        RealServer closing = servers[(x >>> 1) % size];
        int a = closing.activeConnections();
        if (a > 0) {
            closing.setLoad(a - 1, closing.inactiveConnections(), false);
            s.loadChanged(closing);
        }
        // and a new one is scheduled
        flow.request.setIpv4(Protocol.TCP, 0x0A000000 | (x & 0xFFFFFF), 1024 + (x >>> 20 & 0xFFF), 0xC0000201, 80);
        RealServer rs = s.schedule(list, flow.request);
        if (rs != null) {
            rs.setLoad(rs.activeConnections() + 1, rs.inactiveConnections(), false);
            s.loadChanged(rs);
        }
        return rs;
    }

    /** The pick alone: one {@code schedule} call on the current loads, no churn. */
    @Benchmark
    public RealServer pick(Flow flow) {
        int x = flow.next();
        flow.request.setIpv4(Protocol.TCP, 0x0A000000 | (x & 0xFFFFFF), 1024 + (x >>> 20 & 0xFFF), 0xC0000201, 80);
        return registered.schedule(list, flow.request);
    }

    /** The kernel's scan alone, for the same pick. */
    @Benchmark
    public RealServer pickLinearScan(Flow flow) {
        int x = flow.next();
        flow.request.setIpv4(Protocol.TCP, 0x0A000000 | (x & 0xFFFFFF), 1024 + (x >>> 20 & 0xFFF), 0xC0000201, 80);
        return linear.schedule(list, flow.request);
    }

    @Benchmark
    public RealServer schedule(Flow flow) {
        return connect(registered, flow);
    }

    @Benchmark
    public RealServer linearScan(Flow flow) {
        return connect(linear, flow);
    }

    @Benchmark
    @Threads(2)
    public RealServer schedule2Threads(Flow flow) {
        return connect(registered, flow);
    }

    @Benchmark
    @Threads(2)
    public RealServer linearScan2Threads(Flow flow) {
        return connect(linear, flow);
    }
}
