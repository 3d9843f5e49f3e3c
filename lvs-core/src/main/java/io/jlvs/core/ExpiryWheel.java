package io.jlvs.core;

import java.util.ArrayList;
import java.util.function.ToIntFunction;

/**
 * The connection table's timers: a hashed timing wheel of {@value #SLOTS} slots, one per tick of
 * 2<sup>24</sup> ns (about 16.8 ms; a turn is about 281 s). Each connection sits in the slot of its
 * deadline's tick (or of the turn's last tick when its deadline is further away), on an intrusive
 * doubly-linked list, so the timer looks only at the entries of the ticks that have passed and of
 * the current one: its cost follows the rate of expiries, not the table's size. The full sweep it
 * replaces cost ~0.63 ms a second with one entry and ~23 ms with a million
 * ({@code TimerSweepBenchmark}); the wheel costs ~0.2 ms a second with a million.
 *
 * <p>Deadlines move on every packet, so the wheel is lazy like a kernel timer that is re-armed
 * only when it fires: a later deadline leaves the entry in its slot, and the timer, finding it
 * not yet due, moves it to the slot of its new deadline. An earlier deadline (a state with a
 * shorter timeout, such as FIN_WAIT after ESTABLISHED) moves the entry at once, so every entry
 * expires at the timer's first run at or after its deadline.
 *
 * <p>Concurrency: a slot's list is guarded by one of {@value #STRIPES} stripe locks (chosen by
 * the slot). A connection's {@code wheelTick} (volatile) says which tick's list holds it;
 * {@link Connection#NOT_QUEUED} when none. It is only changed under the lock of the list it
 * leaves or joins, so a reader that finds it changed after taking a lock retries. The per-packet
 * path (a later deadline) reads it and takes no lock. The timer ({@link #expireDue}) runs on one
 * thread at a time; it processes a tick entirely under that tick's lock and publishes the tick as
 * processed under the same lock, so an entry joining a tick either is seen by that run or, finding
 * the tick processed, joins a later one.
 */
final class ExpiryWheel {
    static final int TICK_SHIFT = 24;
    static final long TICK_NANOS = 1L << TICK_SHIFT;
    static final int SLOTS = 1 << 14;
    private static final int STRIPES = 64;
    /** No deadline is armed closer than this to the moment it is armed (the shortest timeout is 1 s). */
    static final long MIN_TIMEOUT_NANOS = 1_000_000_000L;

    private final Connection[] heads = new Connection[SLOTS];
    private final Object[] locks = new Object[STRIPES];
    /** The clock reading that tick 0 starts at. */
    private final long origin;
    /** The last tick whose entries were all looked at. Written under that tick's lock. */
    private volatile long processed;
    /** Due entries collected under a slot's lock, handled after it (timer thread only; reused). */
    private final ArrayList<Connection> due = new ArrayList<>();
    /** Entries the timer has looked at so far: taken out of a list, or checked in the current tick (tests read it). */
    private long looked;

    ExpiryWheel(long nowNanos) {
        for (int i = 0; i < STRIPES; i++) {
            locks[i] = new Object();
        }
        this.origin = nowNanos;
        this.processed = -1;
    }

    /** @return the tick that {@code nanos} falls in (ticks are longs: an int would run out after 1.1 years) */
    long tickOf(long nanos) {
        return Math.max(0, (nanos - origin) >> TICK_SHIFT);
    }

    private Object lock(long tick) {
        return locks[(int) tick & (STRIPES - 1)];
    }

    private static int slotOf(long tick) {
        return (int) tick & (SLOTS - 1);
    }

    /**
     * Makes sure {@code c}'s new deadline {@code deadlineNanos} (already stored in it) is looked at
     * in time: nothing to do when the entry waits in a tick at or before it, else it joins the
     * deadline's tick.
     */
    void arm(Connection c, long deadlineNanos) {
        long target = tickOf(deadlineNanos);
        for (;;) {
            long queued = c.wheelTick;
            if (queued <= target) {
                return; // the timer reaches it first and, if the deadline moved on, moves it along
            }
            if (queued == Connection.NOT_QUEUED) {
                if (join(c, target)) {
                    return;
                }
            } else {
                leave(c, queued);
            }
        }
    }

