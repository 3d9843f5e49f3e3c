/**
 * jlvs schedulers: the IPVS scheduling algorithms, one class each, registered by ipvsadm name.
 */
module io.jlvs.schedulers {
    requires transitive io.jlvs.core;

    exports io.jlvs.schedulers;

    provides io.jlvs.core.scheduler.SchedulerProvider with
            io.jlvs.schedulers.SourceHashing.Provider,
            io.jlvs.schedulers.DestinationHashing.Provider,
            io.jlvs.schedulers.MaglevHashing.Provider,
            io.jlvs.schedulers.LocalityBasedLeastConnection.Provider,
            io.jlvs.schedulers.LocalityBasedLeastConnectionWithReplication.Provider;
}
