/** JMH benchmarks; open so that JMH's generated code and reflection can reach the states. */
open module io.jlvs.bench {
    requires io.jlvs.core;
    requires io.jlvs.schedulers;
    requires jmh.core;
}
