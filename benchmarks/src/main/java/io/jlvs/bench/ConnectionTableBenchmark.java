package io.jlvs.bench;

import io.jlvs.core.Connection;
import io.jlvs.core.Director;
import io.jlvs.core.ForwardingMethod;
import io.jlvs.core.Protocol;
import io.jlvs.core.RealServerConfig;
import io.jlvs.core.ServiceConfig;
import io.jlvs.core.ServiceKey;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The connection table at 1,000,000 live connections: the per-packet lookup of a random flow (a
 * cache miss or two) and of a hot flow, a create-and-expire cycle through the director, and the
 * persistence-template lookup on a persistent service with 100,000 client templates.
 * Run: {@code java -jar benchmarks/target/benchmarks.jar ConnectionTableBenchmark -prof gc}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgs = {"-Xmx4g", "-XX:+UseParallelGC"})
@State(Scope.Benchmark)
public class ConnectionTableBenchmark {
    static final int CONNECTIONS = 1_000_000;
    static final int TEMPLATES = 100_000;
    static final int VIP = 0xAC19000A; // 172.25.0.10
    static final InetSocketAddress VIP_HTTP = new InetSocketAddress("172.25.0.10", 80);
    static final InetSocketAddress VIP_HTTPS = new InetSocketAddress("172.25.0.10", 443);

    Director director;
    int[] clients;
    int[] ports;
    InetAddress[] templateClients;
    int nextPort;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        director = Director.builder().maxConnections(2 * CONNECTIONS).build();
        director.ipvsadm("-A -t 172.25.0.10:80 -s wlc");
        director.ipvsadm("-A -t 172.25.0.10:443 -s rr -p 300");
        for (int i = 0; i < 32; i++) {
            for (ServiceKey svc : new ServiceKey[] {ServiceKey.of(Protocol.TCP, VIP_HTTP), ServiceKey.of(Protocol.TCP, VIP_HTTPS)}) {
                director.addRealServer(svc, RealServerConfig.builder(new InetSocketAddress(
                        InetAddress.getByAddress(new byte[] {10, 0, 1, (byte) (i + 1)}), svc.port()))
                        .method(ForwardingMethod.MASQ).build());
            }
        }
        clients = new int[CONNECTIONS];
        ports = new int[CONNECTIONS];
        for (int i = 0; i < CONNECTIONS; i++) {
            clients[i] = 0x0A000000 | (i >>> 4);
            ports[i] = 1024 + (i & 15);
            Connection c = director.connect(Protocol.TCP, address(clients[i], ports[i]), VIP_HTTP).orElseThrow();
            c.established();
        }
        templateClients = new InetAddress[TEMPLATES];
        for (int i = 0; i < TEMPLATES; i++) {
            templateClients[i] = address(0x0B000000 | i, 0).getAddress();
            director.connect(Protocol.TCP, new InetSocketAddress(templateClients[i], 5000), VIP_HTTPS).orElseThrow();
        }
    }

    static InetSocketAddress address(int ip, int port) throws Exception {
        return new InetSocketAddress(InetAddress.getByAddress(
                new byte[] {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip}), port);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        director.close();
    }

    /** Per-thread xorshift for the random flow. */
    @State(Scope.Thread)
    public static class Cursor {
        int seed = (int) System.nanoTime() | 1;

        int next(int bound) {
            int x = seed;
            x ^= x << 13;
            x ^= x >>> 17;
            x ^= x << 5;
            seed = x;
            return (x >>> 1) % bound;
        }
    }

    /**
     * A packet of a random one of the 1,000,000 flows finds its connection. The flow's endpoints
     * are computed, not read from an array, so the benchmark adds no cache miss of its own.
     */
    @Benchmark
    public Connection lookupRandomFlow(Cursor cursor) {
        int i = cursor.next(CONNECTIONS);
        return director.lookup(Protocol.TCP, 0x0A000000 | (i >>> 4), 1024 + (i & 15), VIP, 80);
    }

    /** A packet of the same flow as the last one (the flow's entry is in cache). */
    @Benchmark
    public Connection lookupHotFlow() {
        return director.lookup(Protocol.TCP, clients[777], ports[777], VIP, 80);
    }

    /** A new flow is scheduled, bound and entered, then expired: one full connection lifetime. */
    @Benchmark
    public Connection createAndExpire() throws Exception {
        int p = nextPort++ & 0x7FFF;
        Connection c = director.connect(Protocol.TCP, address(0x0C000001, 1024 + p), VIP_HTTP).orElseThrow();
        director.expire(c);
        return c;
    }

    /** The template lookup for the same client again (its entry in cache). */
    @Benchmark
    public Object templateLookupHot() {
        return director.findTemplate(Protocol.TCP, templateClients[4242], VIP_HTTPS, 0);
    }

    /** Which real server is this client stuck to: the template lookup for a random one of 100,000 clients. */
    @Benchmark
    public Object templateLookup(Cursor cursor) {
        return director.findTemplate(Protocol.TCP, templateClients[cursor.next(TEMPLATES)], VIP_HTTPS, 0);
    }
}
