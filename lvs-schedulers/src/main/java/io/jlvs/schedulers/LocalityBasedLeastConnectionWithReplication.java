/*
 * lblcr - locality-based least connection with replication (kernel: net/netfilter/ipvs/ip_vs_lblcr.c).
 *
 * Same daddr-keyed cache as lblc (1024 buckets, hash_32(daddr, 10), 16384 entries, 60 s GC,
 * 6 min idle, full check every 30th pass with lblcr_expiration, default 24 h), but each entry holds
 * a set of servers (newest member first) and the time the set was last modified.
 * With an entry: refresh lastuse; n = the set's weighted least-loaded member among those available,
 * of weight > 0 and not OVERLOAD (overhead = active * 256 + inactive, strict comparison so ties keep
 * the earlier member). If the set has more than one member and was last modified longer than the
 * expiration ago, its weighted most-loaded member of weight > 0 is removed (one per pick; this
 * counts as a modification). If n exists and is not "overloaded" (active > weight while some
 * server of the service has active * 2 < weight) n is used; otherwise the service's wlc server is
 * chosen and added to the set (if not already a member; adding is a modification).
 * Without an entry: the wlc server, and a new entry with that one-member set (not created at
 * >= 1.5 x 16384 entries).
 */
package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.Ticker;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;

/**
 * The {@code lblcr} scheduler: each destination address maps to a set of real servers that grows
 * when its members are overloaded and shrinks again when it has been stable for the expiration.
 *
 * <ul>
 *   <li><b>Thread safety:</b> {@link #schedule} may be called by any number of threads. The cache is
 *       the lock-free table of {@code LocalityTable}; an entry's member set is an immutable array
 *       plus its modification time, replaced by compare-and-set (copy on write). Looking up an
 *       existing entry and picking from an unchanged set allocate nothing and take no lock; only
 *       creating an entry and growing or shrinking a set allocate.</li>
 *   <li><b>Weight 0, OVERLOAD, deleted:</b> such members are skipped by the set's least-loaded
 *       pick; the wlc fallback skips them too. A deleted member stays in the set until it is
 *       removed as the most loaded, as in the kernel.</li>
 *   <li><b>Empty set</b> (or nothing usable): {@code null}.</li>
 *   <li><b>Rebuild triggers:</b> none; add, delete and edit leave the cache alone.</li>
 *   <li><b>Garbage collection:</b> as for {@link LocalityBasedLeastConnection}: driven from picks
 *       when the injected {@link Ticker} says a 60 s pass is due, or from {@link #checkExpire()}.</li>
 * </ul>
 */
public final class LocalityBasedLeastConnectionWithReplication extends LocalityScheduler {

    /**
     * @param ticker the time source for lastuse, set modification and garbage collection
     * @param expiration the {@code lblcr_expiration} sysctl (default 24 h): the set shrink age and the
     *     full-check idle limit
     */
    public LocalityBasedLeastConnectionWithReplication(Ticker ticker, Duration expiration) {
        super(ticker, expiration);
    }

