package io.jlvs.core.ipvsadm;

import io.jlvs.core.Director;
import io.jlvs.core.RealServer;
import io.jlvs.core.Ticker;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;
import io.jlvs.core.scheduler.SchedulerRegistry;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Directors for ipvsadm tests without lvs-schedulers: every ipvsadm scheduler name is registered
 * with a tiny test scheduler that picks the first schedulable real server in list order (listings
 * only show the name).
 */
public final class TestDirectors {
    /** The scheduler names ipvsadm's help lists, plus twos. */
    public static final String[] NAMES = {"rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo",
        "ovf", "mh", "twos"};

    private TestDirectors() {
    }

    /** A settable clock. */
    public static final class FakeTicker implements Ticker {
        private final AtomicLong now = new AtomicLong(1_000_000_000_000L);

        @Override
        public long read() {
            return now.get();
        }

        /** Moves the clock forward. */
        public void advanceMillis(long millis) {
            now.addAndGet(millis * 1_000_000L);
        }
    }

    private record FirstAvailable(String name) implements SchedulerProvider, Scheduler {
        @Override
        public Scheduler create(SchedulerContext context) {
            return this;
        }

        @Override
        public RealServer schedule(Destinations destinations, ScheduleRequest request) {
            for (int i = 0; i < destinations.size(); i++) {
                RealServer rs = destinations.get(i);
                if (rs.isSchedulable()) {
                    return rs;
                }
            }
            return null;
        }
    }

    /** @return the registry of test schedulers under every ipvsadm name */
    public static SchedulerRegistry registry() {
        SchedulerProvider[] providers = new SchedulerProvider[NAMES.length];
        for (int i = 0; i < NAMES.length; i++) {
            providers[i] = new FirstAvailable(NAMES[i]);
        }
        return SchedulerRegistry.of(providers);
    }

    /** @return a director with the test schedulers and no timer thread */
    public static Director director() {
        return Director.builder().schedulers(registry()).timerThread(false).build();
    }

    /** @return a director with the test schedulers, no timer thread and the given clock */
    public static Director director(Ticker ticker) {
        return Director.builder().schedulers(registry()).ticker(ticker).timerThread(false).build();
    }
}
