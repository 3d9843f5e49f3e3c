package io.jlvs.core;

import static io.jlvs.core.conn.TcpEvent.FLAG_ACK;
import static io.jlvs.core.conn.TcpEvent.FLAG_FIN;
import static io.jlvs.core.conn.TcpEvent.FLAG_RST;
import static io.jlvs.core.conn.TcpEvent.FLAG_SYN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jlvs.core.conn.ConnectionState;
import io.jlvs.core.conn.Sysctls;
import io.jlvs.core.scheduler.SchedulerRegistry;
import io.jlvs.core.stats.StatsSnapshot;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** State sequences of §4.4 through the Connection API, counters, timeouts, reuse and no-dest rules. */
class ConnectionLifecycleTest {
    static final InetSocketAddress VIP = new InetSocketAddress("172.25.0.10", 80);
    static final ServiceKey SVC = ServiceKey.of(Protocol.TCP, VIP);
    static final InetSocketAddress RS1 = new InetSocketAddress("10.0.0.2", 80);
    static final InetSocketAddress RS2 = new InetSocketAddress("10.0.0.3", 80);

    final FakeTicker ticker = new FakeTicker();
    final Director director = Director.builder().ticker(ticker).timerThread(false)
            .schedulers(SchedulerRegistry.of(new Rotating.Provider())).build();

    @AfterEach
    void close() {
        director.close();
    }

    private RealServer setUp(ForwardingMethod method) {
        director.addService(ServiceConfig.builder(SVC).scheduler("rot").build());
        return director.addRealServer(SVC, RealServerConfig.builder(RS1).method(method).build());
    }

    private Connection connect(int port) {
        return director.connect(Protocol.TCP, new InetSocketAddress("172.25.0.100", port), VIP).orElseThrow();
    }

    private long remainingSeconds(Connection c) {
        return c.remainingNanos(ticker.read()) / 1_000_000_000L;
    }

    @Test
    void natClientClosesFirst() {
        RealServer rs = setUp(ForwardingMethod.MASQ);
        Connection c = connect(40000);
        assertEquals(ConnectionState.SYN_RECV, c.state());
        assertEquals(60, remainingSeconds(c));
        c.packetOut(FLAG_SYN | FLAG_ACK, 60);
        assertEquals(ConnectionState.SYN_RECV, c.state());
        c.packetIn(FLAG_ACK, 52);
        assertEquals(ConnectionState.ESTABLISHED, c.state());
        assertEquals(900, remainingSeconds(c));
        assertEquals(1, rs.activeConnections());
        c.packetIn(FLAG_FIN | FLAG_ACK, 52);
        assertEquals(ConnectionState.CLOSE_WAIT, c.state());
        assertEquals(0, rs.activeConnections());
        assertEquals(1, rs.inactiveConnections());
        c.packetOut(FLAG_FIN | FLAG_ACK, 52);
        assertEquals(ConnectionState.TIME_WAIT, c.state());
        c.packetIn(FLAG_ACK, 52);
        assertEquals(ConnectionState.TIME_WAIT, c.state());
        assertEquals(120, remainingSeconds(c));
        assertEquals(new StatsSnapshot(1, 3, 2, 156, 112), rs.stats().snapshot());
        assertEquals(new StatsSnapshot(1, 3, 2, 156, 112), director.stats().snapshot());
        assertEquals(rs.stats().snapshot(), rs.service().stats().snapshot());
    }

    @Test
    void natServerClosesFirst() {
        setUp(ForwardingMethod.MASQ);
        Connection c = connect(40000);
        c.packetIn(FLAG_ACK, 52);
        c.packetOut(FLAG_FIN, 52);
        assertEquals(ConnectionState.FIN_WAIT, c.state());
        director.setTimeouts(new Timeouts(0, 30, 0));
        c.packetIn(FLAG_FIN, 52);
        assertEquals(ConnectionState.TIME_WAIT, c.state());
    }

