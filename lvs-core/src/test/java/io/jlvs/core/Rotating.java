package io.jlvs.core;

import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;

/** A test scheduler that hands out schedulable destinations in turn (single-threaded tests only). */
public final class Rotating implements Scheduler {
    private int next;

    /** Provider named {@code rot}. */
    public static final class Provider implements SchedulerProvider {
        @Override
        public String name() {
            return "rot";
        }

        @Override
        public Scheduler create(SchedulerContext context) {
            return new Rotating();
        }
    }

    @Override
    public RealServer schedule(Destinations d, ScheduleRequest r) {
        for (int i = 0; i < d.size(); i++) {
            RealServer rs = d.get((next + i) % d.size());
            if (rs.isSchedulable()) {
                next = (next + i + 1) % d.size();
                return rs;
            }
        }
        return null;
    }
}
