package io.jlvs.core.stats;

/**
 * Estimated rates, as {@code ipvsadm -L --rate} shows them.
 *
 * @param cps connections per second
 * @param inPps incoming packets per second
 * @param outPps outgoing packets per second
 * @param inBps incoming bytes per second
 * @param outBps outgoing bytes per second
 */
public record RateSnapshot(long cps, long inPps, long outPps, long inBps, long outBps) {
    /** All zero. */
    public static final RateSnapshot ZERO = new RateSnapshot(0, 0, 0, 0, 0);
}
