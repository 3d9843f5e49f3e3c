/**
 * JMH benchmarks of jlvs; open so that JMH's generated code and reflection can reach the states.
 * Run from the shaded jar on the class path: java -jar benchmarks/target/benchmarks.jar.
 */
open module io.jlvs.bench {
    requires io.jlvs.core;
    requires io.jlvs.schedulers;
    requires jmh.core;
    requires java.management;
    requires io.jlvs.dataplane;
}
