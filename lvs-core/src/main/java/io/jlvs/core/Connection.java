package io.jlvs.core;

import io.jlvs.core.conn.ConnectionState;

import java.net.InetSocketAddress;

/**
 * One flow through the director (the kernel's {@code ip_vs_conn}): client, virtual address, the
 * real server it is bound to, its protocol state and its expiry timer. A connection counts in its
 * real server's ActiveConn or InActConn column according to its state, and stays in the
 * connection table ({@code ipvsadm -Lnc}) until its timer runs out.
 *
 * <p>Threading: a connection is driven by one data-path thread at a time (the thread that owns
 * the flow); listing threads may read it concurrently and see a consistent state and deadline,
 * each a volatile field.
 */
public final class Connection implements AutoCloseable {
    private final ConnectionTable table;
    private final Protocol protocol;
    private final InetSocketAddress client;
    private final InetSocketAddress virtualAddress;
    private final InetSocketAddress destination;
    private final RealServer realServer;
    private volatile ConnectionState state;
    private volatile long expiresAtNanos;
    private volatile boolean expired;

    Connection(ConnectionTable table, Protocol protocol, InetSocketAddress client, InetSocketAddress virtualAddress,
            InetSocketAddress destination, RealServer realServer, ConnectionState state) {
        this.table = table;
        this.protocol = protocol;
        this.client = client;
        this.virtualAddress = virtualAddress;
        this.destination = destination;
        this.realServer = realServer;
        this.state = state;
    }

    /** @return the connection's protocol */
    public Protocol protocol() {
        return protocol;
    }

    /** @return the client's address and port */
    public InetSocketAddress client() {
        return client;
    }

    /** @return the virtual address and port the client connected to */
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

    /** @return the current protocol state */
    public ConnectionState state() {
        return state;
    }

    /** @return nanoseconds until the entry expires at {@code nowNanos} (0 once due) */
    public long remainingNanos(long nowNanos) {
        return Math.max(0, expiresAtNanos - nowNanos);
    }

    /** @return true once the entry has left the connection table */
    public boolean isExpired() {
        return expired;
    }

    /**
     * The flow ended normally. A TCP connection moves to TIME_WAIT (inactive) and a UDP one keeps
     * its state; either stays listed until its timer runs out, as in the kernel.
     */
    @Override
    public void close() {
        if (!expired && protocol == Protocol.TCP) {
            table.transition(this, ConnectionState.TIME_WAIT);
        }
    }

    @Override
    public String toString() {
        return protocol + " " + client + " -> " + virtualAddress + " -> " + destination + " " + state;
    }

    // ---- table side ----

    long expiresAtNanos() {
        return expiresAtNanos;
    }

    void expiresAt(long nanos) {
        this.expiresAtNanos = nanos;
    }

    /** Changes state, moving the real server's count across the active/inactive boundary if needed. */
    void state(ConnectionState next) {
        ConnectionState prev = this.state;
        if (prev == next) {
            return;
        }
        this.state = next;
        if (prev.isActive() != next.isActive()) {
            realServer.move(next.isActive());
        }
    }

    /** Leaves the table: unbinds from the real server. Called once, by the table. */
    void expire() {
        expired = true;
        realServer.unbind(state.isActive());
    }
}
