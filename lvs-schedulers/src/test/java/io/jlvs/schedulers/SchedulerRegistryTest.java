package io.jlvs.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jlvs.core.IpvsadmException;
import io.jlvs.core.scheduler.SchedulerRegistry;

import org.junit.jupiter.api.Test;

import java.util.List;

class SchedulerRegistryTest {
    private static final List<String> OURS = List.of("rr", "wrr", "lc", "wlc", "sed", "nq", "fo", "ovf", "twos");

    @Test
    void findsEveryScheduler() {
        SchedulerRegistry registry = SchedulerRegistry.load();
        for (String name : OURS) {
            assertTrue(registry.contains(name), name);
            assertEquals(name, registry.provider(name).name());
        }
        assertTrue(registry.contains("none"));
    }

    @Test
    void unknownNameListsKnownNames() {
        SchedulerRegistry registry = SchedulerRegistry.load();
        IpvsadmException e = assertThrows(IpvsadmException.class, () -> registry.provider("wlcx"));
        assertTrue(e.getMessage().contains("wlcx"), e.getMessage());
        for (String name : OURS) {
            assertTrue(e.getMessage().contains(" " + name), () -> name + " missing in: " + e.getMessage());
        }
    }
}
