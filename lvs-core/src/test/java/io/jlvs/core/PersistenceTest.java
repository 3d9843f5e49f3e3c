package io.jlvs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jlvs.core.conn.ConnectionState;
import io.jlvs.core.conn.Sysctls;
import io.jlvs.core.scheduler.SchedulerRegistry;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Persistence templates (§4.7): keys, lifetime, re-arm, ASSURED, PersistConn, quiescence, fwmark. */
class PersistenceTest {
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

    private void persistent(int timeout, int netmask) {
        director.addService(ServiceConfig.builder(SVC).scheduler("rot").persistent(timeout).netmask(netmask).build());
        director.addRealServer(SVC, RealServerConfig.builder(RS1).method(ForwardingMethod.MASQ).build());
        director.addRealServer(SVC, RealServerConfig.builder(RS2).method(ForwardingMethod.MASQ).build());
    }

    private Connection connect(String client, int port) {
        return director.connect(Protocol.TCP, new InetSocketAddress(client, port), VIP).orElseThrow();
    }

    private List<Connection> templates() {
        return director.connections().stream().filter(Connection::isTemplate).toList();
    }

    private void advance(long seconds) {
        ticker.advanceSeconds(seconds);
        director.runTimers();
    }

    @Test
    void sameNetworkSameRealServer() {
        persistent(300, 0xFFFFFF00);
        Connection a = connect("172.25.0.100", 1000);
        Connection b = connect("172.25.0.201", 1001);
        Connection c = connect("172.25.1.100", 1002);
        assertSame(a.realServer(), b.realServer(), "same /24");
        assertNotSame(a.realServer(), c.realServer(), "other /24 scheduled afresh");
        assertEquals(2, templates().size());
        Connection t = a.template();
        assertSame(t, b.template());
        assertEquals(new InetSocketAddress("172.25.0.0", 0), t.client());
        assertEquals(VIP, t.virtualAddress());
        assertEquals(a.realServer().address(), t.destination());
        assertEquals("TCP", t.protocolName());
        assertEquals(ConnectionState.NONE, t.state());
        assertEquals(1, a.realServer().persistentConnections());
        assertEquals(2, t.controlledConnections());
    }

    @Test
    void templateBecomesAssuredWhenAConnectionIsEstablished() {
        persistent(300, -1);
        Connection a = connect("172.25.0.100", 1000);
        a.established();
        assertEquals(ConnectionState.ASSURED, a.template().state());
    }

    @Test
    void templateOutlivesShortConnectionsByTheTimeoutThenExpires() {
        persistent(300, -1);
        Connection a = connect("172.25.0.100", 1000);
        RealServer first = a.realServer();
        a.established();
        a.close(); // TIME_WAIT, 120 s
        advance(120);
        assertTrue(a.isExpired());
        assertEquals(1, templates().size());
        assertEquals(180, templates().get(0).remainingNanos(ticker.read()) / 1_000_000_000L);
        advance(179);
        assertSame(first, connect("172.25.0.100", 1001).realServer(), "still sticky, and re-armed");
        advance(299);
        assertEquals(1, templates().size());
        assertEquals(1, first.persistentConnections());
    }

    @Test
    void templateIsKeptInSixtySecondStepsWhileItControlsConnections() {
        persistent(300, -1);
        Connection a = connect("172.25.0.100", 1000);
        a.established(); // 900 s
        Connection t = a.template();
        advance(330);
        assertEquals(30, t.remainingNanos(ticker.read()) / 1_000_000_000L, "kept alive: next 60 s step");
        advance(570); // the child expires at 900 s
        assertTrue(a.isExpired());
        // timer fired at 300, re-armed 360, 420, … 900, 960
        assertEquals(60, t.remainingNanos(ticker.read()) / 1_000_000_000L);
        advance(59);
        assertEquals(1, templates().size());
        advance(1);
        assertEquals(0, templates().size());
        assertEquals(0, a.realServer().persistentConnections());
    }

    @Test
    void quiescedServerKeepsPersistentClientsUnlessExpireQuiescentTemplate() {
        persistent(300, -1);
        Connection a = connect("172.25.0.100", 1000);
        RealServer sticky = a.realServer();
        director.editRealServer(SVC, sticky.config().toBuilder().weight(0).build());
        assertSame(sticky, connect("172.25.0.100", 1001).realServer());
        director.setSysctls(Sysctls.DEFAULT.withExpireQuiescentTemplate(true));
        RealServer moved = connect("172.25.0.100", 1002).realServer();
        assertNotSame(sticky, moved);
        assertEquals(0, sticky.persistentConnections());
        assertEquals(1, moved.persistentConnections());
    }

    @Test
    void deletedServerInvalidatesItsTemplates() {
        persistent(300, -1);
        Connection a = connect("172.25.0.100", 1000);
        director.deleteRealServer(SVC, a.realServer().address());
        assertNotSame(a.realServer(), connect("172.25.0.100", 1001).realServer());
    }

