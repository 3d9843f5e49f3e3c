package io.jlvs.dataplane.nat;

import static io.jlvs.dataplane.nat.Support.addMasq;
import static io.jlvs.dataplane.nat.Support.tcpService;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jlvs.core.Director;
import io.jlvs.core.ServiceKey;
import io.jlvs.core.stats.StatsSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Transparent NAT ({@link NatDataplane.Builder#transparent(boolean)}) in network namespaces, built
 * like the kernel's {@code tools/testing/selftests/net/netfilter/ipvs.sh}: a client and a real
 * server run as real processes ({@link NetnsPeer}) in their own namespaces, the director is this
 * JVM in the root namespace, and a random 1 MiB payload must come back byte for byte through the
 * VIP. The real server reports the peer address it saw: the client's own address with transparent
 * mode, the director's address without.
 *
 * <h2>Topology (per test, random names and subnets 10.A.B.0/24 and 10.A.B+1.0/24)</h2>
 * <pre>
 *  client ns jlvs-c-ID            root ns (this JVM: director)            real-server ns jlvs-r-ID
 *  jcIDc 10.A.B.2/24  ---veth---  jcIDd 10.A.B.1/24 (gip)
 *  default via 10.A.B.1           + VIP 10.A.B+2.10/32, TCP 8080
 *                                 jrIDd 10.A.B+1.1/24 (dip) ---veth---  jrIDr 10.A.B+1.2/24 (rip)
 *                                                                       default via 10.A.B+1.1
 * </pre>
 * Routing on the director, only what transparent mode needs (nothing is forwarded, so
 * {@code ip_forward} stays as it is; the proxy terminates both TCP connections):
 * <pre>
 *  ip route add local 0.0.0.0/0 dev lo table T      # T random in 20000..29999
 *  ip rule add pref 100 iif jrIDd lookup T          # everything from the real servers' link is local
 * </pre>
 * The real server answers the client's address through its default route, the director; the rule
 * delivers that reply locally, where the backend socket bound to the client's address with
 * {@code IP_TRANSPARENT} picks it up. All of it is removed after each test, failed or not
 * (namespaces deleted, which deletes the veth pairs; rule and table flushed).
 *
 * <h2>Requirements and the {@code jlvs.skipNetns} property</h2>
 * The test needs Linux, root (CAP_NET_ADMIN, CAP_SYS_ADMIN), iproute2's {@code ip} and the epoll
 * transport. When any is missing it <b>fails</b> with the reason, so CI cannot silently skip it.
 * On a developer machine without them, run Maven with {@code -Djlvs.skipNetns=true} to skip it
 * (a JUnit assumption).
 */
@ExtendWith(LeakCheck.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransparentNamespaceTest {
    /** Set to {@code true} to skip the namespace tests (developer machines without root). */
    static final String SKIP_PROPERTY = "jlvs.skipNetns";
    private static final int PORT = 8080;
    private static final int PAYLOAD = 1024 * 1024;
    private static final Duration STEP = Duration.ofSeconds(10);

    private final Support.ShiftTicker ticker = new Support.ShiftTicker();
    private final Director director = Support.director(ticker);
    /** Undo commands, run in reverse order after each test. */
    private final Deque<List<String>> cleanup = new ArrayDeque<>();
    private final List<Peer> peers = new ArrayList<>();
    private NatDataplane nat;

    private String id;
    private String clientNs;
    private String serverNs;
    private String clientVeth;
    private String serverVeth;
    private InetAddress cip;
    private InetAddress gip;
    private InetAddress dip;
    private InetAddress rip;
    private InetAddress vip;

    @BeforeEach
    void topology() throws Exception {
        Assumptions.assumeFalse(Boolean.getBoolean(SKIP_PROPERTY),
                "network-namespace tests skipped (-D" + SKIP_PROPERTY + "=true)");
        requirePlatform();
        id = String.format("%06x", ThreadLocalRandom.current().nextInt(1 << 24));
        clientNs = "jlvs-c-" + id;
        serverNs = "jlvs-r-" + id;
        clientVeth = "jc" + id;
        serverVeth = "jr" + id;
        String net = freeSubnets();
        String[] p = net.split("\\.");
        String clientNet = p[0] + "." + p[1] + "." + p[2] + ".";
        String serverNet = p[0] + "." + p[1] + "." + (Integer.parseInt(p[2]) + 1) + ".";
        gip = InetAddress.getByName(clientNet + "1");
        cip = InetAddress.getByName(clientNet + "2");
        dip = InetAddress.getByName(serverNet + "1");
        rip = InetAddress.getByName(serverNet + "2");
        vip = InetAddress.getByName(p[0] + "." + p[1] + "." + (Integer.parseInt(p[2]) + 2) + ".10");

        netns("add", clientNs);
        netns("add", serverNs);
        // client ns <-> root ns
        ip("link", "add", clientVeth + "d", "type", "veth", "peer", "name", clientVeth + "c", "netns", clientNs);
        ip("addr", "add", gip.getHostAddress() + "/24", "dev", clientVeth + "d");
        ip("addr", "add", vip.getHostAddress() + "/32", "dev", clientVeth + "d");
        ip("link", "set", clientVeth + "d", "up");
        ip("-n", clientNs, "link", "set", "lo", "up");
        ip("-n", clientNs, "addr", "add", cip.getHostAddress() + "/24", "dev", clientVeth + "c");
        ip("-n", clientNs, "link", "set", clientVeth + "c", "up");
        ip("-n", clientNs, "route", "add", "default", "via", gip.getHostAddress());
        // root ns <-> real-server ns; the real server's default route is the director (as for kernel NAT)
        ip("link", "add", serverVeth + "d", "type", "veth", "peer", "name", serverVeth + "r", "netns", serverNs);
        ip("addr", "add", dip.getHostAddress() + "/24", "dev", serverVeth + "d");
        ip("link", "set", serverVeth + "d", "up");
        ip("-n", serverNs, "link", "set", "lo", "up");
        ip("-n", serverNs, "addr", "add", rip.getHostAddress() + "/24", "dev", serverVeth + "r");
        ip("-n", serverNs, "link", "set", serverVeth + "r", "up");
        ip("-n", serverNs, "route", "add", "default", "via", dip.getHostAddress());
        // transparent mode: replies from the real servers' link (to client addresses) are local
        String table = String.valueOf(20000 + ThreadLocalRandom.current().nextInt(10000));
        ip("route", "add", "local", "0.0.0.0/0", "dev", "lo", "table", table);
        cleanup.push(List.of("ip", "route", "flush", "table", table));
        ip("rule", "add", "pref", "100", "iif", serverVeth + "d", "lookup", table);
        cleanup.push(List.of("ip", "rule", "del", "pref", "100", "iif", serverVeth + "d", "lookup", table));
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            for (Peer p : peers) {
                p.process.destroyForcibly();
            }
            if (nat != null) {
                nat.close();
            }
            director.close();
        } finally {
            List<String> errors = new ArrayList<>();
            while (!cleanup.isEmpty()) {
                Result r = run(cleanup.pop());
                if (r.rc != 0) {
                    errors.add(r.toString());
                }
            }
            if (!errors.isEmpty()) {
                fail("namespace cleanup failed: " + errors);
            }
        }
    }

    @Test
    void transparentModeShowsTheClientAddressToTheRealServer() throws Exception {
        Seen seen = relay(true);
        assertEquals(cip.getHostAddress(), seen.serverSawIp, "the real server sees the client's address");
        assertEquals(seen.clientPort, seen.serverSawPort, "and the client's port");
    }

    @Test
    void defaultModeShowsTheDirectorAddressToTheRealServer() throws Exception {
        Seen seen = relay(false);
        assertEquals(dip.getHostAddress(), seen.serverSawIp, "without transparent mode the real server sees the director");
    }

    private record Seen(String serverSawIp, int serverSawPort, int clientPort) {
    }

    /** One 1 MiB echo from the client ns through VIP:8080 to the real server ns; returns who saw whom. */
    private Seen relay(boolean transparent) throws Exception {
        ServiceKey key = tcpService(director, new InetSocketAddress(vip, PORT), "rr");
        addMasq(director, key, new InetSocketAddress(rip, PORT), 1);
        Peer server = peer(serverNs, "server", rip.getHostAddress(), String.valueOf(PORT), "1");
        server.expect("READY");
        nat = NatDataplane.builder(director).transparent(transparent).workerThreads(1).start();
        assertEquals(new InetSocketAddress(vip, PORT), nat.boundAddress(key).orElseThrow());

        long seed = ThreadLocalRandom.current().nextLong();
        Peer client = peer(clientNs, "client", vip.getHostAddress(), String.valueOf(PORT),
                String.valueOf(PAYLOAD), String.valueOf(seed));
        String[] local = client.expect("LOCAL").split(" ");
        assertEquals(cip.getHostAddress(), local[1]);
        String[] peer = server.expect("PEER").split(" ");
        assertEquals("OK " + PAYLOAD, client.expect("OK"), "byte-exact echo through the VIP");
        assertEquals("DONE " + PAYLOAD, server.expect("DONE"));
        assertEquals(0, client.exitCode(), "client exit code");
        assertEquals(0, server.exitCode(), "server exit code");

        Support.await("flow closed", STEP, () -> nat.flowCount() == 0);
        StatsSnapshot s = director.service(key).orElseThrow().stats().raw();
        assertEquals(1, s.connections());
        assertEquals(PAYLOAD, s.inBytes());
        assertEquals(PAYLOAD, s.outBytes());
        return new Seen(peer[1], Integer.parseInt(peer[2]), Integer.parseInt(local[2]));
    }

    // ------------------------------------------------------------------ processes

    /** A {@link NetnsPeer} running in a namespace; its stdout lines are queued. */
    private final class Peer {
        final Process process;
        final String name;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final StringBuffer transcript = new StringBuffer();

        Peer(String name, Process process) {
            this.name = name;
            this.process = process;
            Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(
                        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        transcript.append(l).append('\n');
                        lines.add(l);
                    }
                } catch (IOException ignored) {
                    // process killed
                }
            });
        }

        /** @return the next line, which must start with {@code prefix} */
        String expect(String prefix) throws InterruptedException {
            String l = lines.poll(STEP.toSeconds(), TimeUnit.SECONDS);
            if (l == null || !l.startsWith(prefix)) {
                process.destroyForcibly();
                fail(name + ": expected " + prefix + ", got " + l + "; output:\n" + transcript + stderr() + diagnostics());
            }
            return l;
        }

        int exitCode() throws InterruptedException {
            if (!process.waitFor(STEP.toSeconds(), TimeUnit.SECONDS)) {
                fail(name + " did not exit");
            }
            return process.exitValue();
        }

        String stderr() {
            try {
                return process.isAlive() ? "" : new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }
    }

    /** What the peers printed and the sockets' state, for a failure message. */
    private String diagnostics() {
        StringBuilder b = new StringBuilder("\n--- diagnostics");
        for (Peer p : peers) {
            b.append("\n").append(p.name).append(":\n").append(p.transcript);
        }
        if (nat != null) {
            b.append("\nflows ").append(nat.flowCount());
        }
        try {
            b.append("\n").append(run(List.of("ip", "netns", "exec", clientNs, "ss", "-tnio")));
            b.append("\n").append(run(List.of("ip", "netns", "exec", clientNs, "nstat", "-as")));
            b.append("\n").append(run(List.of("ip", "netns", "exec", serverNs, "ss", "-tnio")));
            b.append("\n").append(run(List.of("ss", "-tnio", "dst", rip.getHostAddress())));
            b.append("\n").append(run(List.of("ss", "-tnio", "src", vip.getHostAddress())));
        } catch (IOException | InterruptedException e) {
            b.append(e);
        }
        return b.toString();
    }

    private Peer peer(String ns, String... args) throws Exception {
        Path classes = Path.of(NetnsPeer.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", ns,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "-cp", classes.toString(), NetnsPeer.class.getName()));
        cmd.addAll(List.of(args));
        Peer p = new Peer(ns + " " + args[0], new ProcessBuilder(cmd).start());
        peers.add(p);
        return p;
    }

    // ------------------------------------------------------------------ commands

    private record Result(List<String> cmd, int rc, String out) {
        @Override
        public String toString() {
            return String.join(" ", cmd) + " -> " + rc + (out.isBlank() ? "" : ": " + out.strip());
        }
    }

    private static Result run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(STEP.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(cmd, -1, "timed out");
        }
        return new Result(cmd, p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static String check(List<String> cmd) throws IOException, InterruptedException {
        Result r = run(cmd);
        if (r.rc != 0) {
            fail("setup command failed: " + r + skipHint());
        }
        return r.out;
    }

    private static String ip(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        return check(cmd);
    }

    /** {@code ip netns add}; the namespace (and with it the veth pair inside) goes after the test. */
    private void netns(String op, String ns) throws IOException, InterruptedException {
        ip("netns", op, ns);
        cleanup.push(List.of("ip", "netns", "del", ns));
    }

    private static String skipHint() {
        return " (network-namespace tests need Linux, root and iproute2; run with -D" + SKIP_PROPERTY
                + "=true to skip them on a developer machine)";
    }

    /** Fails (not skips) with the reason when the platform cannot run the test. */
    private static void requirePlatform() throws IOException, InterruptedException {
        if (!System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            fail("not Linux: " + System.getProperty("os.name") + skipHint());
        }
        String uid = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Uid:")).findFirst().orElse("Uid: ?").split("\\s+")[1];
        if (!"0".equals(uid)) {
            fail("not root (uid " + uid + ")" + skipHint());
        }
        if (Transport.best() != Transport.EPOLL) {
            fail("transparent mode needs epoll: " + Transport.epollUnavailabilityCause() + skipHint());
        }
        try {
            run(List.of("ip", "-V"));
        } catch (IOException e) {
            fail("iproute2's ip is not installed: " + e.getMessage() + skipHint());
        }
    }

    /** @return "10.A.B.0" such that 10.A.B..B+2 appear nowhere in the root namespace's routes */
    private static String freeSubnets() throws IOException, InterruptedException {
        String routes = check(List.of("ip", "-4", "route", "show", "table", "all"));
        for (int i = 0; i < 100; i++) {
            int a = 200 + ThreadLocalRandom.current().nextInt(50);
            int b = 4 * ThreadLocalRandom.current().nextInt(60);
            String prefix = "10." + a + ".";
            if (!routes.contains(prefix + b + ".") && !routes.contains(prefix + (b + 1) + ".")
                    && !routes.contains(prefix + (b + 2) + ".")) {
                return prefix + b + ".0";
            }
        }
        throw new AssertionError("no free 10.x test subnet");
    }
}
