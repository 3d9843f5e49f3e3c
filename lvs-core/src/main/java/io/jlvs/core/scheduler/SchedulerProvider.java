package io.jlvs.core.scheduler;

/**
 * Makes schedulers of one algorithm, found through {@link java.util.ServiceLoader} (module path:
 * {@code provides io.jlvs.core.scheduler.SchedulerProvider with …}; class path:
 * {@code META-INF/services/io.jlvs.core.scheduler.SchedulerProvider}). Third parties add their
 * own algorithms this way.
 */
public interface SchedulerProvider {
    /** @return the ipvsadm name ({@code rr}, {@code wlc}, …): lower case, at most 15 characters */
    String name();

    /** @return a one-line description for listings of known schedulers */
    default String description() {
        return name();
    }

    /** @return a new scheduler instance for one virtual service */
    Scheduler create(SchedulerContext context);
}
