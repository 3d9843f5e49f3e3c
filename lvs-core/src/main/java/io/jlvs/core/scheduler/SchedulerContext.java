package io.jlvs.core.scheduler;

import io.jlvs.core.ServiceKey;
import io.jlvs.core.Ticker;

import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * What a scheduler is given when it is created: its service, and the director's injected time
 * and randomness (so that lblc expiry and twos draws are deterministic under test).
 *
 * @param service the virtual service the scheduler serves
 * @param ticker monotonic nanoseconds
 * @param random randomness; implementations used from several threads must be thread-safe or
 *     split per thread by the scheduler
 */
public record SchedulerContext(ServiceKey service, Ticker ticker, RandomGenerator random) {
    /** Validates the components. */
    public SchedulerContext {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(ticker, "ticker");
        Objects.requireNonNull(random, "random");
    }
}
