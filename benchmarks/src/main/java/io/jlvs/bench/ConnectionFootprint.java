package io.jlvs.bench;

import io.jlvs.core.Director;
import io.jlvs.core.Protocol;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Heap bytes per live connection at 1,000,000 connections, index included: the used heap after
 * full GCs with the connections held, minus the used heap before the director was created (a
 * warm-up director has loaded the classes), divided by the count. So the figure includes the
 * hash-table array, the services and real servers. The connections are held by the director's
 * table only. Run:
 * {@code java -Xmx4g -XX:+UseParallelGC -cp benchmarks/target/benchmarks.jar io.jlvs.bench.ConnectionFootprint}.
 */
public final class ConnectionFootprint {
    private ConnectionFootprint() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        try (Director warmUp = fill(1000)) { // loads and warms every class on the path
            warmUp.connectionCount();
        }
        long before = usedAfterGc();
        try (Director director = fill(n)) {
            long after = usedAfterGc();
            System.out.printf("connections: %d%nheap per connection: %.1f bytes (used %d -> %d)%n",
                    director.connectionCount(), (after - before) / (double) n, before, after);
        }
    }

    private static Director fill(int n) throws Exception {
        Director director = Director.builder().maxConnections(n).timerThread(false).build();
        director.ipvsadm("-A -t 172.25.0.10:80 -s wlc");
        for (int i = 1; i <= 32; i++) {
            director.ipvsadm("-a -t 172.25.0.10:80 -r 10.0.1." + i + ":80 -m");
        }
        InetSocketAddress vip = new InetSocketAddress("172.25.0.10", 80);
        for (int i = 0; i < n; i++) {
            int ip = 0x0A000000 | (i >>> 4);
            InetSocketAddress client = new InetSocketAddress(InetAddress.getByAddress(
                    new byte[] {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip}), 1024 + (i & 15));
            director.connect(Protocol.TCP, client, vip).orElseThrow().established();
        }
        return director;
    }

    private static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
