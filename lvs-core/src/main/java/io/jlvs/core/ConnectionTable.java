package io.jlvs.core;

import io.jlvs.core.conn.ConnectionState;
import io.jlvs.core.conn.Sysctls;
import io.jlvs.core.stats.Stats;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The director's connection table: flows by (protocol, client, virtual address), their timers,
 * the persistence templates and a capacity bound. Lookups and inserts are lock-free
 * ({@link ConcurrentHashMap}); expiry runs on the director's timer thread.
 */
final class ConnectionTable {
    private static final long NANOS = 1_000_000_000L;

    /** Flow identity as the kernel hashes it: both directions are found by the client endpoint. */
    record FlowKey(Protocol protocol, InetSocketAddress client, InetSocketAddress virtualAddress) {
    }

    private final ConcurrentHashMap<FlowKey, Connection> flows = new ConcurrentHashMap<>();
    private final AtomicInteger size = new AtomicInteger();
    private final LongAdder refused = new LongAdder();
    private final int capacity;
    private final Ticker ticker;
    private final Stats totals;
    private final TemplateTable templates;
    private volatile Timeouts timeouts = Timeouts.DEFAULT;
    private volatile Sysctls sysctls = Sysctls.DEFAULT;

    ConnectionTable(int capacity, Ticker ticker, Stats totals) {
        this.capacity = capacity;
        this.ticker = ticker;
        this.totals = totals;
        this.templates = new TemplateTable(ticker);
    }

    Timeouts timeouts() {
        return timeouts;
    }

    void timeouts(Timeouts t) {
        this.timeouts = t;
    }

    Sysctls sysctls() {
        return sysctls;
    }

    void sysctls(Sysctls s) {
        this.sysctls = s;
    }

    Stats totals() {
        return totals;
    }

    TemplateTable templates() {
        return templates;
    }

    long now() {
        return ticker.read();
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

    /** @return true when the table has room for one more connection */
    boolean hasRoom() {
        return size.get() < capacity;
    }

    /**
     * Binds a new connection to {@code rs} and enters it in the table. Like the kernel it is
     * counted inactive first and moves to active with its first state (TCP: SYN_RECV).
     *
     * @return the connection, or {@code null} when the table is full (counted in {@link #refused()})
     */
    Connection create(Protocol protocol, InetSocketAddress client, InetSocketAddress virtualAddress,
            InetSocketAddress destination, RealServer rs, Connection template) {
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            refuse();
            return null;
        }
        ConnectionState initial = protocol == Protocol.UDP ? ConnectionState.UDP : ConnectionState.NONE;
        Connection c = new Connection(this, protocol, client, virtualAddress, destination, rs, initial, template);
        rs.bind(false);
        if (protocol == Protocol.TCP) {
            c.state(ConnectionState.SYN_RECV); // the SYN that created it: NONE -> SYN_RECV
        }
        rearm(c);
        Connection previous = flows.put(new FlowKey(protocol, client, virtualAddress), c);
        if (previous != null) {
            size.decrementAndGet();
            previous.expire();
        }
        return c;
    }

    /** Re-arms a connection's timer with the timeout of its current state. */
    void rearm(Connection c) {
        c.expiresAt(ticker.read() + timeoutSeconds(c.state()) * NANOS);
    }

    /** Removes {@code c} now (rescheduling, expire_nodest_conn). */
    void expireNow(Connection c) {
        if (flows.remove(new FlowKey(c.protocol(), c.flowClient(), c.virtualAddress()), c)) {
            size.decrementAndGet();
            c.expire();
        }
    }

    /** Expires every entry whose timer has run out at {@code nowNanos}, then due templates. */
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
        templates.cleanUp();
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
        templates.clear();
    }

    /** @return templates first, then connections, as {@code -Lnc} lists a persistent service */
    List<Connection> snapshot() {
        List<Connection> all = new ArrayList<>(templates.snapshot());
        all.addAll(flows.values());
        return all;
    }

    /** Counts a new flow refused because the table is full. */
    void refuse() {
        refused.increment();
    }

    int size() {
        return size.get();
    }

    long refused() {
        return refused.sum();
    }
}
