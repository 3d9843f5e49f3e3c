package io.jlvs.core;

import static io.jlvs.core.conn.TcpEvent.FLAG_ACK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jlvs.core.conn.ConnectionState;
import io.jlvs.core.conn.Sysctls;
import io.jlvs.core.scheduler.SchedulerRegistry;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** §6.1 defenses with the table capacity standing in for memory, and the allocation-free lookup. */
class DefenseTest {
    static final InetSocketAddress VIP = new InetSocketAddress("172.25.0.10", 80);
    static final ServiceKey SVC = ServiceKey.of(Protocol.TCP, VIP);

    final FakeTicker ticker = new FakeTicker();

    private Director director(int capacity, Sysctls sysctls) {
        Director d = Director.builder().ticker(ticker).timerThread(false).maxConnections(capacity).sysctls(sysctls)
                .random(new SplittableRandom(7)).schedulers(SchedulerRegistry.of(new Rotating.Provider())).build();
        d.addService(ServiceConfig.builder(SVC).scheduler("rot").build());
        d.addRealServer(SVC, RealServerConfig.builder(new InetSocketAddress("10.0.0.2", 80)).method(ForwardingMethod.MASQ).build());
        return d;
    }

    private static InetSocketAddress client(int i) {
        return new InetSocketAddress("198.51." + (i >> 16 & 0xFF) + "." + (i >> 8 & 0xFF), 1024 + (i & 0xFF));
    }

    @Test
    void synFloodOnAFullTableKeepsEstablishedFlows() {
        try (Director d = director(1024, Sysctls.DEFAULT.withDropEntry(1))) {
            List<Connection> established = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                Connection c = d.connect(Protocol.TCP, new InetSocketAddress("172.25.0.100", 2000 + i), VIP).orElseThrow();
                c.established();
                for (int p = 0; p < 20; p++) {
                    c.packetIn(FLAG_ACK, 100);
                }
                established.add(c);
            }
            int accepted = 0;
            for (int second = 0; second < 30; second++) {
                for (int i = 0; i < 300; i++) {
                    if (d.connect(Protocol.TCP, client(second * 300 + i), VIP).isPresent()) {
                        accepted++;
                    }
                }
                for (Connection c : established) {
                    c.packetIn(FLAG_ACK, 100); // the real users keep talking
                }
                ticker.advanceSeconds(1);
                d.runTimers();
            }
            assertTrue(d.refusedConnections() > 0, "the flood filled the table");
            assertTrue(d.droppedEntries() > 0, "drop_entry removed half-open entries");
            assertTrue(accepted > 1024, "dropping made room for new connections: " + accepted);
            for (Connection c : established) {
                assertFalse(c.isExpired());
                assertEquals(ConnectionState.ESTABLISHED, c.state());
            }
            assertTrue(d.connectionCount() <= 1024);
        }
    }

    @Test
    void autoModesSwitchWithPressure() {
        try (Director d = director(160, new Sysctls(false, false, 1, false, 1, 1, 1, 10))) {
            for (int i = 0; i < 155; i++) {
                d.connect(Protocol.TCP, client(i), VIP).orElseThrow().established();
            }
            ticker.advanceSeconds(1);
            d.runTimers();
            assertEquals(2, d.sysctls().secureTcp());
            assertEquals(2, d.sysctls().dropPacket());
            int dropped = 0;
            for (int i = 0; i < 3; i++) {
                if (d.connect(Protocol.TCP, client(1000 + i), VIP).isEmpty()) {
                    dropped++;
                }
            }
            // amemthresh 10, availmem 5: rate 10/(10-5) = 2 -> every 2nd new connection dropped
            assertTrue(dropped >= 1);
            assertEquals(dropped, d.droppedPackets());
            ticker.advanceSeconds(3600);
            d.runTimers();
            d.runTimers();
            ticker.advanceSeconds(1);
            d.runTimers();
            assertEquals(1, d.sysctls().secureTcp(), "pressure gone: back to auto");
            assertEquals(1, d.sysctls().dropPacket());
        }
    }

    @Test
    void ipv4LookupFindsTheFlowWithoutSocketAddresses() {
        try (Director d = director(1024, Sysctls.DEFAULT)) {
            Connection c = d.connect(Protocol.TCP, new InetSocketAddress("172.25.0.100", 40000), VIP).orElseThrow();
            assertSame(c, d.lookup(Protocol.TCP, 0xAC190064, 40000, 0xAC19000A, 80));
            assertNull(d.lookup(Protocol.TCP, 0xAC190064, 40001, 0xAC19000A, 80));
            assertNull(d.lookup(Protocol.UDP, 0xAC190064, 40000, 0xAC19000A, 80));
            assertEquals(0xAC190064, c.clientAddressV4());
            assertEquals(new InetSocketAddress("172.25.0.100", 40000), c.client());
        }
    }

    @Test
    void ipv6Flows() {
        try (Director d = Director.builder().ticker(ticker).timerThread(false)
                .schedulers(SchedulerRegistry.of(new Rotating.Provider())).build()) {
            InetSocketAddress vip6 = new InetSocketAddress("2001:db8::80", 80);
            ServiceKey svc = ServiceKey.of(Protocol.TCP, vip6);
            d.addService(ServiceConfig.builder(svc).scheduler("rot").build());
            d.addRealServer(svc, RealServerConfig.builder(new InetSocketAddress("2001:db8::2", 8080)).method(ForwardingMethod.MASQ).build());
            InetSocketAddress client = new InetSocketAddress("2001:db8::100", 5555);
            Connection c = d.connect(Protocol.TCP, client, vip6).orElseThrow();
            assertFalse(c.isIpv4Flow());
            assertEquals(client, c.client());
            assertEquals(new InetSocketAddress("2001:db8::2", 8080), c.destination());
            assertSame(c, d.lookup(Protocol.TCP, client, vip6));
            assertNotNull(d.connect(Protocol.TCP, client, vip6).orElseThrow());
            assertEquals(1, d.connectionCount());
        }
    }

    @Test
    void dropEntryTakesUnassuredTemplatesThatControlNothing() {
        try (Director d = Director.builder().ticker(ticker).timerThread(false).maxConnections(64)
                .sysctls(Sysctls.DEFAULT.withDropEntry(3)).random(new SplittableRandom(3))
                .schedulers(SchedulerRegistry.of(new Rotating.Provider())).build()) {
            d.addService(ServiceConfig.builder(SVC).scheduler("rot").persistent(3600).build());
            d.addRealServer(SVC, RealServerConfig.builder(new InetSocketAddress("10.0.0.2", 80)).method(ForwardingMethod.MASQ).build());
            List<Connection> assured = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                Connection c = d.connect(Protocol.TCP, new InetSocketAddress("198.51.100." + (i + 1), 1000), VIP).orElseThrow();
                if (i < 20) {
                    c.established(); // its template becomes ASSURED
                    assured.add(c);
                }
                c.close();
            }
            ticker.advanceSeconds(121); // the connections are gone; 40 templates remain, 20 assured
            d.runTimers();
            assertEquals(0, d.connectionCount());
            for (int second = 0; second < 200; second++) {
                ticker.advanceSeconds(1);
                d.runTimers();
            }
            long templates = d.connections().stream().filter(Connection::isTemplate).count();
            assertEquals(20, templates, "every unassured template dropped, every assured one kept");
            assertTrue(d.connections().stream().filter(Connection::isTemplate)
                    .allMatch(t -> t.state() == ConnectionState.ASSURED));
            assertEquals(20, d.droppedEntries());
        }
    }
}
