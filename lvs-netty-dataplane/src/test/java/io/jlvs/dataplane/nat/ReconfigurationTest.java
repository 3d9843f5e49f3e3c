package io.jlvs.dataplane.nat;

import static io.jlvs.dataplane.nat.Support.addMasq;
import static io.jlvs.dataplane.nat.Support.await;
import static io.jlvs.dataplane.nat.Support.freeAddress;
import static io.jlvs.dataplane.nat.Support.loopback;
import static io.jlvs.dataplane.nat.Support.tcpService;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jlvs.core.Director;
import io.jlvs.core.ForwardingMethod;
import io.jlvs.core.RealServerConfig;
import io.jlvs.core.ServiceKey;
import io.jlvs.dataplane.nat.Support.ShiftTicker;
import io.jlvs.dataplane.nat.Support.TcpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

@ExtendWith(LeakCheck.class)
class ReconfigurationTest {
    private final ShiftTicker ticker = new ShiftTicker();
    private final Director director = Support.director(ticker);
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private NatDataplane nat;

    @AfterEach
    void tearDown() throws Exception {
        if (nat != null) {
            nat.close();
        }
        for (AutoCloseable c : closeables) {
            c.close();
        }
        director.close();
    }

    private TcpServer server() throws IOException {
        TcpServer s = new TcpServer(loopback(), TcpServer.echo());
        closeables.add(s);
        return s;
    }

    private Socket open(InetSocketAddress vip) throws IOException {
        Socket s = new Socket(vip.getAddress(), vip.getPort());
        s.setSoTimeout(3000);
        closeables.add(s);
        return s;
    }

    private static void roundTrip(Socket s, int b) throws IOException {
        s.getOutputStream().write(b);
        assertEquals(b, s.getInputStream().read());
    }

    private static void oneShot(InetSocketAddress vip) throws IOException {
        try (Socket s = new Socket(vip.getAddress(), vip.getPort())) {
            s.setSoTimeout(3000);
            roundTrip(s, 7);
        }
    }

    @Test
    void realServersAndServicesChangeUnderTraffic() throws Exception {
        InetSocketAddress vip = freeAddress();
        TcpServer a = server();
        TcpServer b = server();
        ServiceKey key = tcpService(director, vip, "rr");
        addMasq(director, key, a.address(), 1);
        nat = NatDataplane.builder(director).workerThreads(2).refreshInterval(Duration.ofMillis(50)).start();

        Socket longFlow = open(vip);
        roundTrip(longFlow, 1);
        assertEquals(1, a.count.get());

        addMasq(director, key, b.address(), 1);
        for (int i = 0; i < 4; i++) {
            oneShot(vip);
        }
        assertEquals(2, b.count.get(), "the new real server takes every other flow at once");
        roundTrip(longFlow, 2);

        director.deleteRealServer(key, a.address());
        for (int i = 0; i < 3; i++) {
            oneShot(vip);
        }
        assertEquals(5, b.count.get(), "new flows avoid the deleted real server");
        roundTrip(longFlow, 3); // existing flow of the deleted real server finishes normally

        // a second service appears and disappears while the first keeps running
        InetSocketAddress vip2 = freeAddress();
        ServiceKey key2 = tcpService(director, vip2, "wlc");
        addMasq(director, key2, b.address(), 1);
        await("listener for the new service", Duration.ofSeconds(3), () -> nat.boundAddress(key2).isPresent());
        oneShot(vip2);
        director.deleteService(key2);
        await("listener of the deleted service gone", Duration.ofSeconds(3), () -> nat.boundAddress(key2).isEmpty());
        assertThrows(ConnectException.class, () -> new Socket(vip2.getAddress(), vip2.getPort()).close());

        roundTrip(longFlow, 4);
        longFlow.close();
        await("flows closed", Duration.ofSeconds(5), () -> nat.flowCount() == 0);
    }

