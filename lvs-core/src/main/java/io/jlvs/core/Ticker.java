package io.jlvs.core;

/**
 * A source of monotonic time in nanoseconds. Injected into the director, its timers and the
 * schedulers so that everything time-driven is deterministic under test.
 */
@FunctionalInterface
public interface Ticker {
    /** @return monotonic nanoseconds */
    long read();

    /** @return the JVM's {@link System#nanoTime()} ticker */
    static Ticker system() {
        return System::nanoTime;
    }
}
