package io.jlvs.bench;

import io.jlvs.core.Director;
import io.jlvs.dataplane.nat.NatDataplane;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Many concurrent idle TCP connections held through the NAT data plane: heap (after GC) and RSS of
 * the director's JVM before and after. The real server and the clients are child JVMs, so this
 * process holds exactly the proxy's two sockets per connection. The per-process open-file limit
 * on these machines is 20,000 (hard), so a proxy can hold at most about 9,900 connections.
 * Run: {@code java -cp benchmarks/target/benchmarks.jar io.jlvs.bench.IdleConnections [count]}.
 */
public final class IdleConnections {
    private IdleConnections() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("server")) {
            holdServer(Integer.parseInt(args[1]));
            return;
        }
        if (args.length > 0 && args[0].equals("clients")) {
            holdClients(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            return;
        }
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 9_800;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        Process server = new ProcessBuilder(java, "-cp", cp, IdleConnections.class.getName(), "server", "0")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        BufferedReader serverOut = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        int rsPort = Integer.parseInt(serverOut.readLine().trim());
        try (Director director = Director.create()) {
            int vport = freePort();
            director.ipvsadm("-A -t 127.0.0.1:" + vport + " -s rr");
            director.ipvsadm("-a -t 127.0.0.1:" + vport + " -r 127.0.0.2:" + rsPort + " -m");
            try (NatDataplane nat = NatDataplane.builder(director).workerThreads(2).start()) {
                Thread.sleep(300);
                long heap0 = usedHeapAfterGc();
                long rss0 = rssBytes();
                Process clients = new ProcessBuilder(java, "-cp", cp, IdleConnections.class.getName(), "clients",
                        Integer.toString(vport), Integer.toString(count)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                BufferedReader clientOut = new BufferedReader(new InputStreamReader(clients.getInputStream(), StandardCharsets.UTF_8));
                String ready = clientOut.readLine();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (nat.flowCount() < count && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                Thread.sleep(500);
                long heap1 = usedHeapAfterGc();
                long rss1 = rssBytes();
                System.out.printf("clients: %s%nflows held through the proxy: %d, ActiveConn %d%n", ready, nat.flowCount(),
                        director.services().get(0).realServers().get(0).activeConnections());
                System.out.printf("heap after GC: %.1f MiB -> %.1f MiB (%.0f bytes per connection)%n", heap0 / 1048576.0,
                        heap1 / 1048576.0, (heap1 - heap0) / (double) count);
                System.out.printf("RSS: %.1f MiB -> %.1f MiB (%.0f bytes per connection)%n", rss0 / 1048576.0,
                        rss1 / 1048576.0, (rss1 - rss0) / (double) count);
                clients.destroy();
                clients.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            server.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocketChannel s = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            return ((InetSocketAddress) s.getLocalAddress()).getPort();
        }
    }

    /** Child: accept connections on 127.0.0.2 and hold them. */
    private static void holdServer(int port) throws Exception {
        List<SocketChannel> held = new ArrayList<>();
        try (ServerSocketChannel ss = ServerSocketChannel.open()) {
            ss.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ss.bind(new InetSocketAddress("127.0.0.2", port), 4096);
            System.out.println(((InetSocketAddress) ss.getLocalAddress()).getPort());
            System.out.flush();
            while (true) {
                held.add(ss.accept());
            }
        }
    }

    /** Child: open {@code count} connections to the VIP and hold them. */
    private static void holdClients(int vport, int count) throws Exception {
        List<SocketChannel> held = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            int connected = 0;
            for (int i = 0; i < count; i++) {
                SocketChannel c = SocketChannel.open();
                c.configureBlocking(false);
                c.connect(new InetSocketAddress("127.0.0.1", vport));
                c.register(selector, SelectionKey.OP_CONNECT);
                held.add(c);
                if (i % 500 == 499) {
                    Thread.sleep(50); // let the proxy accept: stay under the listen backlog
                }
                connected += finish(selector, 0);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (connected < count && System.nanoTime() < deadline) {
                connected += finish(selector, 100);
            }
            System.out.println(connected + " connected");
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        }
    }

    private static int finish(Selector selector, long timeout) throws Exception {
        int n = timeout == 0 ? selector.selectNow() : selector.select(timeout);
        int done = 0;
        if (n > 0) {
            for (var it = selector.selectedKeys().iterator(); it.hasNext(); ) {
                SelectionKey k = it.next();
                it.remove();
                if (((SocketChannel) k.channel()).finishConnect()) {
                    k.cancel();
                    done++;
                }
            }
        }
        return done;
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long rssBytes() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
