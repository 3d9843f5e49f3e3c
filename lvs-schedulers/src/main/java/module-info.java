/**
 * The IPVS scheduling algorithms, one class each, found by their ipvsadm names through
 * {@link io.jlvs.core.scheduler.SchedulerProvider}.
 */
module io.jlvs.schedulers {
    requires transitive io.jlvs.core;

    exports io.jlvs.schedulers;

    provides io.jlvs.core.scheduler.SchedulerProvider with
            io.jlvs.schedulers.RoundRobin.Provider,
            io.jlvs.schedulers.WeightedRoundRobin.Provider,
            io.jlvs.schedulers.LeastConnection.Provider,
            io.jlvs.schedulers.WeightedLeastConnection.Provider,
            io.jlvs.schedulers.ShortestExpectedDelay.Provider,
            io.jlvs.schedulers.NeverQueue.Provider,
            io.jlvs.schedulers.WeightedFailover.Provider,
            io.jlvs.schedulers.WeightedOverflow.Provider,
            io.jlvs.schedulers.WeightedTwoChoices.Provider,
            io.jlvs.schedulers.SourceHashing.Provider,
            io.jlvs.schedulers.DestinationHashing.Provider,
            io.jlvs.schedulers.MaglevHashing.Provider,
            io.jlvs.schedulers.LocalityBasedLeastConnection.Provider,
            io.jlvs.schedulers.LocalityBasedLeastConnectionWithReplication.Provider;
}
