package io.jlvs.core;

import io.jlvs.core.conn.ConnectionState;
import io.jlvs.core.conn.Direction;
import io.jlvs.core.conn.Sysctls;
import io.jlvs.core.conn.TcpEvent;
import io.jlvs.core.conn.TcpStateTable;
import io.jlvs.core.stats.Stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToIntFunction;
import java.util.random.RandomGenerator;

/**
 * The director's connection table, shaped like the kernel's: a power-of-two array of hash chains
 * keyed by (protocol, client, virtual address) with a random seed, guarded by 64 striped locks for
 * writers (the kernel uses 32) while readers walk the chains without any lock. An IPv4 lookup
 * allocates nothing.
 *
 * <p>Concurrency: bucket heads are published with release stores and read with acquire loads;
 * a chain's {@code next} links are volatile and only written under the bucket's stripe lock. A
 * reader racing with a removal may still walk through the removed entry, which is harmless: the
 * entry's fields are final and its {@code expired} flag tells it is gone.
 *
 * <p>Expiry: an {@link ExpiryWheel} holds every entry under its deadline's tick, and
 * {@link #expire} (the director's timer) looks only at the ticks that have passed and the current
 * one, so an entry leaves the table at the timer's first run at or after its deadline, and live
 * entries far from theirs cost the timer nothing. Capacity stands in for the kernel's free memory
 * in the defense strategies (§6): "low memory" is less than 1/16 of the capacity free.
 */
