package io.jlvs.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Policy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Persistence templates (§4.7) in a Caffeine cache with per-entry expiry driven by the director's
 * ticker.
 *
 * <p>The kernel keeps a template alive while it controls connections by re-arming its timer in
 * 60-second steps, and overwrites the template's timeout with 60 s when it does. Rather than
 * fight the cache's expiry, a template that controls connections gets an unbounded expiry; when
 * its last connection goes, its deadline is computed as the kernel's timer would have left it —
 * the original deadline if that is still ahead, otherwise the next 60-second step after it — and
 * handed to the cache. Listings show the same arithmetic.
 */
final class TemplateTable {
    static final long KEEPALIVE_NANOS = 60_000_000_000L;
    private static final long UNBOUNDED = Long.MAX_VALUE >> 2;

    /**
     * Template identity: protocol (0 for firewall-mark services), client network, virtual address
     * or firewall mark, virtual port (0 for port-0, FTP and firewall-mark services). IPv4
     * addresses are held as ints so that comparing keys touches one object; IPv6 ones in
     * {@code ipv6} (null for IPv4).
     */
    record Key(int protocol, int clientNetV4, int virtualV4, long fwmark, int virtualPort, Ipv6 ipv6) {
        static Key of(int protocol, InetAddress clientNet, InetAddress virtualAddress, long fwmark, int virtualPort) {
            if (clientNet instanceof java.net.Inet4Address && (virtualAddress == null
                    || virtualAddress instanceof java.net.Inet4Address)) {
                return new Key(protocol, Connection.ipv4(clientNet),
                        virtualAddress == null ? 0 : Connection.ipv4(virtualAddress), fwmark, virtualPort, null);
            }
            return new Key(protocol, 0, 0, fwmark, virtualPort, new Ipv6(clientNet, virtualAddress));
        }

        /** @return the client network as an address */
        InetAddress clientNet() {
            return ipv6 != null ? ipv6.clientNet() : Connection.ipv4(clientNetV4);
        }
    }

    /** IPv6 parts of a template key. */
    record Ipv6(InetAddress clientNet, InetAddress virtualAddress) {
    }

    private final Ticker ticker;
    private final Cache<Key, Connection> cache;
    private final Policy.VarExpiration<Key, Connection> expiry;

    TemplateTable(Ticker ticker) {
        this.ticker = ticker;
        this.cache = Caffeine.newBuilder()
                .ticker(ticker::read)
                .executor(Runnable::run) // removal runs on the thread that expires it: counters settle at once
                .expireAfter(new Expiry<Key, Connection>() {
                    @Override
                    public long expireAfterCreate(Key key, Connection t, long now) {
                        return t.expiresAtNanos() - now;
                    }

                    @Override
                    public long expireAfterUpdate(Key key, Connection t, long now, long current) {
                        return current;
                    }

                    @Override
                    public long expireAfterRead(Key key, Connection t, long now, long current) {
                        return current;
                    }
                })
                .removalListener((Key key, Connection t, com.github.benmanes.caffeine.cache.RemovalCause cause) -> {
                    if (t != null && !t.isExpired()) {
                        t.expire();
                    }
                })
                .build();
        this.expiry = cache.policy().expireVariably().orElseThrow();
    }

    /** @return the live template for {@code key}, or {@code null} */
    Connection find(Key key) {
        return cache.getIfPresent(key);
    }

    /** Enters a new template whose timer runs {@code timeoutNanos} from now. */
    void add(Key key, Connection template) {
        template.expiresAt(ticker.read() + template.templateData().timeoutNanos);
        template.templateData().key = key;
        template.realServer().templateBound();
        Connection old = cache.asMap().put(key, template);
        if (old != null && !old.isExpired()) {
            old.expire();
        }
    }

    /**
     * The template is used for a new connection: its timer is re-armed with its timeout and it now
     * controls one more connection.
     *
     * @return false when the template expired meanwhile (the caller makes a new one)
     */
    boolean controlNew(Key key, Connection template) {
        long now = ticker.read();
        synchronized (template) {
            if (template.isExpired()) {
                return false;
            }
            if (template.controlledConnections() > 0 && now - template.expiresAtNanos() >= 0) {
                template.templateData().timeoutNanos = KEEPALIVE_NANOS; // the kernel's keep-alive re-arm overwrote it
            }
            template.expiresAt(now + template.templateData().timeoutNanos);
            template.control(1);
        }
        expiry.setExpiresAfter(key, UNBOUNDED, TimeUnit.NANOSECONDS);
        return !template.isExpired();
    }

    /** A connection controlled by {@code template} left the table. */
    void childGone(Connection template, long now) {
        Key key;
        synchronized (template) {
            long deadline = displayedDeadline(template, now); // computed while it still controls the child
            if (template.control(-1) > 0 || template.isExpired()) {
                return;
            }
            if (deadline != template.expiresAtNanos()) {
                template.templateData().timeoutNanos = KEEPALIVE_NANOS;
            }
            template.expiresAt(deadline);
            key = keyOf(template);
        }
        expiry.setExpiresAfter(key, Math.max(0, template.expiresAtNanos() - now), TimeUnit.NANOSECONDS);
    }

    /**
     * @return when the kernel's timer of this template fires next: its deadline, or while it
     *     controls connections and that deadline has passed, the next 60-second keep-alive step
     */
    long displayedDeadline(Connection template, long now) {
        long deadline = template.expiresAtNanos();
        if (template.controlledConnections() > 0 && now - deadline >= 0) {
            return deadline + ((now - deadline) / KEEPALIVE_NANOS + 1) * KEEPALIVE_NANOS;
        }
        return deadline;
    }

    /** Drops a template at once (its real server is gone or quiesced). */
    void invalidate(Key key, Connection template) {
        cache.asMap().remove(key, template);
    }

    /** Drops a template at once. */
    void invalidate(Connection template) {
        invalidate(keyOf(template), template);
    }

    private static Key keyOf(Connection template) {
        return (Key) template.templateData().key;
    }

    /**
     * drop_entry's share of the templates: drops those in one 1/32 slice (by key hash) that are
     * not ASSURED and control no connection — the kernel never drops an entry that controls others.
     *
     * @return how many were dropped
     */
    int dropUnassured(int slice) {
        int dropped = 0;
        for (var e : cache.asMap().entrySet()) {
            Connection t = e.getValue();
            if ((e.getKey().hashCode() & 31) == slice && t.state() == io.jlvs.core.conn.ConnectionState.NONE
                    && t.controlledConnections() == 0 && cache.asMap().remove(e.getKey(), t)) {
                dropped++;
            }
        }
        return dropped;
    }

    /** Processes due expiries now. */
    void cleanUp() {
        // Caffeine's maintenance run costs ~100 µs when cold, and a once-a-second caller keeps it
        // cold: an empty cache has nothing to expire, so most directors (no persistence) skip it
        if (cache.estimatedSize() > 0) {
            cache.cleanUp();
        }
    }

    List<Connection> snapshot() {
        return new ArrayList<>(cache.asMap().values());
    }

    long size() {
        return cache.estimatedSize();
    }

    void clear() {
        cache.invalidateAll();
        cache.cleanUp();
    }
}