    @Test
    void directRoutingUsesTheInputOnlyRows() {
        RealServer rs = setUp(ForwardingMethod.ROUTE);
        Connection c = connect(40000);
        c.packetIn(FLAG_ACK, 52);
        assertEquals(ConnectionState.ESTABLISHED, c.state());
        c.packetIn(FLAG_FIN | FLAG_ACK, 52);
        assertEquals(ConnectionState.FIN_WAIT, c.state(), "DR connections linger in FIN_WAIT");
        assertEquals(120, remainingSeconds(c));
        assertEquals(1, rs.inactiveConnections());
        assertEquals(0, rs.stats().snapshot().outPackets());
        c.packetIn(FLAG_RST, 40);
        assertEquals(ConnectionState.CLOSE, c.state());
        assertEquals(10, remainingSeconds(c));
    }

    @Test
    void secureTcpWaitsForTheRealServerBeforeEstablished() {
        setUp(ForwardingMethod.MASQ);
        director.setSysctls(Sysctls.DEFAULT.withSecureTcp(3));
        Connection c = connect(40000);
        c.packetIn(FLAG_ACK, 52);
        assertEquals(ConnectionState.SYN_RECV, c.state(), "client ACK alone does not establish");
        c.packetOut(FLAG_SYN | FLAG_ACK, 60);
        assertEquals(ConnectionState.SYNACK, c.state());
        c.packetOut(FLAG_ACK, 52);
        assertEquals(ConnectionState.ESTABLISHED, c.state());
    }

    @Test
    void packetWithoutFlagsCloses() {
        setUp(ForwardingMethod.MASQ);
        Connection c = connect(40000);
        c.packetIn(0, 40);
        assertEquals(ConnectionState.CLOSE, c.state());
    }

    @Test
    void proxyEventsMapOntoTheTable() {
        RealServer rs = setUp(ForwardingMethod.MASQ);
        Connection a = connect(40000);
        a.established();
        assertEquals(ConnectionState.ESTABLISHED, a.state());
        a.clientClosed();
        assertEquals(ConnectionState.CLOSE_WAIT, a.state());
        a.serverClosed();
        assertEquals(ConnectionState.TIME_WAIT, a.state());

        Connection b = connect(40001);
        b.established();
        b.close();
        assertEquals(ConnectionState.TIME_WAIT, b.state());

        Connection r = connect(40002);
        r.established();
        r.reset(false);
        assertEquals(ConnectionState.CLOSE, r.state());
        assertEquals(0, rs.activeConnections());
        assertEquals(3, rs.inactiveConnections());

        director.setSysctls(Sysctls.DEFAULT.withSecureTcp(2));
        Connection s = connect(40003);
        s.established();
        assertEquals(ConnectionState.ESTABLISHED, s.state(), "also reached under secure_tcp");
    }

    @Test
    void synOnTimeWaitEntryIsRescheduledUnlessConnReuseModeIsZero() {
        setUp(ForwardingMethod.MASQ);
        RealServer rs2 = director.addRealServer(SVC, RealServerConfig.builder(RS2).method(ForwardingMethod.MASQ).build());
        Connection first = connect(40000);
        first.established();
        first.close();
        Connection second = connect(40000);
        assertNotSame(first, second);
        assertTrue(first.isExpired());
        assertEquals(ConnectionState.SYN_RECV, second.state());
        assertNotSame(first.realServer(), second.realServer(), "rescheduled, not stuck to the old server");

        second.established();
        second.close();
        director.setSysctls(Sysctls.DEFAULT.withConnReuseMode(0));
        assertSame(second, connect(40000));
        assertTrue(rs2.activeConnections() + rs2.inactiveConnections() <= 1);
    }

    @Test
    void deletedRealServerDropsOrExpiresItsFlows() {
        setUp(ForwardingMethod.MASQ);
        director.addRealServer(SVC, RealServerConfig.builder(RS2).method(ForwardingMethod.MASQ).build());
        Connection c = connect(40000);
        c.established();
        director.deleteRealServer(SVC, c.realServer().address());
        assertTrue(director.connect(Protocol.TCP, c.client(), VIP).isEmpty(), "packets of a deleted server are dropped");
        director.setSysctls(Sysctls.DEFAULT.withExpireNodestConn(true));
        Connection again = connect(40000);
        assertTrue(c.isExpired());
        assertNotSame(c.realServer(), again.realServer());
    }