    /** Puts a connection that is in no list into {@code tick}'s. @return false when another thread queued it first */
    private boolean join(Connection c, long tick) {
        for (;;) {
            long t = Math.min(tick, processed + SLOTS - 1); // within one turn, so a slot holds one tick
            synchronized (lock(t)) {
                long done = processed;
                if (t <= done) {
                    tick = done + 1; // processed meanwhile (or the deadline has passed): the next tick
                    continue;
                }
                if (c.wheelTick != Connection.NOT_QUEUED) {
                    return false;
                }
                int slot = slotOf(t);
                Connection head = heads[slot];
                c.wheelPrev = null;
                c.wheelNext = head;
                if (head != null) {
                    head.wheelPrev = c;
                }
                heads[slot] = c;
                c.wheelTick = t;
                return true;
            }
        }
    }

    /** Takes {@code c} out of {@code tick}'s list if it is still there. */
    private void leave(Connection c, long tick) {
        synchronized (lock(tick)) {
            if (c.wheelTick == tick) {
                unlink(c, slotOf(tick));
            }
        }
    }

    private void unlink(Connection c, int slot) {
        Connection prev = c.wheelPrev;
        Connection next = c.wheelNext;
        if (prev == null) {
            heads[slot] = next;
        } else {
            prev.wheelNext = next;
        }
        if (next != null) {
            next.wheelPrev = prev;
        }
        c.wheelPrev = null;
        c.wheelNext = null;
        c.wheelTick = Connection.NOT_QUEUED;
    }

    /**
     * Hands every entry whose deadline has come at {@code nowNanos} to {@code expiry} (which
     * removes it from the table): all entries of the ticks that have ended since the last run, of
     * which those not yet due (their deadline moved on) move to their deadline's tick, and the due
     * entries of the current tick, so an entry expires at the first run at or after its deadline.
     * One thread at a time.
     *
     * @return the entries {@code expiry} counted
     */
    int expireDue(long nowNanos, ToIntFunction<Connection> expiry) {
        long current = tickOf(nowNanos);
        // after a pause longer than a turn, one turn visits every slot (its entries may be
        // looked at early, which only moves them along)
        long from = Math.max(processed + 1, current - SLOTS + 1);
        int expired = 0;
        for (long tick = from; tick <= current; tick++) {
            int slot = slotOf(tick);
            synchronized (lock(tick)) {
                if (tick < current) {
                    for (Connection c = heads[slot]; c != null; c = heads[slot]) {
                        unlink(c, slot);
                        due.add(c);
                    }
                    processed = tick;
                } else {
                    for (Connection c = heads[slot], next; c != null; c = next) {
                        next = c.wheelNext;
                        looked++;
                        if (c.expiresAtNanos() - nowNanos <= 0 || c.isExpired()) {
                            unlink(c, slot);
                            due.add(c);
                        }
                    }
                }
            }
            if (tick < current) {
                looked += due.size();
            }
            for (int i = 0; i < due.size(); i++) {
                Connection c = due.get(i);
                if (c.isExpired()) {
                    continue; // left the table meanwhile (a replacing entry, a race with expireNow)
                }
                long deadline = c.expiresAtNanos();
                if (deadline - nowNanos <= 0) {
                    expired += expiry.applyAsInt(c);
                } else {
                    arm(c, deadline);
                }
            }
            due.clear();
        }
        return expired;
    }

    /**
     * When the timer next has work: the end of the first tick from the current one whose list is
     * not empty, or {@code limitNanos} if none ends before it. Exact as long as {@code limitNanos}
     * is at most {@link #MIN_TIMEOUT_NANOS} ahead: an entry armed after this call has a deadline at
     * least that far from the moment it was armed, so it falls at or after the limit.
     */
    long nextWork(long nowNanos, long limitNanos) {
        long last = tickOf(limitNanos);
        for (long tick = tickOf(nowNanos); tick < last; tick++) {
            boolean queued;
            synchronized (lock(tick)) {
                queued = heads[slotOf(tick)] != null;
            }
            if (queued) {
                return origin + ((tick + 1) << TICK_SHIFT);
            }
        }
        return limitNanos;
    }

    /** @return the entries the timer has looked at since the wheel was made (for tests) */
    long looked() {
        return looked;
    }

    /** Takes a connection that left the table out of its list, so the wheel does not keep it. */
    void remove(Connection c) {
        for (long q; (q = c.wheelTick) != Connection.NOT_QUEUED; ) {
            leave(c, q);
        }
    }
}
