package io.jlvs.schedulers;

import io.jlvs.core.scheduler.conformance.SchedulerConformanceTest;
import io.jlvs.core.scheduler.SchedulerProvider;
import io.jlvs.core.scheduler.SchedulerRegistry;

import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.stream.Stream;

/**
 * Runs the conformance suite for every scheduler the registry finds (except {@code none}), so
 * schedulers added to this module or the class path later are covered without a new test.
 */
@ParameterizedClass(name = "{0}")
@MethodSource("names")
class RegistryConformanceTest extends SchedulerConformanceTest {
    @Parameter
    String name;

    static Stream<String> names() {
        return SchedulerRegistry.load().names().stream().filter(n -> !n.equals("none"));
    }

    @Override
    protected SchedulerProvider provider() {
        return SchedulerRegistry.load().provider(name);
    }
}