final class ConnectionTable {
    private static final long NANOS = 1_000_000_000L;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Connection[].class);
    private static final int STRIPES = 64;
    private static final long IDLE_SPARED = 60 * NANOS;

    private final Connection[] buckets;
    private final int mask;
    private final Object[] locks = new Object[STRIPES];
    private final long seed;
    private final AtomicInteger size = new AtomicInteger();
    private final LongAdder refused = new LongAdder();
    private final LongAdder droppedEntries = new LongAdder();
    private final LongAdder droppedPackets = new LongAdder();
    private final int capacity;
    private final Ticker ticker;
    private final RandomGenerator random;
    private final Stats totals;
    private final TemplateTable templates;
    private final int[] dropCounters = new int[9];
    private final AtomicInteger dropPacketCounter = new AtomicInteger();
    private volatile Timeouts timeouts = Timeouts.DEFAULT;
    private volatile Sysctls sysctls = Sysctls.DEFAULT;
    private volatile boolean secureTcpActive;
    private volatile int dropPacketRate;
    private final ExpiryWheel wheel;
    /** What the wheel does with an entry whose deadline has come: out of the table, then expired. */
    private final ToIntFunction<Connection> expireOne = c -> {
        if (remove(c)) {
            c.expire();
            return 1;
        }
        return 0;
    };

    ConnectionTable(int capacity, Ticker ticker, RandomGenerator random, Stats totals) {
        this.capacity = capacity;
        int n = Integer.highestOneBit(Math.max(256, capacity - 1)) << 1;
        this.buckets = new Connection[Math.min(n, 1 << 30)];
        this.mask = buckets.length - 1;
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new Object();
        }
        this.seed = new SecureRandom().nextLong(); // keyed hashing: clients cannot aim at one chain
        this.ticker = ticker;
        this.random = random;
        this.totals = totals;
        this.templates = new TemplateTable(ticker);
        this.wheel = new ExpiryWheel(ticker.read());
    }

    // ------------------------------------------------------------------ settings

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
        this.secureTcpActive = s.secureTcp() >= 2;
    }

    boolean secureTcpActive() {
        return secureTcpActive;
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

    // ------------------------------------------------------------------ hashing and lookup

    private int hashV4(int proto, int caddr, int cport, int vaddr, int vport) {
        long k = ((long) caddr << 32 | (vaddr & 0xFFFFFFFFL)) ^ seed;
        k ^= ((long) cport << 24 | (long) vport << 8 | proto) * 0x9E3779B97F4A7C15L;
        k = (k ^ (k >>> 33)) * 0xFF51AFD7ED558CCDL;
        k = (k ^ (k >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return (int) (k ^ (k >>> 33));
    }

    private int hash(Protocol proto, InetSocketAddress client, InetSocketAddress virtualAddress) {
        if (client.getAddress() instanceof Inet4Address c && virtualAddress.getAddress() instanceof Inet4Address v) {
            return hashV4(proto.ordinal(), Connection.ipv4(c), client.getPort(), Connection.ipv4(v), virtualAddress.getPort());
        }
        return hashV4(proto.ordinal(), client.hashCode(), client.getPort(), virtualAddress.hashCode(), virtualAddress.getPort());
    }

    private int hash(Connection c) {
        if (c.isIpv4Flow()) {
            return hashV4(c.protocol().ordinal(), c.clientAddressV4(), c.clientPort(), c.virtualAddressV4(), c.virtualPort());
        }
        return hash(c.protocol(), c.client(), c.virtualAddress());
    }

    private Connection head(int bucket) {
        return (Connection) SLOT.getAcquire(buckets, bucket);
    }

    /** Allocation-free lookup of an IPv4 flow; {@code null} when absent. */
    Connection find(Protocol protocol, int caddr, int cport, int vaddr, int vport) {
        byte p = (byte) protocol.ordinal();
        for (Connection c = head(hashV4(p, caddr, cport, vaddr, vport) & mask); c != null; c = c.next) {
            if (c.matches(p, caddr, cport, vaddr, vport) && !c.isExpired()) {
                return c;
            }
        }
        return null;
    }

    Connection find(Protocol protocol, InetSocketAddress client, InetSocketAddress virtualAddress) {
        for (Connection c = head(hash(protocol, client, virtualAddress) & mask); c != null; c = c.next) {
            if (c.matches(protocol, client, virtualAddress) && !c.isExpired()) {
                return c;
            }
        }
        return null;
    }

    // ------------------------------------------------------------------ insert and remove

    /** @return true when the table has room for one more connection */
    boolean hasRoom() {
        return size.get() < capacity;
    }

    /**
     * Binds a new connection to {@code rs} and enters it in the table. Like the kernel it is
     * counted inactive first and moves to active with its first state (TCP: the creating packet's
     * transition from NONE, SYN_RECV for a SYN). An older entry of the same flow is replaced.
     *
     * @return the connection, or {@code null} when the table is full (counted in {@link #refused()})
     */
    Connection create(Protocol protocol, InetSocketAddress client, InetSocketAddress virtualAddress,
            int destinationPort, RealServer rs, Connection template, int tcpFlags) {
        if (size.incrementAndGet() > capacity) {
            size.decrementAndGet();
            refuse();
            return null;
        }
        ConnectionState initial = protocol == Protocol.UDP ? ConnectionState.UDP : ConnectionState.NONE;
        Connection c = new Connection(this, protocol, client, virtualAddress, destinationPort, rs, initial, template);
        rs.bind(false);
        if (protocol == Protocol.TCP) {
            // the packet that created it, from NONE (a SYN: SYN_RECV)
            c.state(TcpStateTable.next(secureTcpActive, c.noOutput() ? Direction.INPUT_ONLY : Direction.INPUT,
                    TcpEvent.of(tcpFlags), ConnectionState.NONE));
        }
        rearm(c);
        int bucket = hash(c) & mask;
        Connection replaced = null;
        synchronized (locks[bucket & (STRIPES - 1)]) {
            Connection prev = null;
            for (Connection e = head(bucket); e != null; prev = e, e = e.next) {
                if (e.matches(protocol, client, virtualAddress)) {
                    unlink(bucket, prev, e);
                    replaced = e;
                    break;
                }
            }
            c.next = head(bucket);
            SLOT.setRelease(buckets, bucket, c);
        }
        if (replaced != null) {
            size.decrementAndGet();
            replaced.expire();
            wheel.remove(replaced);
        }
        return c;
    }

    private void unlink(int bucket, Connection prev, Connection e) {
        if (prev == null) {
            SLOT.setRelease(buckets, bucket, e.next);
        } else {
            prev.next = e.next;
        }
    }

    /** Removes {@code c} if it is still in the table; returns true if this call removed it. */
    private boolean remove(Connection c) {
        int bucket = hash(c) & mask;
        synchronized (locks[bucket & (STRIPES - 1)]) {
            Connection prev = null;
            for (Connection e = head(bucket); e != null; prev = e, e = e.next) {
                if (e == c) {
                    unlink(bucket, prev, e);
                    size.decrementAndGet();
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Re-arms a connection's timer with the timeout of its current state. Per packet: a later
     * deadline only stores it (see {@link ExpiryWheel#arm}).
     */
    void rearm(Connection c) {
        long deadline = ticker.read() + timeoutSeconds(c.state()) * NANOS;
        c.expiresAt(deadline);
        wheel.arm(c, deadline);
    }

    /** Removes {@code c} now (rescheduling, expire_nodest_conn). */
    void expireNow(Connection c) {
        if (remove(c)) {
            c.expire();
            wheel.remove(c);
        }
    }

    /** Removes {@code c} forcibly (drop_entry): an unassured template left without children goes too. */
    private void drop(Connection c) {
        if (remove(c)) {
            c.expire();
            wheel.remove(c);
            Connection t = c.template();
            if (t != null && t.controlledConnections() == 0 && t.state() == ConnectionState.NONE) {
                templates.invalidate(t);
            }
            droppedEntries.increment();
        }
    }

    // ------------------------------------------------------------------ timers

    /**
     * Expires every entry whose deadline has come ({@link ExpiryWheel#expireDue}), then due
     * templates. Timer thread only.
     *
     * @return the connections expired
     */
    int expire(long nowNanos) {
        int n = wheel.expireDue(nowNanos, expireOne);
        templates.cleanUp();
        return n;
    }

    /**
     * @return when the expiry timer next has work, at most {@link ExpiryWheel#MIN_TIMEOUT_NANOS}
     *         and at most {@code limitNanos} ahead (see {@link ExpiryWheel#nextWork})
     */
    long nextExpiryWork(long nowNanos, long limitNanos) {
        long horizon = nowNanos + ExpiryWheel.MIN_TIMEOUT_NANOS;
        return wheel.nextWork(nowNanos, limitNanos - horizon < 0 ? limitNanos : horizon);
    }

    /**
     * The once-a-second defense run (§6.1) with the table's free room standing in for free
     * memory: switches drop_entry, drop_packet and secure_tcp between their auto states, then drops
     * entries from a random 1/32 of the buckets while drop_entry is active.
     */
    void defend(long nowNanos) {
        Sysctls s = sysctls;
        int amemthresh = Math.max(1, capacity / 16);
        int availmem = capacity - size.get();
        boolean nomem = availmem < amemthresh;
        int dropEntry = auto(s.dropEntry(), nomem);
        int dropPacket = auto(s.dropPacket(), nomem);
        int secureTcp = auto(s.secureTcp(), nomem);
        if (dropEntry != s.dropEntry() || dropPacket != s.dropPacket() || secureTcp != s.secureTcp()) {
            sysctls(new Sysctls(s.expireNodestConn(), s.expireQuiescentTemplate(), s.connReuseMode(), s.sloppyTcp(),
                    secureTcp, dropEntry, dropPacket, s.amDroprate()));
        }
        dropPacketRate = dropPacket == 3 ? s.amDroprate()
                : dropPacket == 2 ? Math.max(1, amemthresh / Math.max(1, amemthresh - availmem)) : 0;
        if (dropEntry >= 2) {
            dropEntries(nowNanos);
        }
    }

    /** The kernel's auto modes: 1 becomes 2 under pressure, 2 goes back to 1 without it. */
    private static int auto(int mode, boolean nomem) {
        if (mode == 1 && nomem) {
            return 2;
        }
        if (mode == 2 && !nomem) {
            return 1;
        }
        return mode;
    }

    private void dropEntries(long nowNanos) {
        droppedEntries.add(templates.dropUnassured(random.nextInt(32)));
        int share = Math.max(1, buckets.length / 32);
        int start = random.nextInt(buckets.length);
        for (int i = 0; i < share; i++) {
            int bucket = (start + i) & mask;
            for (Connection c = head(bucket); c != null; c = c.next) {
                if (droppable(c, nowNanos)) {
                    drop(c);
                }
            }
        }
    }

    private boolean droppable(Connection c, long nowNanos) {
        ConnectionState st = c.state();
        if (c.protocol() == Protocol.TCP) {
            if (st == ConnectionState.SYN_RECV || st == ConnectionState.SYNACK) {
                return true;
            }
            if (st != ConnectionState.ESTABLISHED) {
                return false;
            }
        }
        // the rate rule: spare recently active entries; of those with i (1..8) packets drop every i-th
        long lastSeen = c.expiresAtNanos() - timeoutSeconds(st) * NANOS;
        if (nowNanos - lastSeen < IDLE_SPARED) {
            return false;
        }
        int i = c.inPackets();
        if (i < 1 || i > 8) {
            return false;
        }
        if (--dropCounters[i] > 0) {
            return false;
        }
        dropCounters[i] = i;
        return true;
    }

    /**
     * drop_packet: while active, 1 of every {@code rate} new-connection packets is dropped before
     * scheduling.
     *
     * @return true if this new connection is to be dropped (counted)
     */
    boolean dropNewPacket() {
        int rate = dropPacketRate;
        if (rate == 0) {
            return false;
        }
        if (dropPacketCounter.incrementAndGet() % rate == 0) {
            droppedPackets.increment();
            return true;
        }
        return false;
    }

    /** Removes every entry (flush). */
    void clear() {
        for (int b = 0; b < buckets.length; b++) {
            for (Connection c = head(b); c != null; c = c.next) {
                if (remove(c)) {
                    c.expire();
                    wheel.remove(c);
                }
            }
        }
        templates.clear();
    }

    /** @return templates first, then connections */
    List<Connection> snapshot() {
        List<Connection> all = new ArrayList<>(templates.snapshot());
        for (int b = 0; b < buckets.length; b++) {
            for (Connection c = head(b); c != null; c = c.next) {
                if (!c.isExpired()) {
                    all.add(c);
                }
            }
        }
        return all;
    }

    /** Counts a new flow refused because the table is full. */
    void refuse() {
        refused.increment();
    }

    int size() {
        return size.get();
    }

    /** @return the entries the expiry timer has looked at so far (tests) */
    long timerLooked() {
        return wheel.looked();
    }

    long refused() {
        return refused.sum();
    }

    long droppedEntries() {
        return droppedEntries.sum();
    }

    long droppedPackets() {
        return droppedPackets.sum();
    }
}
