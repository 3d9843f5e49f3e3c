package io.jlvs.core.stats;

import java.util.concurrent.atomic.LongAdder;

/**
 * Traffic counters of a real server, a virtual service or the whole director. Counting is striped
 * ({@link LongAdder}), so data-path threads never contend on one cache line and reading never
 * blocks them. {@link #zero()} records a zero point as {@code ipvsadm -Z} does instead of
 * resetting the raw counters.
 */
public final class Stats {
    private final LongAdder connections = new LongAdder();
    private final LongAdder inPackets = new LongAdder();
    private final LongAdder outPackets = new LongAdder();
    private final LongAdder inBytes = new LongAdder();
    private final LongAdder outBytes = new LongAdder();
    private final RateEstimator estimator = new RateEstimator();
    private volatile StatsSnapshot zeroPoint = StatsSnapshot.ZERO;

    /** Counts a newly scheduled connection. */
    public void countConnection() {
        connections.increment();
    }

    /** Counts one client-to-server packet (or read) of {@code bytes} bytes. */
    public void countIn(long bytes) {
        inPackets.increment();
        inBytes.add(bytes);
    }

    /** Counts one server-to-client packet (or read) of {@code bytes} bytes. */
    public void countOut(long bytes) {
        outPackets.increment();
        outBytes.add(bytes);
    }

    /** Counts {@code packets} client-to-server packets totalling {@code bytes}. */
    public void countIn(long packets, long bytes) {
        inPackets.add(packets);
        inBytes.add(bytes);
    }

    /** Counts {@code packets} server-to-client packets totalling {@code bytes}. */
    public void countOut(long packets, long bytes) {
        outPackets.add(packets);
        outBytes.add(bytes);
    }

    /** @return the raw counters, never zeroed */
    public StatsSnapshot raw() {
        return new StatsSnapshot(connections.sum(), inPackets.sum(), outPackets.sum(), inBytes.sum(), outBytes.sum());
    }

    /** @return the counters since the last {@link #zero()} */
    public StatsSnapshot snapshot() {
        return raw().minus(zeroPoint);
    }

    /** Remembers the current values as zero and resets the rates, like {@code ipvsadm -Z}. */
    public synchronized void zero() {
        StatsSnapshot now = raw();
        zeroPoint = now;
        estimator.reset(now);
    }

    /** One 2-second estimator step; called by the director's timer only. */
    public synchronized void estimate() {
        estimator.sample(raw());
    }

    /** @return the estimated rates */
    public RateSnapshot rates() {
        return estimator.rates();
    }
}
