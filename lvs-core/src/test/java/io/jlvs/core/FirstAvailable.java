package io.jlvs.core;

import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;

/**
 * A scheduler defined in the tests to exercise the SPI without lvs-schedulers: picks the first
 * schedulable destination in list order and records the lifecycle calls it received.
 */
public final class FirstAvailable implements Scheduler {
    final StringBuilder calls = new StringBuilder();

    /** Provider under a configurable name. */
    public record Provider(String name) implements SchedulerProvider {
        @Override
        public Scheduler create(SchedulerContext context) {
            return new FirstAvailable();
        }
    }

    @Override
    public void init(Destinations d) {
        calls.append("init(").append(d.size()).append(") ");
    }

    @Override
    public void added(Destinations d, RealServer rs) {
        calls.append("added(").append(d.indexOf(rs)).append('/').append(d.size()).append(") ");
    }

    @Override
    public void removed(Destinations d, RealServer rs, int formerIndex) {
        calls.append("removed(").append(formerIndex).append('/').append(d.size()).append(") ");
    }

    @Override
    public void updated(Destinations d, RealServer rs) {
        calls.append("updated ");
    }

    @Override
    public void done() {
        calls.append("done ");
    }

    @Override
    public RealServer schedule(Destinations d, ScheduleRequest r) {
        for (int i = 0; i < d.size(); i++) {
            RealServer rs = d.get(i);
            if (rs.isSchedulable()) {
                return rs;
            }
        }
        return null;
    }
}
