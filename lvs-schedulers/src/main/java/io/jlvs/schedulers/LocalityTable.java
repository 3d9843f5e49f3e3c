/*
 * The destination-address cache of lblc and lblcr (kernel: the ip_vs_lblc_table of ip_vs_lblc.c and
 * ip_vs_lblcr_table of ip_vs_lblcr.c): 1024 buckets chosen by hash_32(daddr, 10), at most
 * max_size = 16 x 1024 = 16384 entries before the garbage collector trims, and no new entries once
 * 1.5 x max_size are present.
 * Garbage collection (the kernel's 60 s check_expire timer), one pass per 60 s period:
 *   - every 30th pass (a pass counter that starts at 1, advances only on passes that find
 *     entries <= max_size, and is reset to 1 by the full check) deletes every entry idle for at
 *     least the expiration (sysctl lblc_expiration / lblcr_expiration, default 24 h);
 *   - otherwise, if entries > max_size, it deletes entries idle for at least 6 min, visiting buckets
 *     round-robin from where the last pass stopped, until goal = min((entries - max_size) * 4 / 3,
 *     max_size / 2) entries are gone (checked after each bucket, so a bucket is always finished).
 */
package io.jlvs.schedulers;

import io.jlvs.core.Ticker;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A lock-free chained hash table from a 32-bit destination address to an entry, with the kernel's
 * lblc/lblcr garbage collection driven by an injected {@link Ticker}.
 *
 * <h2>Concurrency</h2>
 * Buckets are an {@link AtomicReferenceArray} of singly linked chains. Lookups walk a chain
 * without locking or allocating. New entries are pushed on the head of their chain with a CAS;
 * when the CAS fails the inserter rescans the chain, so one address never gets two entries.
 * Only the garbage collector unlinks entries, and only one collector runs at a time (a
 * non-blocking {@code compareAndSet} claim: a thread that finds a collection already running simply
 * goes on). Because inserts touch only bucket heads and only the collector rewrites {@code next}
 * links, an unlink is a plain store on the predecessor, or a CAS on the head that is retried from
 * the new head when an insert raced it. A reader that is on an entry being unlinked still sees a
 * valid chain (the entry keeps its {@code next}); it may use that entry one last time, like an RCU
 * reader in the kernel.
 *
 * <h2>When garbage collection runs</h2>
 * No thread of its own: {@link #expireIfDue(long)} is called at the start of every pick (one
 * volatile read and a compare when nothing is due) and may also be called by the director's
 * timer through the schedulers' {@code checkExpire()}. When it finds passes due it runs every
 * missed 60 s pass in order, each with the time it was due, so the outcome equals the kernel's
 * timer firing on time (no picks happened in between to change the table).
 */
final class LocalityTable {
    static final int TABLE_BITS = 10;
    static final int TABLE_SIZE = 1 << TABLE_BITS;
    static final int TABLE_MASK = TABLE_SIZE - 1;
    /** The kernel's max_size: 16 entries per bucket. */
    static final int MAX_SIZE = 16 * TABLE_SIZE;
    /** Entries are not created at or above 1.5 x max_size. */
    static final int CREATE_LIMIT = MAX_SIZE * 3 / 2;
    static final long CHECK_PERIOD_NANOS = TimeUnit.SECONDS.toNanos(60);
    static final long ENTRY_TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(6);
    static final int COUNT_FOR_FULL_EXPIRATION = 30;
    /** The default of the lblc_expiration / lblcr_expiration sysctls. */
    static final long DEFAULT_EXPIRATION_NANOS = TimeUnit.HOURS.toNanos(24);

    /** A cache entry keyed by destination address. Subclasses hold what the scheduler caches. */
    abstract static class Entry {
        private static final VarHandle LAST_USE;

