/*
 * lblc - locality-based least connection (kernel: net/netfilter/ipvs/ip_vs_lblc.c).
 *
 * Keyed on the packet's destination address (daddr), for transparent cache clusters. A cache maps
 * daddr -> {server, lastuse} in 1024 buckets (hash_32(daddr, 10)). A pick looks the daddr up; if
 * an entry exists its lastuse is refreshed and its server is used when it is available, has
 * weight > 0 and is not "overloaded" - more active connections than its weight while some server of
 * the service has active * 2 < weight. Otherwise the service's weighted least-connection server is
 * chosen (wlc over the whole list) and the entry is pointed to it, or created, except that no entry
 * is created while the cache holds >= 1.5 x 16384 entries (the chosen server is still used).
 * Garbage collection every 60 s: see LocalityTable (6 min idle beyond 16384 entries, every 30th pass
 * a full pass with the 24 h lblc_expiration). Deleting or editing a server changes nothing here: the
 * cache keeps pointing to it and the check on use decides.
 */
package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.Ticker;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;

import java.time.Duration;

/**
 * The {@code lblc} scheduler: each destination address sticks to one real server until that
 * server is unusable or overloaded, then moves to the weighted least-connection server.
 *
 * <ul>
 *   <li><b>Thread safety:</b> {@link #schedule} may be called by any number of threads. The cache is
 *       a lock-free table (see {@code LocalityTable}): looking up an existing entry allocates
 *       nothing and takes no lock; only creating an entry allocates it. The entry's server is a
 *       volatile field; concurrent re-points race benignly (last writer wins, as under the kernel's
 *       lock).</li>
 *   <li><b>Weight 0, OVERLOAD, deleted:</b> a cached server in any of these states is not used
 *       (the kernel checks AVAILABLE, weight and its overload test; the OVERLOAD flag is checked
 *       as well because the SPI forbids returning such a server); the wlc fallback skips them.</li>
 *   <li><b>Empty set</b> (or nothing usable): {@code null}, and the cache is not touched beyond the
 *       lastuse refresh.</li>
 *   <li><b>Rebuild triggers:</b> none; add, delete and edit leave the cache alone.</li>
 *   <li><b>Garbage collection:</b> no thread of its own. Each pick first checks (one volatile read)
 *       whether a 60 s pass is due by the injected {@link Ticker} and, if so, one caller runs the
 *       missed passes inline (non-blocking claim; other callers go on). A director timer may call
 *       {@link #checkExpire()} instead, so that the data path never pays for a pass.</li>
 * </ul>
 */
public final class LocalityBasedLeastConnection extends LocalityScheduler {

    /**
     * @param ticker the time source for lastuse and garbage collection
     * @param expiration the full-check expiration (the {@code lblc_expiration} sysctl, default 24 h)
     */
    public LocalityBasedLeastConnection(Ticker ticker, Duration expiration) {
        super(ticker, expiration);
    }

    /** With the default 24 h expiration. */
    public LocalityBasedLeastConnection(Ticker ticker) {
        this(ticker, Duration.ofNanos(LocalityTable.DEFAULT_EXPIRATION_NANOS));
    }

    @Override
    public RealServer schedule(Destinations destinations, ScheduleRequest request) {
        long now = ticker.read();
        table.expireIfDue(now);
        int daddr = request.destinationAddress();
        CacheEntry entry = (CacheEntry) table.get(daddr);
        if (entry != null) {
            entry.touch(now);
            RealServer cached = entry.server;
            if (cached.isSchedulable() && !LocalityOverload.isOverloaded(cached, destinations)) {
                return cached;
            }
        }
        RealServer pick = fallback.schedule(destinations, request);
        if (pick == null) {
            return null;
        }
        if (entry != null) {
            entry.server = pick;
        } else {
            CacheEntry inTable = (CacheEntry) table.insertIfAbsent(new CacheEntry(daddr, pick, now));
            if (inTable != null && inTable.server != pick) {
                inTable.server = pick; // another thread created it meanwhile: the latest pick wins
                inTable.touch(now);
            }
        }
        return pick;
    }

    /** The cached server of {@code daddr}, or {@code null} (tests and diagnostics). */
    RealServer cached(int daddr) {
        CacheEntry e = (CacheEntry) table.get(daddr);
        return e == null ? null : e.server;
    }

    private static final class CacheEntry extends LocalityTable.Entry {
        volatile RealServer server;

        CacheEntry(int daddr, RealServer server, long now) {
            super(daddr, now);
            this.server = server;
        }
    }

    /** Makes {@code lblc} schedulers bound to the context's ticker. */
    public static final class Provider implements SchedulerProvider {
        private final Duration expiration;

        /** The kernel default, 24 h expiration. */
        public Provider() {
            this(Duration.ofNanos(LocalityTable.DEFAULT_EXPIRATION_NANOS));
        }

        /** @param expiration the {@code lblc_expiration} for the full check */
        public Provider(Duration expiration) {
            checkExpiration(expiration);
            this.expiration = expiration;
        }

        @Override
        public String name() {
            return "lblc";
        }

        @Override
        public String description() {
            return "locality-based least-connection";
        }

        @Override
        public Scheduler create(SchedulerContext context) {
            return new LocalityBasedLeastConnection(context.ticker(), expiration);
        }
    }
}
