package io.jlvs.core;

import io.jlvs.core.conn.ConnectionState;
import io.jlvs.core.conn.Direction;
import io.jlvs.core.conn.TcpEvent;
import io.jlvs.core.conn.TcpStateTable;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * One flow through the director (the kernel's {@code ip_vs_conn}), or a persistence template:
 * client, virtual address, the real server it is bound to, its protocol state and its expiry
 * timer. A connection counts in its real server's ActiveConn or InActConn column according to its
 * state (templates count in PersistConn), and stays in the table ({@code ipvsadm -Lnc}) until its
 * timer runs out.
 *
 * <h2>Feeding the state machine</h2>
 * A <b>packet</b> data plane reports every packet with {@link #packetIn(int, int)} and
 * {@link #packetOut(int, int)} (TCP flags and length); the kernel's TCP table (§4.4, and the
 * {@code secure_tcp} variant) decides the state, and each packet re-arms the timer. A <b>proxy</b>
 * data plane has no segments, only socket events, mapped onto the same table:
 * <table>
 *   <caption>socket events and the segments they stand for</caption>
 *   <tr><th>event</th><th>method</th><th>fed as</th></tr>
 *   <tr><td>client accepted</td><td>{@link Director#connect}</td><td>IN SYN (→ SYN_RECV)</td></tr>
 *   <tr><td>backend connected</td><td>{@link #established()}</td><td>OUT SYN, IN ACK, OUT ACK (→ ESTABLISHED, also under secure_tcp)</td></tr>
 *   <tr><td>client half-closed (EOF read)</td><td>{@link #clientClosed()}</td><td>IN FIN</td></tr>
 *   <tr><td>real server half-closed</td><td>{@link #serverClosed()}</td><td>OUT FIN</td></tr>
 *   <tr><td>reset by client / server</td><td>{@link #reset(boolean)}</td><td>IN RST / OUT RST</td></tr>
 *   <tr><td>both sides done</td><td>{@link #close()}</td><td>IN FIN, OUT FIN for whichever side has not closed (→ TIME_WAIT)</td></tr>
 * </table>
 * UDP has one state and only re-arms its timer.
 *
 * <h2>Memory</h2>
 * An IPv4 flow is stored in primitive fields (about 64 bytes with compressed references); its
 * socket addresses are made on demand for listings. IPv6 flows and templates keep theirs in a
 * side object.
 *
 * <p>Threading: a connection is driven by one data-path thread at a time (the thread that owns
 * the flow); listing threads may read it concurrently (state and deadline are volatile).
 */
public final class Connection implements AutoCloseable {
    private static final long NANOS = 1_000_000_000L;
    private static final ConnectionState[] STATES = ConnectionState.values();
    private static final Protocol[] PROTOCOLS = Protocol.values();
    private static final byte NO_OUTPUT = 1;
    private static final byte CLIENT_FIN = 2;
    private static final byte SERVER_FIN = 4;
    /** {@link #wheelTick} of an entry in no timer list (above every tick, see {@link ExpiryWheel#arm}). */
    static final long NOT_QUEUED = Long.MAX_VALUE;

    /** Addresses of an IPv6 flow. */
    private record Ipv6Endpoints(InetSocketAddress client, InetSocketAddress virtualAddress) {
    }

    /** What only a template has. Guarded by the template's monitor where mutable. */
    static final class TemplateData {
        final long fwmark;
        final InetSocketAddress client;
        final InetSocketAddress virtualAddress;
        final InetSocketAddress destination;
        Object key;
        int controlled;
        long timeoutNanos;

        TemplateData(long fwmark, InetSocketAddress client, InetSocketAddress virtualAddress,
                InetSocketAddress destination, long timeoutNanos) {
            this.fwmark = fwmark;
            this.client = client;
            this.virtualAddress = virtualAddress;
            this.destination = destination;
            this.timeoutNanos = timeoutNanos;
        }
    }

    private final ConnectionTable table;
    private final RealServer realServer;
    private final Connection template;
    /** {@code null} for an IPv4 flow; {@link Ipv6Endpoints} or {@link TemplateData} otherwise. */
    private final Object ext;
    private final int clientV4;
    private final int virtualV4;
    private final char clientPort;
    private final char virtualPort;
    private final char destinationPort;
    private final byte protocol;
    private volatile byte state;
    private byte flags;
    /** Incoming packets, saturating at 127: the drop_entry rule looks at the first few. */
    private byte inPackets;
    private volatile boolean expired;
    private volatile long expiresAtNanos;
    /** Next entry of the same hash bucket; written under the bucket's stripe lock. */
    volatile Connection next;
    /** The {@link ExpiryWheel} tick whose list holds the entry, or {@link #NOT_QUEUED}; written under that list's lock. */
    volatile long wheelTick = NOT_QUEUED;
    /** Neighbours in the wheel's list; under the list's lock. */
    Connection wheelPrev;
    Connection wheelNext;

    /** A flow. */
    Connection(ConnectionTable table, Protocol protocol, InetSocketAddress client, InetSocketAddress virtualAddress,
            int destinationPort, RealServer realServer, ConnectionState state, Connection template) {
        this.table = table;
        this.protocol = (byte) protocol.ordinal();
        this.realServer = realServer;
        this.template = template;
        this.clientPort = (char) client.getPort();
        this.virtualPort = (char) virtualAddress.getPort();
        this.destinationPort = (char) destinationPort;
        if (client.getAddress() instanceof Inet4Address c && virtualAddress.getAddress() instanceof Inet4Address v) {
            this.clientV4 = ipv4(c);
            this.virtualV4 = ipv4(v);
            this.ext = null;
        } else {
            this.clientV4 = 0;
            this.virtualV4 = 0;
            this.ext = new Ipv6Endpoints(client, virtualAddress);
        }
        this.state = (byte) state.ordinal();
        this.flags = realServer.method() != ForwardingMethod.MASQ ? NO_OUTPUT : 0;
    }

    /** A persistence template. */
    Connection(ConnectionTable table, Protocol protocol, long fwmark, InetSocketAddress clientNet,
            InetSocketAddress virtualAddress, InetSocketAddress destination, RealServer realServer, long timeoutNanos) {
        this.table = table;
        this.protocol = (byte) protocol.ordinal();
        this.realServer = realServer;
        this.template = null;
        this.ext = new TemplateData(fwmark, clientNet, virtualAddress, destination, timeoutNanos);
        this.clientV4 = 0;
        this.virtualV4 = 0;
        this.clientPort = 0;
        this.virtualPort = (char) virtualAddress.getPort();
        this.destinationPort = (char) destination.getPort();
        this.state = (byte) ConnectionState.NONE.ordinal();
    }

    static int ipv4(InetAddress a) {
        if (a instanceof Inet4Address) {
            // OpenJDK's Inet4Address.hashCode() is the address itself; getAddress() would copy it
            // into a new array on every lookup (ConnectionTest pins this down)
            return a.hashCode();
        }
        byte[] b = a.getAddress();
        return (b[0] & 0xFF) << 24 | (b[1] & 0xFF) << 16 | (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
    }

    static InetAddress ipv4(int a) {
        try {
            return InetAddress.getByAddress(new byte[] {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a});
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** @return the connection's protocol (for a firewall-mark template: the protocol of the packet that made it) */
    public Protocol protocol() {
        return PROTOCOLS[protocol];
    }

    /** @return the protocol column of {@code -Lnc}: {@code TCP}, {@code UDP}, {@code SCTP}, or {@code IP} for firewall-mark templates */
    public String protocolName() {
        return ext instanceof TemplateData t && t.fwmark != 0 ? "IP" : protocol().name();
    }

    /** @return true for an IPv4 flow, whose addresses {@link #clientAddressV4()} etc. give without allocating */
    public boolean isIpv4Flow() {
        return ext == null;
    }

    /** @return the client's host-order IPv4 address (0 unless {@link #isIpv4Flow()}) */
    public int clientAddressV4() {
        return clientV4;
    }

    /** @return the virtual host-order IPv4 address (0 unless {@link #isIpv4Flow()}) */
    public int virtualAddressV4() {
        return virtualV4;
    }

    /** @return the client's port (0 for a template) */
    public int clientPort() {
        return clientPort;
    }

    /** @return the virtual port */
    public int virtualPort() {
        return virtualPort;
    }

    /** @return the destination port on the real server */
    public int destinationPort() {
        return destinationPort;
    }

    /** @return the client's address and port (for a template: the client network and port 0) */
    public InetSocketAddress client() {
        if (ext == null) {
            return new InetSocketAddress(ipv4(clientV4), clientPort);
        }
        return ext instanceof TemplateData t ? t.client : ((Ipv6Endpoints) ext).client();
    }

    /** @return the virtual address and port (for a firewall-mark template: the mark as an IPv4 address, port 0) */
    public InetSocketAddress virtualAddress() {
        if (ext == null) {
            return new InetSocketAddress(ipv4(virtualV4), virtualPort);
        }
        return ext instanceof TemplateData t ? t.virtualAddress : ((Ipv6Endpoints) ext).virtualAddress();
    }

    /** @return where the flow is forwarded: the real server's address and the destination port */
    public InetSocketAddress destination() {
        if (ext instanceof TemplateData t) {
            return t.destination;
        }
        InetSocketAddress rs = realServer.address();
        return rs.getPort() == destinationPort ? rs : new InetSocketAddress(rs.getAddress(), destinationPort);
    }

    /** @return the real server this connection is bound to */
    public RealServer realServer() {
        return realServer;
    }

    /** @return the current protocol state ({@code NONE} or {@code ASSURED} for templates) */
    public ConnectionState state() {
        return STATES[state];
    }

    /** @return true for a persistence template */
    public boolean isTemplate() {
        return ext instanceof TemplateData;
    }

    /** @return the persistence template controlling this connection, or {@code null} */
    public Connection template() {
        return template;
    }

    /** @return nanoseconds until the entry expires at {@code nowNanos} (0 once due) */
    public long remainingNanos(long nowNanos) {
        if (isTemplate()) {
            return Math.max(0, table.templates().displayedDeadline(this, nowNanos) - nowNanos);
        }
        return Math.max(0, expiresAtNanos - nowNanos);
    }

    /** @return true once the entry has left the table */
    public boolean isExpired() {
        return expired;
    }

    // ------------------------------------------------------------------ packet data plane

    /**
     * A client-to-server packet of this flow: counted, fed to the state machine, timer re-armed.
     *
     * @param tcpFlags the TCP flags ({@link TcpEvent#FLAG_SYN} …); ignored for UDP
     * @param bytes the IP packet length
     */
    public void packetIn(int tcpFlags, int bytes) {
        if (inPackets < Byte.MAX_VALUE) {
            inPackets++;
        }
        countIn(1, bytes);
        feed((flags & NO_OUTPUT) != 0 ? Direction.INPUT_ONLY : Direction.INPUT, TcpEvent.of(tcpFlags));
    }

    /** A server-to-client packet of this flow seen by the director (NAT replies). */
    public void packetOut(int tcpFlags, int bytes) {
        countOut(1, bytes);
        feed(Direction.OUTPUT, TcpEvent.of(tcpFlags));
    }

    /** Counts relayed client bytes without a state change (a proxy counts reads, not segments). */
    public void countIn(long packets, long bytes) {
        if (realServer.isAvailable()) {
            realServer.stats().countIn(packets, bytes);
            realServer.service().stats().countIn(packets, bytes);
            table.totals().countIn(packets, bytes);
        }
    }

    /** Counts relayed reply bytes without a state change. */
    public void countOut(long packets, long bytes) {
        flags &= ~NO_OUTPUT;
        if (realServer.isAvailable()) {
            realServer.stats().countOut(packets, bytes);
            realServer.service().stats().countOut(packets, bytes);
            table.totals().countOut(packets, bytes);
        }
    }

    /** Re-arms the timer with the current state's timeout (a proxy saw traffic). */
    public void touch() {
        if (!expired) {
            table.rearm(this);
        }
    }

    // ------------------------------------------------------------------ proxy data plane

    /** Proxy: the connection to the real server is up and the client's handshake is complete. */
    public void established() {
        flags &= ~NO_OUTPUT;
        feed(Direction.OUTPUT, TcpEvent.SYN);
        feed(Direction.INPUT, TcpEvent.ACK);
        feed(Direction.OUTPUT, TcpEvent.ACK);
    }

    /** Proxy: the client half-closed (end of stream read from the client). */
    public void clientClosed() {
        flags |= CLIENT_FIN;
        feed((flags & NO_OUTPUT) != 0 ? Direction.INPUT_ONLY : Direction.INPUT, TcpEvent.FIN);
    }

    /** Proxy: the real server half-closed. */
    public void serverClosed() {
        flags |= SERVER_FIN;
        flags &= ~NO_OUTPUT;
        feed(Direction.OUTPUT, TcpEvent.FIN);
    }

    /** Proxy: a reset from the client ({@code fromClient}) or the real server. */
    public void reset(boolean fromClient) {
        Direction d = !fromClient ? Direction.OUTPUT : (flags & NO_OUTPUT) != 0 ? Direction.INPUT_ONLY : Direction.INPUT;
        feed(d, TcpEvent.RST);
    }

    /**
     * The flow ended normally: the sides that have not closed yet are fed a FIN (client first), so
     * a TCP connection ends in TIME_WAIT (inactive) as in the kernel. UDP keeps its state. Either
     * stays listed until its timer runs out.
     */
    @Override
    public void close() {
        if (expired || isTemplate() || protocol() != Protocol.TCP) {
            return;
        }
        if ((flags & CLIENT_FIN) == 0) {
            clientClosed();
        }
        if ((flags & (SERVER_FIN | NO_OUTPUT)) == 0) {
            serverClosed();
        }
    }

    private void feed(Direction direction, TcpEvent event) {
        if (expired || isTemplate()) {
            return;
        }
        if (protocol() == Protocol.TCP) {
            state(TcpStateTable.next(table.secureTcpActive(), direction, event, state()));
        }
        table.rearm(this);
    }

    @Override
    public String toString() {
        return protocolName() + " " + client() + " -> " + virtualAddress() + " -> " + destination() + " " + state()
                + (isTemplate() ? " template" : "");
    }

    // ------------------------------------------------------------------ table side

    long expiresAtNanos() {
        return expiresAtNanos;
    }

    void expiresAt(long nanos) {
        this.expiresAtNanos = nanos;
    }

    int inPackets() {
        return inPackets;
    }

    boolean noOutput() {
        return (flags & NO_OUTPUT) != 0;
    }

    TemplateData templateData() {
        return (TemplateData) ext;
    }

    /** @return for a template, the number of live connections it controls */
    public int controlledConnections() {
        if (!(ext instanceof TemplateData t)) {
            return 0;
        }
        synchronized (this) {
            return t.controlled;
        }
    }

    /** Templates: one more / one fewer controlled connection; returns the new count. */
    synchronized int control(int delta) {
        TemplateData t = templateData();
        t.controlled += delta;
        return t.controlled;
    }

    /** @return true when this flow has exactly these endpoints (IPv4, allocation-free) */
    boolean matches(byte proto, int caddr, int cport, int vaddr, int vport) {
        return ext == null && protocol == proto && clientV4 == caddr && clientPort == cport && virtualV4 == vaddr
                && virtualPort == vport;
    }

    /** @return true when this flow has these endpoints (any family) */
    boolean matches(Protocol proto, InetSocketAddress c, InetSocketAddress v) {
        if (ext == null) {
            return c.getAddress() instanceof Inet4Address ca && v.getAddress() instanceof Inet4Address va
                    && matches((byte) proto.ordinal(), ipv4(ca), c.getPort(), ipv4(va), v.getPort());
        }
        return ext instanceof Ipv6Endpoints e && protocol == proto.ordinal() && e.client().equals(c)
                && e.virtualAddress().equals(v);
    }

    /** Changes state, moving the real server's count across the active/inactive boundary if needed. */
    void state(ConnectionState next) {
        ConnectionState prev = state();
        if (prev == next) {
            return;
        }
        this.state = (byte) next.ordinal();
        if (isTemplate()) {
            return;
        }
        if (prev.isActive() != next.isActive()) {
            realServer.move(next.isActive());
        }
        if (next == ConnectionState.ESTABLISHED && template != null) {
            template.state = (byte) ConnectionState.ASSURED.ordinal();
        }
    }

    /** Leaves the table: unbinds from the real server. Called once, by the table. */
    void expire() {
        expired = true;
        if (isTemplate()) {
            realServer.templateUnbound();
        } else {
            realServer.unbind(state().isActive());
            if (template != null) {
                table.templates().childGone(template, table.now());
            }
        }
    }
}
