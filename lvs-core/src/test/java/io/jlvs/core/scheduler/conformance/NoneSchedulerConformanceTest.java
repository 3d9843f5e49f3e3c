package io.jlvs.core.scheduler.conformance;

import io.jlvs.core.scheduler.SchedulerProvider;
import io.jlvs.core.scheduler.SchedulerRegistry;

/** The built-in {@code none} runs the conformance suite too (it never picks anything). */
class NoneSchedulerConformanceTest extends SchedulerConformanceTest {
    @Override
    protected SchedulerProvider provider() {
        return SchedulerRegistry.load().provider("none");
    }
}
