package io.jlvs.core;

import io.jlvs.core.conn.ConnectionState;
import io.jlvs.core.conn.Direction;
import io.jlvs.core.conn.TcpEvent;
import io.jlvs.core.conn.TcpStateTable;

import java.net.InetSocketAddress;

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
 * <p>Threading: a connection is driven by one data-path thread at a time (the thread that owns
 * the flow); listing threads may read it concurrently (state and deadline are volatile).
 */
public final class Connection implements AutoCloseable {
    private static final long NANOS = 1_000_000_000L;

    private final ConnectionTable table;
    private final Protocol protocol;
    private final InetSocketAddress client;
    private final InetSocketAddress virtualAddress;
    private final InetSocketAddress destination;
    private final RealServer realServer;
    private final Connection template;
    private final boolean isTemplate;
    private final long fwmark;
    private volatile ConnectionState state;
    private volatile long expiresAtNanos;
    private volatile boolean expired;
    /** Replies bypass the director (DR/TUN) until one is seen: the INPUT-ONLY rows apply. */
    private boolean noOutput;
    private boolean clientFinSeen;
    private boolean serverFinSeen;
    /** Templates: live connections controlled by this one (guarded by the template's monitor). */
    private int controlled;
    /** Templates: the timeout their timer is re-armed with; becomes 60 s after a keep-alive re-arm. */
    private long templateTimeoutNanos;
    /** Templates: their key in the template table. */
    private Object templateKey;

    Connection(ConnectionTable table, Protocol protocol, InetSocketAddress client, InetSocketAddress virtualAddress,
            InetSocketAddress destination, RealServer realServer, ConnectionState state, Connection template) {
        this.table = table;
        this.protocol = protocol;
        this.client = client;
        this.virtualAddress = virtualAddress;
        this.destination = destination;
        this.realServer = realServer;
        this.state = state;
        this.template = template;
        this.isTemplate = false;
        this.fwmark = 0;
        this.noOutput = realServer.method() != ForwardingMethod.MASQ;
    }

    /** A persistence template. */
    Connection(ConnectionTable table, Protocol protocol, long fwmark, InetSocketAddress clientNet,
            InetSocketAddress virtualAddress, InetSocketAddress destination, RealServer realServer, long timeoutNanos) {
        this.table = table;
        this.protocol = protocol;
        this.fwmark = fwmark;
        this.client = clientNet;
        this.virtualAddress = virtualAddress;
        this.destination = destination;
        this.realServer = realServer;
        this.state = ConnectionState.NONE;
        this.template = null;
        this.isTemplate = true;
        this.templateTimeoutNanos = timeoutNanos;
    }

    /** @return the connection's protocol (for a firewall-mark template: the protocol of the packet that made it) */
    public Protocol protocol() {
        return protocol;
    }

    /** @return the protocol column of {@code -Lnc}: {@code TCP}, {@code UDP}, {@code SCTP}, or {@code IP} for firewall-mark templates */
    public String protocolName() {
        return isTemplate && fwmark != 0 ? "IP" : protocol.name();
    }

    /** @return the client's address and port (for a template: the client network and port 0) */
    public InetSocketAddress client() {
        return client;
    }

    /** @return the virtual address and port (for a firewall-mark template: the mark as an IPv4 address, port 0) */
    public InetSocketAddress virtualAddress() {
        return virtualAddress;
    }

    /** @return where the flow is forwarded: the real server's address and the destination port */
    public InetSocketAddress destination() {
        return destination;
    }

    /** @return the real server this connection is bound to */
    public RealServer realServer() {
        return realServer;
    }

    /** @return the current protocol state ({@code NONE} or {@code ASSURED} for templates) */
    public ConnectionState state() {
        return state;
    }

    /** @return true for a persistence template */
    public boolean isTemplate() {
        return isTemplate;
    }

    /** @return the persistence template controlling this connection, or {@code null} */
    public Connection template() {
        return template;
    }

