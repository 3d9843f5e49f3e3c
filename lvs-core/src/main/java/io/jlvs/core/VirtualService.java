package io.jlvs.core;

import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.stats.Stats;

import java.util.List;

/**
 * A virtual service of a {@link Director} (the kernel's {@code ip_vs_service}): its configuration,
 * its real servers in list order and the scheduler bound to it.
 *
 * <p>Threading: the director's single writer replaces the service's {@link State} — configuration,
 * destination list and scheduler together — with one volatile store; the data path reads the
 * state once per new connection and works on that consistent snapshot without locks.
 */
public final class VirtualService {
    /**
     * One immutable generation of a service.
     *
     * @param config the configuration
     * @param destinations the real servers in list order (newest first)
     * @param scheduler the bound scheduler
     */
    public record State(ServiceConfig config, Destinations destinations, Scheduler scheduler) {
    }

    private final ServiceKey key;
    private final Stats stats = new Stats();
    private volatile State state;

    VirtualService(ServiceConfig config, Scheduler scheduler) {
        this.key = config.key();
        this.state = new State(config, Destinations.EMPTY.withSchedulerFlags(config.schedulerFlags()), scheduler);
    }

    /** @return the service's identity */
    public ServiceKey key() {
        return key;
    }

    /** @return the current generation: configuration, destinations and scheduler read together */
    public State state() {
        return state;
    }

    /** @return the current configuration */
    public ServiceConfig config() {
        return state.config();
    }

    /** @return the real servers in the kernel's list order (newest first) */
    public List<RealServer> realServers() {
        return state.destinations().asList();
    }

    /** @return the current destination snapshot */
    public Destinations destinations() {
        return state.destinations();
    }

    /** @return the bound scheduler */
    public Scheduler scheduler() {
        return state.scheduler();
    }

    /** @return the traffic counters of this service */
    public Stats stats() {
        return stats;
    }

    void publish(State next) {
        this.state = next;
    }

    @Override
    public String toString() {
        return "VirtualService[" + state.config() + ", " + state.destinations().size() + " real servers]";
    }
}