    @Test
    void quiescedServerReschedulesNewSynWithExpireNodestConn() {
        RealServer rs1 = setUp(ForwardingMethod.MASQ);
        director.addRealServer(SVC, RealServerConfig.builder(RS2).method(ForwardingMethod.MASQ).build());
        Connection c = connect(40000);
        c.established();
        director.editRealServer(SVC, c.realServer().config().toBuilder().weight(0).build());
        assertSame(c, connect(40000), "weight 0 alone keeps existing flows");
        director.setSysctls(Sysctls.DEFAULT.withExpireNodestConn(true));
        assertNotSame(c, connect(40000));
        assertTrue(rs1.isAvailable());
    }

    @Test
    void timersFollowTheStateTimeouts() {
        RealServer rs = setUp(ForwardingMethod.MASQ);
        Connection c = connect(40000);
        c.established();
        ticker.advanceSeconds(899);
        director.runTimers();
        assertFalse(c.isExpired());
        c.packetIn(FLAG_ACK, 52); // every packet re-arms the timer
        ticker.advanceSeconds(899);
        director.runTimers();
        assertFalse(c.isExpired());
        ticker.advanceSeconds(1);
        director.runTimers();
        assertTrue(c.isExpired());
        assertEquals(0, rs.activeConnections());
    }

    @Test
    void anEntryMadeAfterAnIdleSpellExpiresAtTheFirstTimerRunAfterItsDeadline() {
        Director small = Director.builder().ticker(ticker).timerThread(false).maxConnections(1000)
                .schedulers(SchedulerRegistry.of(new Rotating.Provider())).build();
        try {
            small.addService(ServiceConfig.builder(SVC).scheduler("rot").build());
            small.addRealServer(SVC, RealServerConfig.builder(RS1).method(ForwardingMethod.MASQ).build());
            for (int i = 0; i < 25; i++) { // 2.5 s of 100 ms timer runs over an empty table
                ticker.advanceNanos(100_000_000L);
                small.runTimers();
            }
            Connection c = small.connect(Protocol.TCP, new InetSocketAddress("172.25.0.100", 40000), VIP).orElseThrow();
            assertEquals(ConnectionState.SYN_RECV, c.state()); // 60 s
            long ms = 0;
            while (!c.isExpired() && ms < 62_000) {
                ticker.advanceNanos(100_000_000L);
                ms += 100;
                small.runTimers();
            }
            assertEquals(60_000, ms, "timeout 60 s, timer every 100 ms");
        } finally {
            small.close();
        }
    }

    @Test
    void onlySynCreatesUnlessSloppyTcp() {
        RealServer rs = setUp(ForwardingMethod.ROUTE);
        InetSocketAddress client = new InetSocketAddress("172.25.0.100", 40000);
        assertTrue(director.connect(Protocol.TCP, client, VIP, 0, FLAG_ACK).isEmpty(), "an ACK of an unknown flow");
        assertTrue(director.connect(Protocol.TCP, client, VIP, 0, FLAG_RST | FLAG_SYN).isEmpty());
        director.setSysctls(Sysctls.DEFAULT.withSloppyTcp(true));
        Connection c = director.connect(Protocol.TCP, client, VIP, 0, FLAG_ACK).orElseThrow();
        assertEquals(ConnectionState.ESTABLISHED, c.state(), "picked up mid-stream after a failover");
        assertEquals(1, rs.activeConnections());
        assertTrue(director.connect(Protocol.TCP, new InetSocketAddress("172.25.0.100", 40001), VIP, 0, FLAG_RST).isEmpty());
        assertSame(c, director.connect(Protocol.TCP, client, VIP, 0, FLAG_RST).orElseThrow(), "known flows are found");
    }
}