    @Test
    void weightZeroDrainsWithoutCuttingExistingFlows() throws Exception {
        InetSocketAddress vip = freeAddress();
        TcpServer a = server();
        TcpServer b = server();
        ServiceKey key = tcpService(director, vip, "wrr");
        addMasq(director, key, a.address(), 1);
        nat = NatDataplane.builder(director).workerThreads(1).start();
        Socket onA = open(vip);
        roundTrip(onA, 1);
        addMasq(director, key, b.address(), 1);
        director.editRealServer(key, RealServerConfig.builder(a.address()).method(ForwardingMethod.MASQ).weight(0).build());
        for (int i = 0; i < 4; i++) {
            oneShot(vip);
        }
        assertEquals(1, a.count.get(), "weight 0: no new flows");
        assertEquals(4, b.count.get());
        roundTrip(onA, 2);
        assertEquals(1, director.service(key).orElseThrow().realServers().stream()
                .filter(r -> r.address().equals(a.address())).findFirst().orElseThrow().activeConnections());
    }

    /** An rr service with {@code expire_nodest_conn} on, real servers a (in it) and b (not yet), a flow on a. */
    private record NodestSetup(InetSocketAddress vip, ServiceKey key, TcpServer a, TcpServer b, Socket onA) {
    }

    /** @param sweep the data plane's {@code refreshInterval} */
    private NodestSetup nodestFlow(Duration sweep) throws IOException {
        director.setSysctls(director.sysctls().withExpireNodestConn(true));
        InetSocketAddress vip = freeAddress();
        TcpServer a = server();
        TcpServer b = server();
        ServiceKey key = tcpService(director, vip, "rr");
        addMasq(director, key, a.address(), 1);
        nat = NatDataplane.builder(director).workerThreads(1).refreshInterval(sweep).start();
        Socket onA = open(vip);
        roundTrip(onA, 1);
        return new NodestSetup(vip, key, a, b, onA);
    }

    /** @return whether the client's next read finds its flow ended (a FIN or a reset) */
    private static boolean ended(Socket s) throws IOException {
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketException e) {
            return true; // reset
        }
    }

    @Test
    void expireNodestConnClosesFlowsOfADeletedRealServer() throws Exception {
        NodestSetup n = nodestFlow(Duration.ofMillis(50));
        addMasq(director, n.key(), n.b().address(), 1);
        director.deleteRealServer(n.key(), n.a().address());
        long t0 = System.nanoTime();
        assertTrue(ended(n.onA()));
        assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "closed within a second");
        await("flow gone", Duration.ofSeconds(2), () -> nat.flowCount() == 0);
        assertEquals(0, director.connectionCount(), "the connection was expired, not left in the table");
        oneShot(n.vip());
        assertEquals(1, n.b().count.get());
        assertFalse(n.a().count.get() > 1);
    }

    @Test
    void changesAreFollowedWhenMadeNotAtTheNextSweep() throws Exception {
        // no sweep during the test: whatever happens below comes from the director's change events
        NodestSetup n = nodestFlow(Duration.ofHours(1));

        InetSocketAddress vip2 = freeAddress();
        ServiceKey key2 = tcpService(director, vip2, "wlc");
        addMasq(director, key2, n.b().address(), 1);
        await("listener for a service added after start", Duration.ofSeconds(10), () -> nat.boundAddress(key2).isPresent());
        oneShot(vip2);
        director.deleteService(key2);
        await("listener of the deleted service gone", Duration.ofSeconds(10), () -> nat.boundAddress(key2).isEmpty());

        addMasq(director, n.key(), n.b().address(), 1);
        director.deleteRealServer(n.key(), n.a().address()); // expire_nodest_conn: the flow on a is closed
        await("flow of the deleted real server closed", Duration.ofSeconds(10), () -> nat.flowCount() == 0);
        assertTrue(ended(n.onA()), "the client sees its flow end");
    }
}
