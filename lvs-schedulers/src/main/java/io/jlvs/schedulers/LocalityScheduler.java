package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.Ticker;
import io.jlvs.core.scheduler.Destinations;

import java.time.Duration;
import java.util.Objects;

/**
 * What lblc and lblcr share (ip_vs_lblc.c, ip_vs_lblcr.c): the destination-address cache with its
 * garbage collection driven by the injected ticker, and the wlc pick they fall back to — served by
 * the indexed {@link WeightedLeastConnection}, so it costs a tree read rather than a scan of every
 * destination, with exactly the scan's result.
 */
abstract class LocalityScheduler extends RebuildingScheduler {
    final Ticker ticker;
    final long expirationNanos;
    final LocalityTable table;
    final WeightedLeastConnection fallback = new WeightedLeastConnection();

    /**
     * @param ticker the time source for lastuse and garbage collection
     * @param expiration the {@code lblc_expiration}/{@code lblcr_expiration} sysctl (default 24 h)
     */
    LocalityScheduler(Ticker ticker, Duration expiration) {
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.expirationNanos = checkExpiration(expiration);
        this.table = new LocalityTable(ticker.read(), expirationNanos);
    }

    static long checkExpiration(Duration expiration) {
        Objects.requireNonNull(expiration, "expiration");
        if (expiration.isNegative() || expiration.isZero()) {
            throw new IllegalArgumentException("expiration must be positive, got " + expiration);
        }
        return expiration.toNanos();
    }

    /** Runs the garbage-collection passes that are due now (for the director's timer). */
    public void checkExpire() {
        table.expireIfDue(ticker.read());
    }

    /** @return the number of cached destination addresses */
    public int cacheSize() {
        return table.size();
    }

    /** The cache (tests). */
    LocalityTable table() {
        return table;
    }

    @Override
    void rebuild(Destinations destinations) {
        fallback.init(destinations);
    }

    @Override
    public void loadChanged(RealServer server) {
        fallback.loadChanged(server);
    }

    @Override
    public void done() {
        fallback.done();
        table.close();
    }
}
