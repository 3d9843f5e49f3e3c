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
 * <p>A nap delays events, so it is taken only while it pays ({@link Gate#DEFAULT}):
 * <ul>
 *   <li>the loop carries at least 32 open TCP flows: a client with few connections waits on each
 *       answer, so a nap's delay is a request it does not send (eight keep-alive connections
 *       through one loop lost 8 % when every loop napped), while many connections hide it;</li>
 *   <li>connections churn: at least 4 new flows a millisecond. The wake-ups that cost most are
 *       those of connection set-up and tear-down ({@code connect} and {@code close} wake the loop
 *       and are preempted by it); on established connections naps measured no gain in throughput
 *       and a longer latency tail (keep-alive p99 1.22 against 0.97 ms for HAProxy);</li>
 *   <li>events are dense: at least one per two naps' time (sparse traffic and an idle loop block
 *       at once, as without coalescing);</li>
 *   <li>naps find events: when fewer than four in five of the last 64 naps came back with any (the
 *       CPUs are contended, so a nap lasts far longer than asked and mostly delays), the loop stops
 *       napping for 8 ms, then tries again; every failed try doubles the pause, up to a quarter
 *       of a second, and a good try resets it.</li>
 * </ul>
 *
 * Churn and density are judged at the end of windows of a millisecond, the flow count at once.
 *
 * <p>Not thread-safe: one per event loop, used by its thread only. The loop's {@link EpollLoop}
 * finds it through {@link #ofCurrentThread()} and reports its flows ({@link #flowStarted},
 * {@link #openFlows}).
 */
final class EventCoalescing {
    /**
     * What a loop's traffic must look like before it naps, beyond dense events.
     *
     * @param minFlows open TCP flows
     * @param minNewFlows new TCP flows per {@link #WINDOW_NANOS window}
     */
    record Gate(int minFlows, int minNewFlows) {
        /** The data plane's gate: 32 open flows, 4 new ones a millisecond (see the class comment). */
        static final Gate DEFAULT = new Gate(32, 4);
        /** No gate but dense events (tests). */
        static final Gate NONE = new Gate(0, 0);
    }

    private static final ThreadLocal<EventCoalescing> OF_THREAD = new ThreadLocal<>();
    /** How long the event rate is measured over before the decision is renewed. */
    static final long WINDOW_NANOS = 1_000_000;
    /**
     * Naps judged together: enough that a loop whose naps find events 97 % of the time (measured
     * under load with a core to spare) is not paused by chance, nor one at 50-65 % (two loops on
     * two contended cores) let through.
     */
    static final int NAPS_JUDGED = 64;
    static final long MIN_PAUSE_NANOS = 8 * WINDOW_NANOS;
    static final long MAX_PAUSE_NANOS = 256 * WINDOW_NANOS;

    private final long napNanos;
    private final Gate gate;
    private int flows;
    private int newFlows;
    private long windowStart;
    private long events;
    private int naps;
    private int hits;
    private long pause = MIN_PAUSE_NANOS;
    private long pausedUntil;
    private boolean nap;

    /**
     * @param napNanos how long a nap lasts; must be positive
     * @param gate what the loop's traffic must look like before it naps
     * @param now the clock ({@link System#nanoTime()}) at the start
     */
    EventCoalescing(long napNanos, Gate gate, long now) {
        if (napNanos <= 0) {
            throw new IllegalArgumentException("nap must be positive: " + napNanos);
        }
        this.napNanos = napNanos;
        this.gate = gate;
        this.windowStart = now;
        this.pausedUntil = now;
    }

    long napNanos() {
        return napNanos;
    }

    /** Makes this the coalescing of the calling event loop thread (when the loop starts). */
    void attachToCurrentThread() {
        OF_THREAD.set(this);
    }

    /** @return the coalescing of the calling event loop thread, or null when it does not coalesce */
    static EventCoalescing ofCurrentThread() {
        return OF_THREAD.get();
    }

    /** A TCP flow started; the loop now carries {@code n}. */
    void flowStarted(int n) {
        flows = n;
        newFlows++;
    }

    /** The loop now carries {@code n} open TCP flows (one ended). */
    void openFlows(int n) {
        flows = n;
    }

    /** @return the open TCP flows the loop last reported */
    int openFlows() {
        return flows;
    }

    /** A nap ended; {@code hit}: the poll after it found events. */
    void napped(boolean hit) {
        naps++;
        if (hit) {
            hits++;
        }
    }

    /**
     * A loop iteration handled {@code n} events (or tasks) and finished at {@code now}
     * ({@link System#nanoTime()}).
     */
    void handled(int n, long now) {
        events += n;
        long elapsed = now - windowStart;
        if (elapsed < WINDOW_NANOS) {
            return;
        }
        if (naps >= NAPS_JUDGED) {
            if (hits * 5 < naps * 4) {
                pausedUntil = now + pause; // naps often came back empty: they mostly delayed events
                pause = Math.min(pause * 2, MAX_PAUSE_NANOS);
            } else {
                pause = MIN_PAUSE_NANOS;
            }
            naps = 0;
            hits = 0;
        }
        // dense: events x nap >= elapsed / 2, i.e. on average one event per two naps or more;
        // churning: new flows per window (a long window, after a long sleep, counts as several)
        nap = events * napNanos * 2 >= elapsed
                && (long) newFlows * WINDOW_NANOS >= (long) gate.minNewFlows() * elapsed
                && now - pausedUntil >= 0;
        windowStart = now;
        events = 0;
        newFlows = 0;
    }

    /** @return whether the loop, out of events, should nap before it blocks */
    boolean napBeforeBlocking() {
        return nap && flows >= gate.minFlows();
    }
}