    /** With the default 24 h expiration. */
    public LocalityBasedLeastConnectionWithReplication(Ticker ticker) {
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
            MemberSet set = entry.set;
            RealServer least = set.leastLoaded();
            if (set.members.length > 1 && now - (set.lastModified + expirationNanos) > 0) {
                entry.shrink(now, expirationNanos);
            }
            if (least != null && !LocalityOverload.isOverloaded(least, destinations)) {
                return least;
            }
            RealServer pick = fallback.schedule(destinations, request);
            if (pick != null) {
                entry.add(pick, now);
            }
            return pick;
        }
        RealServer pick = fallback.schedule(destinations, request);
        if (pick == null) {
            return null;
        }
        CacheEntry inTable = (CacheEntry) table.insertIfAbsent(new CacheEntry(daddr, pick, now));
        if (inTable != null) {
            inTable.add(pick, now); // no-op for our fresh entry; joins a racing thread's set otherwise
        }
        return pick;
    }

    /** The members of {@code daddr}'s set, newest first, or {@code null} (tests and diagnostics). */
    RealServer[] members(int daddr) {
        CacheEntry e = (CacheEntry) table.get(daddr);
        return e == null ? null : e.set.members.clone();
    }

    /** An immutable server set with its last modification time. */
    private static final class MemberSet {
        final RealServer[] members;
        final long lastModified;

        MemberSet(RealServer[] members, long lastModified) {
            this.members = members;
            this.lastModified = lastModified;
        }

        /** The weighted least-connection member that is available, of weight > 0 and not OVERLOAD. */
        RealServer leastLoaded() {
            RealServer least = null;
            long leastOverhead = 0;
            long leastWeight = 0;
            for (RealServer rs : members) {
                long w = rs.weight();
                if (w <= 0 || rs.isOverloaded() || !rs.isAvailable()) {
                    continue;
                }
                long overhead = rs.connectionOverhead();
                if (least == null || leastOverhead * w > overhead * leastWeight) {
                    least = rs;
                    leastOverhead = overhead;
                    leastWeight = w;
                }
            }
            return least;
        }

        /** The weighted most-loaded member of weight > 0 (availability and OVERLOAD not considered). */
        int mostLoadedIndex() {
            int most = -1;
            long mostOverhead = 0;
            long mostWeight = 0;
            for (int i = 0; i < members.length; i++) {
                RealServer rs = members[i];
                long w = rs.weight();
                if (w <= 0) {
                    continue;
                }
                long overhead = rs.connectionOverhead();
                if (most < 0 || mostOverhead * w < overhead * mostWeight) {
                    most = i;
                    mostOverhead = overhead;
                    mostWeight = w;
                }
            }
            return most;
        }

        boolean contains(RealServer rs) {
            for (RealServer m : members) {
                if (m == rs) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final class CacheEntry extends LocalityTable.Entry {
        private static final VarHandle SET;

        static {
            try {
                SET = MethodHandles.lookup().findVarHandle(CacheEntry.class, "set", MemberSet.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        volatile MemberSet set;

        CacheEntry(int daddr, RealServer first, long now) {
            super(daddr, now);
            this.set = new MemberSet(new RealServer[] {first}, now);
        }

        /** Adds {@code rs} at the head of the set unless it is a member; a change stamps {@code now}. */
        void add(RealServer rs, long now) {
            while (true) {
                MemberSet current = set;
                if (current.contains(rs)) {
                    return;
                }
                RealServer[] next = new RealServer[current.members.length + 1];
                next[0] = rs;
                System.arraycopy(current.members, 0, next, 1, current.members.length);
                if (SET.compareAndSet(this, current, new MemberSet(next, now))) {
                    return;
                }
            }
        }

        /** Removes the most-loaded member if the set still has several and is still stale. */
        void shrink(long now, long expirationNanos) {
            while (true) {
                MemberSet current = set;
                if (current.members.length <= 1 || now - (current.lastModified + expirationNanos) <= 0) {
                    return; // another thread changed it meanwhile
                }
                int most = current.mostLoadedIndex();
                if (most < 0) {
                    return;
                }
                RealServer[] next = new RealServer[current.members.length - 1];
                System.arraycopy(current.members, 0, next, 0, most);
                System.arraycopy(current.members, most + 1, next, most, next.length - most);
                if (SET.compareAndSet(this, current, new MemberSet(next, now))) {
                    return;
                }
            }
        }
    }

    /** Makes {@code lblcr} schedulers bound to the context's ticker. */
    public static final class Provider implements SchedulerProvider {
        private final Duration expiration;

        /** The kernel default, 24 h expiration. */
        public Provider() {
            this(Duration.ofNanos(LocalityTable.DEFAULT_EXPIRATION_NANOS));
        }

        /** @param expiration the {@code lblcr_expiration} */
        public Provider(Duration expiration) {
            LocalityScheduler.checkExpiration(expiration);
            this.expiration = expiration;
        }

        @Override
        public String name() {
            return "lblcr";
        }

        @Override
        public String description() {
            return "locality-based least-connection with replication";
        }

        @Override
        public Scheduler create(SchedulerContext context) {
            return new LocalityBasedLeastConnectionWithReplication(context.ticker(), expiration);
        }
    }
}
