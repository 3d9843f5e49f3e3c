package io.jlvs.bench;

import io.jlvs.core.RealServer;
import io.jlvs.core.RealServerConfig;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.schedulers.DestinationHashing;
import io.jlvs.schedulers.MaglevHashing;
import io.jlvs.schedulers.SourceHashing;
import io.jlvs.schedulers.WeightedLeastConnection;
import io.jlvs.schedulers.WeightedRoundRobin;
import io.jlvs.schedulers.WeightedTwoChoices;
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
import org.openjdk.jmh.annotations.Warmup;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Cost of rebuilding the sh, dh and mh tables (what the director's writer pays on every add,
 * delete or edit of a real server). Target: an mh rebuild at 1,000 destinations within 5 ms.
 *
 * <p>Each benchmark calls {@code init(destinations)}, which rebuilds the whole table exactly as
 * {@code added}/{@code removed}/{@code updated} do. Real servers have weights 1..10 (fixed seed).
 * mh uses the kernel's default 4093 slots while that holds every server, else the smallest kernel
 * prime that does (16381 for 10,000 servers; the kernel refuses more servers than slots).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TableBuildBenchmark {
    @Param({"8", "64", "1000", "10000"})
    public int destinations;

    private Destinations list;
    private SourceHashing sh;
    private DestinationHashing dh;
    private MaglevHashing mh;
    private WeightedRoundRobin wrr;
    private WeightedLeastConnection wlc;
    private WeightedTwoChoices twos;

    @Setup(Level.Trial)
    public void setUp() throws UnknownHostException {
        SplittableRandom random = new SplittableRandom(42);
        RealServer[] servers = new RealServer[destinations];
        for (int i = 0; i < destinations; i++) {
            InetAddress ip = InetAddress.getByAddress(new byte[] {10, (byte) (i >>> 16), (byte) (i >>> 8), (byte) i});
            servers[i] = RealServer.detached(RealServerConfig.builder(new InetSocketAddress(ip, 80))
                    .weight(1 + random.nextInt(10)).build());
        }
        list = Destinations.of(0, servers);
        sh = new SourceHashing();
        dh = new DestinationHashing();
        int m = MaglevHashing.DEFAULT_TABLE_SIZE;
        for (int size : MaglevHashing.kernelTableSizes()) {
            if (size >= Math.max(MaglevHashing.DEFAULT_TABLE_SIZE, destinations)) {
                m = size;
                break;
            }
        }
        mh = new MaglevHashing(m);
        wrr = new WeightedRoundRobin();
        wrr.init(list);
        wlc = new WeightedLeastConnection();
        twos = new WeightedTwoChoices(new SplittableRandom(7));
    }

    @Benchmark
    public SourceHashing sourceHashing() {
        sh.init(list);
        return sh;
    }

    @Benchmark
    public DestinationHashing destinationHashing() {
        dh.init(list);
        return dh;
    }

    @Benchmark
    public MaglevHashing maglevHashing() {
        mh.init(list);
        return mh;
    }

    /** wrr's state after an edit: gcd and max weight recomputed, cursor and cw reset by the kernel's rule. */
    @Benchmark
    public WeightedRoundRobin weightedRoundRobinState() {
        wrr.updated(list, list.get(0));
        return wrr;
    }

    /** The lc family's tournament-tree index (here wlc's), rebuilt on every list change. */
    @Benchmark
    public WeightedLeastConnection leastConnectionIndex() {
        wlc.init(list);
        return wlc;
    }

    /** twos's Fenwick index of eligible weights. */
    @Benchmark
    public WeightedTwoChoices twoChoicesIndex() {
        twos.init(list);
        return twos;
    }
}
