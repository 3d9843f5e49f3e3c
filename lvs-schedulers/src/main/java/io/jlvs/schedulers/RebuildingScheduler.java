package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.Scheduler;

/**
 * A scheduler whose derived state (hash table, index) is rebuilt from the whole list on every
 * change — add, delete and edit — as the kernel's sh and mh do (ip_vs_sh.c, ip_vs_mh.c). The
 * rebuild runs in the director's single writer, before the new list is published.
 */
abstract class RebuildingScheduler implements Scheduler {
    /** Rebuilds the derived state for {@code destinations} and publishes it. */
    abstract void rebuild(Destinations destinations);

    @Override
    public final void init(Destinations destinations) {
        rebuild(destinations);
    }

    @Override
    public final void added(Destinations destinations, RealServer added) {
        rebuild(destinations);
    }

    @Override
    public final void removed(Destinations destinations, RealServer removed, int formerIndex) {
        rebuild(destinations);
    }

    @Override
    public final void updated(Destinations destinations, RealServer updated) {
        rebuild(destinations);
    }
}
