package io.jlvs.core.scheduler;

import io.jlvs.core.RealServer;

/**
 * The kernel's special scheduler name {@code none}: the service exists but schedules nothing, so
 * every new connection finds no destination (existing connections and templates still work).
 */
final class NoneScheduler implements Scheduler, SchedulerProvider {
    static final NoneScheduler INSTANCE = new NoneScheduler();
    static final String NAME = "none";

    private NoneScheduler() {
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "no scheduling: every new connection is refused";
    }

    @Override
    public Scheduler create(SchedulerContext context) {
        return this;
    }

    @Override
    public RealServer schedule(Destinations destinations, ScheduleRequest request) {
        return null;
    }
}