    @Test
    void portZeroServiceKeepsOneRealServerAcrossPorts() throws Exception {
        ServiceKey any = ServiceKey.of(Protocol.TCP, VIP.getAddress(), 0);
        director.addService(ServiceConfig.builder(any).scheduler("rot").persistent().build());
        director.addRealServer(any, RealServerConfig.builder(new InetSocketAddress("10.0.0.2", 0)).build());
        director.addRealServer(any, RealServerConfig.builder(new InetSocketAddress("10.0.0.3", 0)).build());
        InetSocketAddress client = new InetSocketAddress("172.25.0.100", 5000);
        Connection http = director.connect(Protocol.TCP, client, new InetSocketAddress(VIP.getAddress(), 80)).orElseThrow();
        Connection https = director.connect(Protocol.TCP, client, new InetSocketAddress(VIP.getAddress(), 443)).orElseThrow();
        assertSame(http.realServer(), https.realServer());
        assertEquals(443, https.destination().getPort(), "port-0 services keep the packet's port");
        assertEquals(new InetSocketAddress(VIP.getAddress(), 0), http.template().virtualAddress());
        assertEquals(0, http.template().destination().getPort());
    }

    @Test
    void fwmarkServiceGroupsVirtualAddressesUnderOneTemplate() throws Exception {
        ServiceKey mark = ServiceKey.fwmark(1);
        director.addService(ServiceConfig.builder(mark).scheduler("rot").persistent().netmask(0xFFFFFF00).build());
        director.addRealServer(mark, RealServerConfig.builder(new InetSocketAddress("10.0.0.2", 0)).build());
        director.addRealServer(mark, RealServerConfig.builder(new InetSocketAddress("10.0.0.3", 0)).build());
        InetSocketAddress client = new InetSocketAddress("172.25.0.100", 5000);
        Connection web = director.connect(Protocol.TCP, client, new InetSocketAddress("172.25.0.10", 80), 1).orElseThrow();
        Connection mail = director.connect(Protocol.TCP, client, new InetSocketAddress("172.25.0.11", 25), 1).orElseThrow();
        assertSame(web.realServer(), mail.realServer());
        assertEquals(25, mail.destination().getPort());
        Connection t = web.template();
        web.established();
        assertEquals("IP", t.protocolName());
        assertEquals(new InetSocketAddress(InetAddress.getByName("0.0.0.1"), 0), t.virtualAddress());
        assertEquals(new InetSocketAddress("172.25.0.0", 0), t.client());
        assertEquals(new InetSocketAddress(web.realServer().address().getAddress(), 0), t.destination());
        assertEquals(ConnectionState.ASSURED, t.state());
    }

    @Test
    void connectionListingShowsTheTemplateLine() {
        director.addService(ServiceConfig.builder(SVC).scheduler("rot").persistent(300).build());
        director.addRealServer(SVC, RealServerConfig.builder(RS1).method(ForwardingMethod.MASQ).build());
        director.addRealServer(SVC, RealServerConfig.builder(RS2).method(ForwardingMethod.MASQ).build());
        Connection c = connect("172.25.0.100", 51234);
        ticker.advanceNanos(1_500_000_000L);
        // reference §2.7, persistent service: a template line plus the real connection
        assertEquals("""
                IPVS connection entries
                pro expire state       source             virtual            destination
                TCP 04:58  NONE        172.25.0.100:0     172.25.0.10:80     10.0.0.3:80
                TCP 00:58  SYN_RECV    172.25.0.100:51234 172.25.0.10:80     10.0.0.3:80
                """, director.ipvsadm("-Lnc"));
        c.established();
        ticker.advanceNanos(500_000_000L);
        // §2.7's example prints NONE beside an ESTABLISHED child, but §4.7 (and its own fwmark
        // example) make the template ASSURED once a child is established; we follow §4.7.
        assertEquals("""
                IPVS connection entries
                pro expire state       source             virtual            destination
                TCP 04:58  ASSURED     172.25.0.100:0     172.25.0.10:80     10.0.0.3:80
                TCP 14:59  ESTABLISHED 172.25.0.100:51234 172.25.0.10:80     10.0.0.3:80
                """, director.ipvsadm("-Lnc"));
    }

    @Test
    void fwmarkTemplateListsAsIpWithTheMarkAsVirtualAddress() {
        ServiceKey mark = ServiceKey.fwmark(1);
        director.addService(ServiceConfig.builder(mark).scheduler("rot").persistent(300).netmask(0xFFFFFF00).build());
        director.addRealServer(mark, RealServerConfig.builder(new InetSocketAddress("10.0.0.2", 0)).build());
        Connection c = director.connect(Protocol.TCP, new InetSocketAddress("172.25.0.100", 40000), VIP, 1).orElseThrow();
        c.established();
        ticker.advanceNanos(500_000_000L);
        String listing = director.ipvsadm("-Lnc");
        assertTrue(listing.contains("IP  04:59  ASSURED     172.25.0.0:0       0.0.0.1:0          10.0.0.2:0\n"), listing);
    }
}
