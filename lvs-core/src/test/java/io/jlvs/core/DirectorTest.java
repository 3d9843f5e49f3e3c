package io.jlvs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jlvs.core.conn.ConnectionState;
import io.jlvs.core.scheduler.SchedulerRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DirectorTest {
    static final InetSocketAddress VIP = new InetSocketAddress("172.25.0.10", 80);
    static final ServiceKey SVC = ServiceKey.of(Protocol.TCP, VIP);
    static final InetSocketAddress RS1 = new InetSocketAddress("10.0.0.2", 80);
    static final InetSocketAddress RS2 = new InetSocketAddress("10.0.0.3", 80);

    final FakeTicker ticker = new FakeTicker();
    final Director director = Director.builder().ticker(ticker).timerThread(false)
            .schedulers(SchedulerRegistry.of(new FirstAvailable.Provider("first"), new FirstAvailable.Provider("other")))
            .maxConnections(1000).build();

    @AfterEach
    void close() {
        director.close();
    }

    private VirtualService service() {
        return director.addService(ServiceConfig.builder(SVC).scheduler("first").build());
    }

    private RealServer add(InetSocketAddress rs, int weight) {
        return director.addRealServer(SVC, RealServerConfig.builder(rs).method(ForwardingMethod.MASQ).weight(weight).build());
    }

    private static InetSocketAddress client(int port) {
        return new InetSocketAddress("172.25.0.100", port);
    }

    @Test
    void generationMovesWithEveryConfigurationChangeAndNothingElse() throws Exception {
        List<Long> told = new java.util.ArrayList<>();
        AutoCloseable listening = director.onChange(() -> told.add(director.generation()));
        director.onChange(() -> {
            throw new IllegalStateException("a broken listener changes nothing"); // logged
        });
        long g = director.generation();
        service();
        add(RS1, 1);
        add(RS2, 1);
        director.editRealServer(SVC, RealServerConfig.builder(RS1).method(ForwardingMethod.MASQ).weight(0).build());
        director.editService(ServiceConfig.builder(SVC).scheduler("other").build());
        director.deleteRealServer(SVC, RS2);
        assertEquals(List.of(g + 1, g + 2, g + 3, g + 4, g + 5, g + 6), told, "once per change, after it");
        assertEquals(List.of(RS1), director.services().get(0).realServers().stream().map(RealServer::address).toList(),
                "the changes stand");

        long before = director.generation();
        assertThrows(IpvsadmException.class, () -> add(RS1, 3)); // refused: nothing changed
        director.editRealServer(SVC, RealServerConfig.builder(RS1).method(ForwardingMethod.MASQ).weight(1).build());
        director.connect(Protocol.TCP, client(40000), VIP).orElseThrow();
        director.zero();
        director.setTimeouts(new Timeouts(900, 120, 300));
        director.setSysctls(director.sysctls().withExpireNodestConn(true));
        ticker.advanceSeconds(3);
        director.runTimers();
        assertEquals(before + 1, director.generation(), "only the weight edit counts");

        listening.close();
        director.deleteService(SVC);
        assertEquals(before + 2, director.generation());
        assertEquals(7, told.size(), "a closed handle hears nothing more");
        director.close();
        assertEquals(before + 3, director.generation(), "close drops the configuration");
    }

    @Test
    void newRealServersGoToTheHeadOfTheList() {
        VirtualService svc = service();
        RealServer a = add(RS1, 5);
        RealServer b = add(RS2, 10);
        assertEquals(List.of(b, a), svc.realServers());
        FirstAvailable sched = (FirstAvailable) svc.scheduler();
        assertEquals("init(0) added(0/1) added(0/2) ", sched.calls.toString());
        director.deleteRealServer(SVC, RS2);
        assertEquals("init(0) added(0/1) added(0/2) removed(0/1) ", sched.calls.toString());
        assertEquals(List.of(a), svc.realServers());
        assertFalse(b.isAvailable());
    }

    @Test
    void errorsUseIpvsadmTextAndChangeNothing() {
        service();
        add(RS1, 1);
        String before = describe();
        assertEquals("Service already exists",
                assertThrows(IpvsadmException.class, this::service).getMessage());
        ServiceKey other = ServiceKey.of(Protocol.UDP, VIP);
        assertEquals("No such service", assertThrows(IpvsadmException.class,
                () -> director.editService(ServiceConfig.builder(other).scheduler("first").build())).getMessage());
        assertEquals("No such service", assertThrows(IpvsadmException.class, () -> director.deleteService(other)).getMessage());
        assertEquals("Service not defined", assertThrows(IpvsadmException.class,
                () -> director.addRealServer(other, RealServerConfig.builder(RS1).build())).getMessage());
        assertEquals("Destination already exists", assertThrows(IpvsadmException.class, () -> add(RS1, 3)).getMessage());
        assertEquals("No such destination", assertThrows(IpvsadmException.class,
                () -> director.deleteRealServer(SVC, RS2)).getMessage());
        assertEquals("No such destination", assertThrows(IpvsadmException.class,
                () -> director.editRealServer(SVC, RealServerConfig.builder(RS2).build())).getMessage());
        IpvsadmException unknown = assertThrows(IpvsadmException.class,
                () -> director.editService(ServiceConfig.builder(SVC).scheduler("nosuch").build()));
        assertEquals("Scheduler or persistence engine not found (scheduler 'nosuch' is not one of: first none other)",
                unknown.getMessage());
        assertEquals(before, describe());
    }

    private String describe() {
        StringBuilder sb = new StringBuilder();
        for (VirtualService s : director.services()) {
            sb.append(s.config()).append(s.realServers().stream().map(RealServer::config).toList()).append('\n');
        }
        return sb.toString();
    }

    @Test
    void rulesOfTheConfigurationBuilders() {
        assertEquals("Zero port specified for non-persistent service", assertThrows(IpvsadmException.class,
                () -> ServiceConfig.builder(ServiceKey.of(Protocol.TCP, VIP.getAddress(), 0)).build()).getMessage());
        assertEquals("One-Packet Scheduling is only for UDP virtual services", assertThrows(IpvsadmException.class,
                () -> ServiceConfig.builder(SVC).onePacket(true).build()).getMessage());
        assertEquals("Tunnel options conflict with forward method", assertThrows(IpvsadmException.class,
                () -> RealServerConfig.builder(RS1).tunnelType(TunnelType.GUE).tunnelPort(6080).build()).getMessage());
        assertThrows(IpvsadmException.class, () -> RealServerConfig.builder(RS1).weight(65536));
        assertThrows(IpvsadmException.class, () -> RealServerConfig.builder(RS1).lowerThreshold(5).build());
        RealServerConfig defaults = RealServerConfig.builder(RS1).build();
        assertEquals(ForwardingMethod.ROUTE, defaults.method());
        assertEquals(1, defaults.weight());
        ServiceConfig svc = ServiceConfig.builder(SVC).persistent().build();
        assertEquals("wlc", svc.scheduler());
        assertEquals(360, svc.persistenceTimeout());
    }

    @Test
    void editKeepsTheSchedulerUnlessItsNameChanges() {
        VirtualService svc = service();
        var first = svc.scheduler();
        director.editService(ServiceConfig.builder(SVC).scheduler("first").persistent(600).build());
        assertSame(first, svc.scheduler());
        director.editService(ServiceConfig.builder(SVC).scheduler("other").build());
        assertNotSame(first, svc.scheduler());
        assertTrue(((FirstAvailable) first).calls.toString().endsWith("done "));
    }

    @Test
    void tcpStartsActiveAndCloseMovesItToInactiveUntilItExpires() {
        service();
        RealServer rs = add(RS1, 1);
        Connection c = director.connect(Protocol.TCP, client(40000), VIP).orElseThrow();
        assertSame(rs, c.realServer());
        assertEquals(RS1, c.destination());
        assertEquals(1, rs.activeConnections());
        assertEquals(0, rs.inactiveConnections());
        assertEquals(1, rs.stats().snapshot().connections());
        assertEquals(1, director.stats().snapshot().connections());
        c.close();
        assertEquals(ConnectionState.TIME_WAIT, c.state());
        assertEquals(0, rs.activeConnections());
        assertEquals(1, rs.inactiveConnections());
        ticker.advanceSeconds(119);
        director.runTimers();
        assertEquals(1, director.connections().size());
        ticker.advanceSeconds(1);
        director.runTimers();
        assertTrue(c.isExpired());
        assertEquals(0, director.connections().size());
        assertEquals(0, rs.inactiveConnections());
    }

    @Test
    void udpConnectionsAreInactiveAndUseTheUdpTimeout() {
        ServiceKey udp = ServiceKey.of(Protocol.UDP, VIP.getAddress(), 53);
        director.addService(ServiceConfig.builder(udp).scheduler("first").build());
        RealServer rs = director.addRealServer(udp, RealServerConfig.builder(new InetSocketAddress("10.0.0.2", 53)).build());
        director.setTimeouts(new Timeouts(0, 0, 30));
        assertEquals(new Timeouts(900, 120, 30), director.timeouts());
        Connection c = director.connect(Protocol.UDP, client(5353), new InetSocketAddress(VIP.getAddress(), 53)).orElseThrow();
        assertEquals(ConnectionState.UDP, c.state());
        assertEquals(0, rs.activeConnections());
        assertEquals(1, rs.inactiveConnections());
        ticker.advanceSeconds(30);
        director.runTimers();
        assertEquals(0, rs.inactiveConnections());
    }

    @Test
    void sameFlowFindsItsConnection() {
        service();
        add(RS1, 1);
        Connection c = director.connect(Protocol.TCP, client(40000), VIP).orElseThrow();
        assertSame(c, director.connect(Protocol.TCP, client(40000), VIP).orElseThrow());
        assertEquals(1, director.connections().size());
    }

    @Test
    void noServiceNoServerOrNoneSchedulerGivesEmpty() {
        assertEquals(Optional.empty(), director.connect(Protocol.TCP, client(1), VIP));
        service();
        assertEquals(Optional.empty(), director.connect(Protocol.TCP, client(1), VIP));
        RealServer rs = add(RS1, 0);
        assertEquals(Optional.empty(), director.connect(Protocol.TCP, client(1), VIP), "weight 0 is quiescent");
        director.editRealServer(SVC, rs.config().toBuilder().weight(1).build());
        assertTrue(director.connect(Protocol.TCP, client(1), VIP).isPresent());
        director.editService(ServiceConfig.builder(SVC).scheduler("none").build());
        assertEquals(Optional.empty(), director.connect(Protocol.TCP, client(2), VIP));
    }

    @Test
    void deletedRealServerWaitsInTheTrashAndIsRevivedWithItsCounters() {
        service();
        RealServer rs = add(RS1, 1);
        director.connect(Protocol.TCP, client(1), VIP).orElseThrow();
        director.deleteRealServer(SVC, RS1);
        assertFalse(rs.isAvailable());
        assertEquals(1, rs.activeConnections(), "connections outlive the deletion");
        RealServer again = add(RS1, 7);
        assertSame(rs, again);
        assertTrue(again.isAvailable());
        assertEquals(7, again.weight());
        assertEquals(1, again.stats().snapshot().connections());
    }

    @Test
    void idleTrashIsFreedAfter120Seconds() {
        service();
        RealServer rs = add(RS1, 1);
        director.deleteRealServer(SVC, RS1);
        ticker.advanceSeconds(120);
        director.runTimers();
        assertNotSame(rs, add(RS1, 1));
    }

    @Test
    void fullTableRefusesAndCounts() {
        Director small = Director.builder().ticker(ticker).timerThread(false).maxConnections(2)
                .schedulers(SchedulerRegistry.of(new FirstAvailable.Provider("first"))).build();
        try (small) {
            small.addService(ServiceConfig.builder(SVC).scheduler("first").build());
            small.addRealServer(SVC, RealServerConfig.builder(RS1).build());
            assertTrue(small.connect(Protocol.TCP, client(1), VIP).isPresent());
            assertTrue(small.connect(Protocol.TCP, client(2), VIP).isPresent());
            assertFalse(small.connect(Protocol.TCP, client(3), VIP).isPresent());
            assertEquals(1, small.refusedConnections());
        }
    }

    @Test
    void serviceLookupOrder() throws Exception {
        InetAddress vip = VIP.getAddress();
        ServiceKey any = ServiceKey.of(Protocol.TCP, vip, 0);
        director.addService(ServiceConfig.builder(any).scheduler("first").persistent().build());
        service();
        director.addService(ServiceConfig.builder(ServiceKey.fwmark(7)).scheduler("first").build());
        assertEquals(SVC, director.findService(Protocol.TCP, vip, 80, 0).key());
        assertEquals(any, director.findService(Protocol.TCP, vip, 443, 0).key());
        assertEquals(ServiceKey.fwmark(7), director.findService(Protocol.TCP, vip, 80, 7).key());
        assertEquals(null, director.findService(Protocol.UDP, vip, 80, 0));
        ServiceKey ftp = ServiceKey.of(Protocol.TCP, InetAddress.getByName("172.25.0.11"), 21);
        director.addService(ServiceConfig.builder(ftp).scheduler("first").build());
        assertEquals(ftp, director.findService(Protocol.TCP, ftp.address(), 20, 0).key());
        assertEquals(ftp, director.findService(Protocol.TCP, ftp.address(), 40000, 0).key());
        assertEquals(null, director.findService(Protocol.TCP, ftp.address(), 80, 0));
    }

    @Test
    void upperThresholdSetsOverloadAndThreeQuartersClearsIt() {
        service();
        RealServer rs = director.addRealServer(SVC, RealServerConfig.builder(RS1).upperThreshold(8).build());
        for (int i = 0; i < 8; i++) {
            director.connect(Protocol.TCP, client(1000 + i), VIP).orElseThrow();
            assertEquals(i == 7, rs.isOverloaded(), "after " + (i + 1));
            ticker.advanceSeconds(1); // staggered, so the SYN_RECV timers (60 s) run out one by one
        }
        assertFalse(director.connect(Protocol.TCP, client(2000), VIP).isPresent(), "overloaded takes nothing new");
        ticker.advanceSeconds(60 - 8);
        // cleared when total*4 < 24: still set at 7 and 6 left, cleared at 5
        for (int left = 7; left >= 5; left--) {
            director.runTimers();
            assertEquals(left, rs.activeConnections());
            assertEquals(left == 5, !rs.isOverloaded(), "after " + left + " left");
            ticker.advanceSeconds(1);
        }
    }

    @Test
    void closeDropsEverything() {
        service();
        add(RS1, 1);
        director.connect(Protocol.TCP, client(1), VIP);
        director.close();
        assertEquals(List.of(), director.services());
        assertEquals(0, director.connections().size());
        assertThrows(IllegalStateException.class, this::service);
    }
}
