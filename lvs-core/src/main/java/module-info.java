/**
 * jlvs core: the director, virtual services, real servers, the Scheduler SPI, the connection
 * table with persistence templates, statistics and the ipvsadm language.
 */
module io.jlvs.core {
    requires com.github.benmanes.caffeine;

    exports io.jlvs.core;
    exports io.jlvs.core.scheduler;
    exports io.jlvs.core.stats;
    exports io.jlvs.core.conn;
    exports io.jlvs.core.ipvsadm;

    uses io.jlvs.core.scheduler.SchedulerProvider;
}
