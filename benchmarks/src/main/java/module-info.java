/** JMH benchmarks of jlvs (run from the shaded jar on the class path: java -jar benchmarks/target/benchmarks.jar). */
open module io.jlvs.bench {
    requires io.jlvs.core;
    requires jmh.core;
}