        static {
            try {
                LAST_USE = MethodHandles.lookup().findVarHandle(Entry.class, "lastUse", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        final int daddr;
        @SuppressWarnings("unused") // accessed through LAST_USE
        private long lastUse;
        volatile Entry next;

        Entry(int daddr, long now) {
            this.daddr = daddr;
            this.lastUse = now;
        }

        /** Marks the entry used; an opaque store (atomic, unordered), like the kernel's plain jiffies write. */
        final void touch(long now) {
            LAST_USE.setOpaque(this, now);
        }

        final long lastUse() {
            return (long) LAST_USE.getOpaque(this);
        }
    }

    private final AtomicReferenceArray<Entry> buckets = new AtomicReferenceArray<>(TABLE_SIZE);
    private final AtomicInteger entries = new AtomicInteger();
    private final AtomicBoolean collecting = new AtomicBoolean();
    private final long expirationNanos;
    private volatile long nextCheck;
    private volatile boolean dead;
    // collector state, touched only by the thread that holds `collecting`
    private int counter = 1;
    private int rover;

    LocalityTable(long nowNanos, long expirationNanos) {
        this.expirationNanos = expirationNanos;
        this.nextCheck = nowNanos + CHECK_PERIOD_NANOS;
    }

    static int bucketOf(int daddr) {
        return KernelHash.hash32(daddr, TABLE_BITS);
    }

    /** @return the entry of {@code daddr}, or {@code null}; allocation-free */
    Entry get(int daddr) {
        for (Entry e = buckets.get(bucketOf(daddr)); e != null; e = e.next) {
            if (e.daddr == daddr) {
                return e;
            }
        }
        return null;
    }

    /**
     * Inserts {@code fresh} unless its address already has an entry or the table is full
     * (≥ 1.5 × max_size entries) or closed.
     *
     * @return the entry now in the table for that address ({@code fresh} or an existing one), or
     *     {@code null} when nothing was inserted and none exists
     */
    Entry insertIfAbsent(Entry fresh) {
        int b = bucketOf(fresh.daddr);
        while (true) {
            Entry head = buckets.get(b);
            for (Entry e = head; e != null; e = e.next) {
                if (e.daddr == fresh.daddr) {
                    return e;
                }
            }
            if (dead || entries.get() >= CREATE_LIMIT) {
                return null;
            }
            fresh.next = head;
            if (buckets.compareAndSet(b, head, fresh)) {
                entries.incrementAndGet();
                return fresh;
            }
        }
    }

    /** @return the number of entries */
    int size() {
        return entries.get();
    }

    /** @return the entries found by walking every chain (tests: must equal {@link #size()} when quiet) */
    int countByWalking() {
        int n = 0;
        for (int b = 0; b < TABLE_SIZE; b++) {
            for (Entry e = buckets.get(b); e != null; e = e.next) {
                n++;
            }
        }
        return n;
    }

    /** Runs every garbage-collection pass due at {@code now}, unless another thread is running them. */
    void expireIfDue(long now) {
        if (now - nextCheck < 0 || !collecting.compareAndSet(false, true)) {
            return;
        }
        try {
            long due = nextCheck;
            while (now - due >= 0) {
                checkExpire(due);
                due += CHECK_PERIOD_NANOS;
                nextCheck = due;
            }
        } finally {
            collecting.set(false);
        }
    }

    /** One pass of the kernel's periodic timer at time {@code now}. */
    private void checkExpire(long now) {
        if (counter % COUNT_FOR_FULL_EXPIRATION == 0) {
            int j = rover;
            for (int i = 0; i < TABLE_SIZE; i++) {
                j = (j + 1) & TABLE_MASK;
                removeIdle(j, now, expirationNanos);
            }
            rover = j;
            counter = 1;
            return;
        }
        int n = entries.get();
        if (n <= MAX_SIZE) {
            counter++;
            return;
        }
        int goal = Math.min((n - MAX_SIZE) * 4 / 3, MAX_SIZE / 2);
        int j = rover;
        for (int i = 0; i < TABLE_SIZE; i++) {
            j = (j + 1) & TABLE_MASK;
            goal -= removeIdle(j, now, ENTRY_TIMEOUT_NANOS);
            if (goal <= 0) {
                break;
            }
        }
        rover = j;
    }

    /** Unlinks the entries of bucket {@code b} idle for at least {@code timeout}; returns how many. */
    private int removeIdle(int b, long now, long timeout) {
        int removed = 0;
        Entry pred = null;
        Entry e = buckets.get(b);
        while (e != null) {
            Entry next = e.next;
            if (now - e.lastUse() >= timeout) {
                unlink(b, pred, e);
                removed++;
            } else {
                pred = e;
            }
            e = next;
        }
        if (removed > 0) {
            entries.addAndGet(-removed);
        }
        return removed;
    }

    private void unlink(int b, Entry pred, Entry e) {
        if (pred != null) {
            pred.next = e.next;
            return;
        }
        if (buckets.compareAndSet(b, e, e.next)) {
            return;
        }
        // inserts pushed new heads in front of e: find its new predecessor (only we edit links)
        Entry p = buckets.get(b);
        while (p.next != e) {
            p = p.next;
        }
        p.next = e.next;
    }

    /** Empties the table and refuses further inserts (the scheduler is unbound). */
    void close() {
        dead = true;
        for (int i = 0; i < TABLE_SIZE; i++) {
            buckets.set(i, null);
        }
        entries.set(0);
    }
}
