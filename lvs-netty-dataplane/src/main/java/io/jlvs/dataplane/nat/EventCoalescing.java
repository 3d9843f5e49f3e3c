package io.jlvs.dataplane.nat;

/**
 * When an epoll event loop that ran out of events should nap before it sleeps in
 * {@code epoll_wait} ({@link NatDataplane.Builder#coalesce}): the data plane's interrupt
 * moderation, in the spirit of a NIC's adaptive {@code ethtool -C rx-usecs}.
 *
 * <p>Why: a loop blocked in {@code epoll_wait} is woken by whoever makes one of its sockets
 * ready, inside that sender's system call (a client's {@code connect} or {@code close}, a real
 * server's {@code write}). On one machine, and above all in a VM, that wake-up (and the
 * preemption of the sender that often follows) costs the sender more than the event costs the
 * loop. A loop that naps on a timer instead is not in {@code epoll_wait}, so the senders only
 * queue their events, and the loop takes them as one batch when the nap ends.
 *
 * <p>A nap delays events by up to its length, so it is taken only while events are dense: at
 * least one per two naps' time, measured over windows of a millisecond. Sparse traffic (and an
 * idle loop) blocks at once, as without coalescing.
 *
 * <p>Not thread-safe: one per event loop, used by its thread only.
 */
final class EventCoalescing {
    /** How long the event rate is measured over before the decision is renewed. */
    static final long WINDOW_NANOS = 1_000_000;

    private final long napNanos;
    private long windowStart;
    private long events;
    private boolean dense;

    /** @param napNanos how long a nap lasts; must be positive */
    EventCoalescing(long napNanos, long now) {
        if (napNanos <= 0) {
            throw new IllegalArgumentException("nap must be positive: " + napNanos);
        }
        this.napNanos = napNanos;
        this.windowStart = now;
    }

    long napNanos() {
        return napNanos;
    }

    /**
     * A loop iteration handled {@code n} events (or tasks) and finished at {@code now}
     * ({@link System#nanoTime()}).
     */
    void handled(int n, long now) {
        events += n;
        long elapsed = now - windowStart;
        if (elapsed >= WINDOW_NANOS) {
            // dense: events x nap >= elapsed / 2, i.e. on average one event per two naps or more
            dense = events * napNanos * 2 >= elapsed;
            windowStart = now;
            events = 0;
        }
    }

    /** @return whether the loop, out of events, should nap before it blocks */
    boolean napBeforeBlocking() {
        return dense;
    }
}
