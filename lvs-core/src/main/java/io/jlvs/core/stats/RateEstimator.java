package io.jlvs.core.stats;

/**
 * The kernel's rate estimator ({@code ip_vs_est.c}): every 2 seconds each rate moves a quarter of
 * the way towards the last interval's rate, in fixed point (connections and packets scaled by
 * 2^10, bytes by 2^5). Integer arithmetic only, so the displayed sequence matches the kernel's
 * digit for digit (100 conn/s shows 25, 44, 58, 68, …).
 *
 * <p>Not thread-safe: {@link #sample} is called by the director's timer thread only;
 * {@link #rates()} may race with it and then reads a mix of two consecutive samples, as
 * ipvsadm does.
 */
public final class RateEstimator {
    /** The estimation interval. */
    public static final long INTERVAL_NANOS = 2_000_000_000L;

    private long lastConns;
    private long lastInPkts;
    private long lastOutPkts;
    private long lastInBytes;
    private long lastOutBytes;
    private volatile long cps;
    private volatile long inPps;
    private volatile long outPps;
    private volatile long inBps;
    private volatile long outBps;

    /** Starts from the given counter values with all rates 0. */
    public void reset(StatsSnapshot now) {
        lastConns = now.connections();
        lastInPkts = now.inPackets();
        lastOutPkts = now.outPackets();
        lastInBytes = now.inBytes();
        lastOutBytes = now.outBytes();
        cps = inPps = outPps = inBps = outBps = 0;
    }

    /** Takes one 2-second sample of the raw counters. */
    public void sample(StatsSnapshot now) {
        cps = step(cps, (now.connections() - lastConns) << 9);
        inPps = step(inPps, (now.inPackets() - lastInPkts) << 9);
        outPps = step(outPps, (now.outPackets() - lastOutPkts) << 9);
        inBps = step(inBps, (now.inBytes() - lastInBytes) << 4);
        outBps = step(outBps, (now.outBytes() - lastOutBytes) << 4);
        lastConns = now.connections();
        lastInPkts = now.inPackets();
        lastOutPkts = now.outPackets();
        lastInBytes = now.inBytes();
        lastOutBytes = now.outBytes();
    }

    private static long step(long avg, long rate) {
        return avg + ((rate - avg) >> 2);
    }

    /** @return the rates rounded as the kernel reports them */
    public RateSnapshot rates() {
        return new RateSnapshot((cps + 0x1FF) >> 10, (inPps + 0x1FF) >> 10, (outPps + 0x1FF) >> 10,
                (inBps + 0xF) >> 5, (outBps + 0xF) >> 5);
    }
}