    /** @return nanoseconds until the entry expires at {@code nowNanos} (0 once due) */
    public long remainingNanos(long nowNanos) {
        if (isTemplate) {
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
        if (realServer.isAvailable()) {
            realServer.stats().countIn(bytes);
            realServer.service().stats().countIn(bytes);
            table.totals().countIn(bytes);
        }
        feed(noOutput ? Direction.INPUT_ONLY : Direction.INPUT, TcpEvent.of(tcpFlags));
    }

    /** A server-to-client packet of this flow seen by the director (NAT replies). */
    public void packetOut(int tcpFlags, int bytes) {
        noOutput = false;
        if (realServer.isAvailable()) {
            realServer.stats().countOut(bytes);
            realServer.service().stats().countOut(bytes);
            table.totals().countOut(bytes);
        }
        feed(Direction.OUTPUT, TcpEvent.of(tcpFlags));
    }

    /** Counts relayed bytes without a state change (proxies count reads, not segments). */
    public void countIn(long packets, long bytes) {
        if (realServer.isAvailable()) {
            realServer.stats().countIn(packets, bytes);
            realServer.service().stats().countIn(packets, bytes);
            table.totals().countIn(packets, bytes);
        }
    }

    /** Counts relayed reply bytes without a state change. */
    public void countOut(long packets, long bytes) {
        noOutput = false;
        if (realServer.isAvailable()) {
            realServer.stats().countOut(packets, bytes);
            realServer.service().stats().countOut(packets, bytes);
            table.totals().countOut(packets, bytes);
        }
    }

    // ------------------------------------------------------------------ proxy data plane

    /** Proxy: the connection to the real server is up and the client's handshake is complete. */
    public void established() {
        noOutput = false;
        feed(Direction.OUTPUT, TcpEvent.SYN);
        feed(Direction.INPUT, TcpEvent.ACK);
        feed(Direction.OUTPUT, TcpEvent.ACK);
    }

    /** Proxy: the client half-closed (end of stream read from the client). */
    public void clientClosed() {
        clientFinSeen = true;
        feed(noOutput ? Direction.INPUT_ONLY : Direction.INPUT, TcpEvent.FIN);
    }

    /** Proxy: the real server half-closed. */
    public void serverClosed() {
        serverFinSeen = true;
        feed(Direction.OUTPUT, TcpEvent.FIN);
    }

    /** Proxy: a reset from the client ({@code fromClient}) or the real server. */
    public void reset(boolean fromClient) {
        feed(fromClient ? (noOutput ? Direction.INPUT_ONLY : Direction.INPUT) : Direction.OUTPUT, TcpEvent.RST);
    }

    /**
     * The flow ended normally: the sides that have not closed yet are fed a FIN (client first), so
     * a TCP connection ends in TIME_WAIT (inactive) as in the kernel. UDP keeps its state. Either
     * stays listed until its timer runs out.
     */
    @Override
    public void close() {
        if (expired || isTemplate || protocol != Protocol.TCP) {
            return;
        }
        if (!clientFinSeen) {
            clientClosed();
        }
        if (!serverFinSeen && !noOutput) {
            serverClosed();
        }
    }

    private void feed(Direction direction, TcpEvent event) {
        if (expired || isTemplate) {
            return;
        }
        if (protocol == Protocol.TCP) {
            ConnectionState next = TcpStateTable.next(table.sysctls().secureTcpActive(), direction, event, state);
            state(next);
        }
        table.rearm(this);
    }

    @Override
    public String toString() {
        return protocolName() + " " + client + " -> " + virtualAddress + " -> " + destination + " " + state
                + (isTemplate ? " template" : "");
    }

    // ------------------------------------------------------------------ table side

    long expiresAtNanos() {
        return expiresAtNanos;
    }

    void expiresAt(long nanos) {
        this.expiresAtNanos = nanos;
    }

    long templateTimeoutNanos() {
        return templateTimeoutNanos;
    }

    void templateTimeoutNanos(long nanos) {
        this.templateTimeoutNanos = nanos;
    }

    /** Changes state, moving the real server's count across the active/inactive boundary if needed. */
    void state(ConnectionState next) {
        ConnectionState prev = this.state;
        if (prev == next) {
            return;
        }
        this.state = next;
        if (isTemplate) {
            return;
        }
        if (prev.isActive() != next.isActive()) {
            realServer.move(next.isActive());
        }
        if (next == ConnectionState.ESTABLISHED && template != null) {
            template.state = ConnectionState.ASSURED;
        }
    }

    /** Templates: one more / one fewer controlled connection; returns the new count. */
    synchronized int control(int delta) {
        controlled += delta;
        return controlled;
    }

    /** @return for a template, the number of live connections it controls */
    public synchronized int controlledConnections() {
        return controlled;
    }

    /** Leaves the table: unbinds from the real server. Called once, by the table. */
    void expire() {
        expired = true;
        if (isTemplate) {
            realServer.templateUnbound();
        } else {
            realServer.unbind(state.isActive());
            if (template != null) {
                table.templates().childGone(template, table.now());
            }
        }
    }

    boolean noOutput() {
        return noOutput;
    }

    Object templateKey() {
        return templateKey;
    }

    void templateKey(Object key) {
        this.templateKey = key;
    }

    InetSocketAddress flowClient() {
        return client;
    }

    long fwmark() {
        return fwmark;
    }
}
