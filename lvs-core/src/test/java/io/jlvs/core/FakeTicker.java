package io.jlvs.core;

import java.util.concurrent.atomic.AtomicLong;

/** A ticker tests move by hand. */
public final class FakeTicker implements Ticker {
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

    @Override
    public long read() {
        return nanos.get();
    }

    /** Moves time forward by nanoseconds. */
    public void advanceNanos(long nanos) {
        nanos(nanos);
    }

    private void nanos(long n) {
        this.nanos.addAndGet(n);
    }

    /** Moves time forward. */
    public void advanceSeconds(long seconds) {
        nanos.addAndGet(seconds * 1_000_000_000L);
    }
}
