package io.jlvs.dataplane.nat;

import static io.jlvs.dataplane.nat.Support.addMasq;
import static io.jlvs.dataplane.nat.Support.await;
import static io.jlvs.dataplane.nat.Support.freeAddress;
import static io.jlvs.dataplane.nat.Support.loopback;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jlvs.core.Director;
import io.jlvs.core.Protocol;
import io.jlvs.core.ServiceConfig;
import io.jlvs.core.ServiceKey;
import io.jlvs.core.Timeouts;
import io.jlvs.dataplane.nat.Support.ShiftTicker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

@ExtendWith(LeakCheck.class)
class UdpTest {
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

    /** A UDP real server answering "name:payload" and counting datagrams. */
    private final class Echo implements AutoCloseable {
        final DatagramSocket socket;
        final AtomicInteger received = new AtomicInteger();

        Echo(String name) throws IOException {
            socket = new DatagramSocket(new InetSocketAddress(loopback(), 0));
            closeables.add(this);
            Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[2048];
                while (!socket.isClosed()) {
                    try {
                        DatagramPacket p = new DatagramPacket(buf, buf.length);
                        socket.receive(p);
                        received.incrementAndGet();
                        byte[] reply = (name + ":" + new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8))
                                .getBytes(StandardCharsets.UTF_8);
                        socket.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    private DatagramSocket client() throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(loopback(), 0));
        s.setSoTimeout(3000);
        closeables.add(s);
        return s;
    }

    /** Sends one datagram to the VIP and returns the reply, checking it comes from the VIP:port. */
    private static String ask(DatagramSocket c, InetSocketAddress vip, String msg) throws IOException {
        byte[] b = msg.getBytes(StandardCharsets.UTF_8);
        c.send(new DatagramPacket(b, b.length, vip));
        byte[] buf = new byte[2048];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        c.receive(p);
        assertEquals(vip, p.getSocketAddress(), "replies come from the VIP:port");
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
    }

    @Test
    void flowsStickToTheirRealServerAndExpireWithTheUdpTimeout() throws Exception {
        director.setTimeouts(new Timeouts(0, 0, 1));
        InetSocketAddress vip = freeAddress();
        Echo a = new Echo("a");
        Echo b = new Echo("b");
        ServiceKey key = ServiceKey.of(Protocol.UDP, vip);
        director.addService(ServiceConfig.builder(key).scheduler("rr").build());
        addMasq(director, key, a.address(), 1);
        addMasq(director, key, b.address(), 1);
        nat = NatDataplane.builder(director).workerThreads(1).refreshInterval(Duration.ofMillis(50)).start();

        DatagramSocket c1 = client();
        DatagramSocket c2 = client();
        String first = ask(c1, vip, "x");
        String other = ask(c2, vip, "y");
        assertTrue(first.startsWith("b:") && other.startsWith("a:"), first + " / " + other); // newest first
        for (int i = 0; i < 5; i++) {
            assertEquals("b:" + i, ask(c1, vip, String.valueOf(i)), "a flow stays on its real server");
        }
        assertEquals(2, nat.flowCount());
        assertEquals(2, director.connectionCount());
        assertEquals(2, director.service(key).orElseThrow().realServers().stream()
                .mapToInt(r -> r.inactiveConnections()).sum(), "UDP connections count as inactive");

        // idle past the 1 s UDP timeout: the director expires the connections, the flows close
        await("UDP flows expired", Duration.ofSeconds(4), () -> nat.flowCount() == 0);
        assertEquals(0, director.connectionCount());
        // the next datagram is a new flow, scheduled again
        assertTrue(ask(c1, vip, "z").endsWith(":z"));
        assertEquals(8, a.received.get() + b.received.get(), "every datagram reached a real server exactly once");
    }

    @Test
    void onePacketSchedulingSpreadsEveryDatagram() throws Exception {
        InetSocketAddress vip = freeAddress();
        Echo a = new Echo("a");
        Echo b = new Echo("b");
        ServiceKey key = ServiceKey.of(Protocol.UDP, vip);
        director.addService(ServiceConfig.builder(key).scheduler("rr").onePacket(true).build());
        addMasq(director, key, a.address(), 1);
        addMasq(director, key, b.address(), 1);
        nat = NatDataplane.builder(director).workerThreads(1).start();
        DatagramSocket c = client();
        List<String> replies = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            replies.add(ask(c, vip, "m" + i));
        }
        assertEquals(List.of("b:m0", "a:m1", "b:m2", "a:m3", "b:m4", "a:m5"), replies);
        assertEquals(0, director.connectionCount(), "one-packet connections end with their datagram");
        assertEquals(6, director.service(key).orElseThrow().stats().raw().connections());
        assertEquals(2, nat.flowCount(), "one reply path per (client, real server)");
        ticker.advance(Duration.ofSeconds(301));
        nat.sweepNow();
        await("reply paths closed", Duration.ofSeconds(2), () -> nat.flowCount() == 0);
    }
}
