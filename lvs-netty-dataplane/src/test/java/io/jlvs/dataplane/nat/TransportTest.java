package io.jlvs.dataplane.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.Test;

@org.junit.jupiter.api.extension.ExtendWith(LeakCheck.class)
class TransportTest {
    @Test
    void linuxGetsEpoll() {
        // these machines (and CI) are Linux x86_64 with the native epoll jar on the class path
        assertNull(Transport.epollUnavailabilityCause(), "epoll should load on Linux");
        assertEquals(Transport.EPOLL, Transport.best());
        assertEquals("epoll", Transport.best().toString());
    }

    @Test
    void bothTransportsStartAndStop() throws Exception {
        for (Transport t : Transport.values()) {
            EventLoopGroup group = t.newEventLoopGroup(1);
            group.submit(() -> { }).sync();
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void busyPollWindowIsChecked() {
        try (io.jlvs.core.Director d = io.jlvs.core.Director.builder().timerThread(false).build()) {
            NatDataplane.Builder b = NatDataplane.builder(d);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> b.busyPoll(java.time.Duration.ofMillis(-1)));
            assertTrue(e.getMessage().startsWith("busyPoll must be between 0 and 1 s"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> b.busyPoll(java.time.Duration.ofSeconds(2)));
            b.busyPoll(java.time.Duration.ZERO); // off
        }
    }

    /** Coalescing is on by default (for loops with enough flows), and its nap is checked. */
    @Test
    void coalescingIsOnByDefaultAndItsNapIsChecked() {
        try (io.jlvs.core.Director d = io.jlvs.core.Director.builder().timerThread(false).build()) {
            NatDataplane.Builder b = NatDataplane.builder(d);
            assertEquals(10_000, b.coalesceNanos, "10 µs naps unless asked otherwise");
            assertEquals(new EventCoalescing.Gate(32, 4), b.coalesceGate, "only loops with 32 open flows, 4 new ones a ms, nap");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> b.coalesce(java.time.Duration.ofNanos(-1)));
            assertEquals("coalesce must be between 0 and 1 ms: PT-0.000000001S", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> b.coalesce(java.time.Duration.ofNanos(1_000_001)));
            b.coalesce(java.time.Duration.ofMillis(1));
            assertEquals(1_000_000, b.coalesceNanos);
            b.coalesce(java.time.Duration.ZERO); // off again
            assertEquals(0, b.coalesceNanos);
        }
    }

    /**
     * A coalescing loop's naps are timed to the microsecond: its thread's timer slack is 1 µs, not
     * the default 50 µs (read back from the kernel), and a loop without coalescing keeps the default.
     */
    @Test
    void coalescingLoopsGetAFineTimerSlack() throws Exception {
        assertEquals(1_000L, loopTimerSlack(Transport.EPOLL.newEventLoopGroup(1, 0, 10_000)));
        assertEquals(readTimerSlack(), loopTimerSlack(Transport.EPOLL.newEventLoopGroup(1, 0, 0)),
                "a loop without coalescing inherits its creator's slack");
        assertEquals(readTimerSlack(), loopTimerSlack(Transport.EPOLL.newEventLoopGroup(1, 200_000, 10_000)),
                "busy polling replaces coalescing");
    }

    /**
     * The data plane's event loops run as SCHED_BATCH unless asked otherwise (read back from the
     * kernel on each loop's thread); the policy is per thread, so the caller's stays SCHED_OTHER.
     */
    @Test
    void dataPlaneLoopsRunAsBatchUnlessAskedOtherwise() throws Exception {
        try (io.jlvs.core.Director d = io.jlvs.core.Director.builder().timerThread(false).build()) {
            try (NatDataplane nat = NatDataplane.builder(d).workerThreads(2).start()) {
                assertEquals(java.util.List.of(Syscalls.SCHED_BATCH, Syscalls.SCHED_BATCH), loopPolicies(nat.group));
            }
            try (NatDataplane nat = NatDataplane.builder(d).workerThreads(2).batchScheduling(false).start()) {
                assertEquals(java.util.List.of(Syscalls.SCHED_OTHER, Syscalls.SCHED_OTHER), loopPolicies(nat.group));
            }
        }
        assertEquals(Syscalls.SCHED_OTHER, Syscalls.schedulingPolicy(), "the test's own thread is untouched");
        EventLoopGroup plain = Transport.EPOLL.newEventLoopGroup(1, 0, 10_000);
        try {
            assertEquals(java.util.List.of(Syscalls.SCHED_OTHER), loopPolicies(plain), "only the data plane's loops");
        } finally {
            plain.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    private static java.util.List<Integer> loopPolicies(EventLoopGroup group) throws Exception {
        java.util.List<Integer> policies = new java.util.ArrayList<>();
        for (io.netty.util.concurrent.EventExecutor loop : group) {
            policies.add(loop.submit(Syscalls::schedulingPolicy).get(5, java.util.concurrent.TimeUnit.SECONDS));
        }
        return policies;
    }

    private static long loopTimerSlack(EventLoopGroup group) throws Exception {
        try {
            return group.submit(TransportTest::readTimerSlack).get(5, java.util.concurrent.TimeUnit.SECONDS);
        } finally {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    /** The calling thread's timer slack in nanoseconds, as the kernel reports it. */
    private static long readTimerSlack() {
        return Syscalls.timerSlack();
    }
}
