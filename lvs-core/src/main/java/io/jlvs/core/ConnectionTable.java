package io.jlvs.core;

import io.jlvs.core.conn.ConnectionState;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The director's connection table: flows by (protocol, client, virtual address), their timers and
 * a capacity bound. Lookups and inserts are lock-free ({@link ConcurrentHashMap}); expiry runs on
 * the director's timer thread.
 */
final class ConnectionTable {
    /** Flow identity as the kernel hashes it: both directions are found by the client endpoint. */
    record FlowKey(Protocol protocol, InetSocketAddress client, InetSocketAddress virtualAddress) {
    }

    private final ConcurrentHashMap<FlowKey, Connection> flows = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    private final LongAdder refused = new LongAdder();
    private final int capacity;
    private final Ticker ticker;
    private volatile Timeouts timeouts = Timeouts.DEFAULT;

    ConnectionTable(int capacity, Ticker ticker) {
        this.capacity = capacity;
        this.ticker = ticker;
    }

    Timeouts timeouts() {
        return timeouts;
    }

    void timeouts(Timeouts t) {
        this.timeouts = t;
    }

    /** @return the timeout of {@code state} under the current {@code --set} values, in seconds */
    int timeoutSeconds(ConnectionState state) {
        Timeouts t = timeouts;
        return switch (state) {
            case ESTABLISHED -> t.tcp();
            case FIN_WAIT -> t.tcpFin();
            case UDP -> t.udp();
            default -> state.defaultTimeoutSeconds();
        };
    }

    Connection find(Protocol protocol, InetSocketAddress client, InetSocketAddress virtualAddress) {
        return flows.get(new FlowKey(protocol, client, virtualAddress));
    }

    /**
     * Binds a new connection to {@code rs} and enters it in the table.
     *
     * @return the connection, or {@code null} when the table is full (counted in {@link #refused()})
     */
    Connection create(Protocol protocol, InetSocketAddress client, InetSocketAddress virtualAddress,
            InetSocketAddress destination, RealServer rs) {
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            refused.increment();
            return null;
        }
        ConnectionState initial = protocol == Protocol.UDP ? ConnectionState.UDP : ConnectionState.SYN_RECV;
        Connection c = new Connection(this, protocol, client, virtualAddress, destination, rs, initial);
        c.expiresAt(ticker.read() + timeoutSeconds(initial) * 1_000_000_000L);
        rs.bind(initial.isActive());
        Connection previous = flows.put(new FlowKey(protocol, client, virtualAddress), c);
        if (previous != null) {
            // the same client endpoint reconnected: the kernel reschedules and drops the old entry
            size.decrementAndGet();
            previous.expire();
        }
        return c;
    }

    void transition(Connection c, ConnectionState next) {
        c.state(next);
        c.expiresAt(ticker.read() + timeoutSeconds(next) * 1_000_000_000L);
    }

    /** Expires every entry whose timer has run out at {@code nowNanos}. */
    int expire(long nowNanos) {
        int n = 0;
        for (var it = flows.entrySet().iterator(); it.hasNext(); ) {
            var e = it.next();
            Connection c = e.getValue();
            if (c.expiresAtNanos() - nowNanos <= 0 && flows.remove(e.getKey(), c)) {
                size.decrementAndGet();
                c.expire();
                n++;
            }
        }
        return n;
    }

    /** Removes every entry (flush). */
    void clear() {
        for (var e : flows.entrySet()) {
            if (flows.remove(e.getKey(), e.getValue())) {
                size.decrementAndGet();
                e.getValue().expire();
            }
        }
    }

    List<Connection> snapshot() {
        return new ArrayList<>(flows.values());
    }

    int size() {
        return size.get();
    }

    long refused() {
        return refused.sum();
    }
}
