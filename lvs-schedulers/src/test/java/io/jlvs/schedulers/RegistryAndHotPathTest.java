package io.jlvs.schedulers;

import io.jlvs.core.Protocol;
import io.jlvs.core.RealServer;
import io.jlvs.core.ServiceConfig;
import io.jlvs.core.Ticker;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerRegistry;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ServiceLoader registration, allocation-free picks, and the lblc/lblcr caches under concurrency. */
class RegistryAndHotPathTest {

    @Test
    void providersAreFoundByName() {
        SchedulerRegistry registry = SchedulerRegistry.load();
        var ctx = Fixtures.context(Ticker.system());
        assertInstanceOf(SourceHashing.class, registry.create("sh", ctx));
        assertInstanceOf(DestinationHashing.class, registry.create("dh", ctx));
        assertInstanceOf(MaglevHashing.class, registry.create("mh", ctx));
        assertInstanceOf(LocalityBasedLeastConnection.class, registry.create("lblc", ctx));
        assertInstanceOf(LocalityBasedLeastConnectionWithReplication.class, registry.create("lblcr", ctx));
        assertEquals(4093, ((MaglevHashing) registry.create("mh", ctx)).tableSize());
        assertEquals(251, ((MaglevHashing) new MaglevHashing.Provider(251).create(ctx)).tableSize());
        assertEquals(256, ((SourceHashing) registry.create("sh", ctx)).tableSize());
    }

    // reflection: the test classes are compiled into the io.jlvs.schedulers module, which does not read
    // jdk.management; at run time they are on the class path. Boxing the result costs a few bytes.
    private static final Object THREAD_BEAN;
    private static final Method ALLOCATED;

    static {
        try {
            THREAD_BEAN = Class.forName("java.lang.management.ManagementFactory").getMethod("getThreadMXBean").invoke(null);
            ALLOCATED = Class.forName("com.sun.management.ThreadMXBean").getMethod("getCurrentThreadAllocatedBytes");
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static long allocatedBytes() {
        try {
            return (Long) ALLOCATED.invoke(THREAD_BEAN);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void picksDoNotAllocate() {
        Fixtures.FakeTicker ticker = new Fixtures.FakeTicker();
        RealServer[] rs = new RealServer[16];
        for (int i = 0; i < rs.length; i++) {
            rs[i] = Fixtures.rs(i + 1, 1 + i % 4);
        }
        rs[3].setDetachedWeight(0); // exercise the fallback probes too
        int flags = ServiceConfig.SCHED_FLAG_1 | ServiceConfig.SCHED_FLAG_2;
        List<Scheduler> schedulers = List.of(new SourceHashing(), new DestinationHashing(), new MaglevHashing(),
                new LocalityBasedLeastConnection(ticker), new LocalityBasedLeastConnectionWithReplication(ticker));
        ScheduleRequest request = new ScheduleRequest();
        for (Scheduler s : schedulers) {
            Destinations d = Fixtures.addAll(s, flags, rs);
            // lblc/lblcr: entries exist after the warm-up, so the measured loop only looks them up
            for (int round = 0; round < 3; round++) {
                run(s, d, request, 20_000);
            }
            allocatedBytes();
            long before = allocatedBytes();
            run(s, d, request, 100_000);
            long allocated = allocatedBytes() - before;
            assertTrue(allocated < 1024, s.getClass().getSimpleName() + " allocated " + allocated + " bytes");
        }
    }

    private static void run(Scheduler s, Destinations d, ScheduleRequest request, int n) {
        for (int i = 0; i < n; i++) {
            int key = i & 255;
            request.setIpv4(Protocol.TCP, 0x0A000000 + key * 7919, key, 0xC6336400 + (key & 63), 80);
            RealServer pick = s.schedule(d, request);
            if (pick != null && !pick.isSchedulable()) {
                throw new AssertionError(pick);
            }
        }
    }

    @Test
    void cachesStayConsistentUnderConcurrentPicksAndCollection() throws Exception {
        AtomicLong now = new AtomicLong(1);
        Ticker ticker = now::get;
        RealServer[] rs = new RealServer[8];
        for (int i = 0; i < rs.length; i++) {
            rs[i] = Fixtures.rs(i + 1, 1 + i % 3);
        }
        for (Scheduler s : List.of(new LocalityBasedLeastConnection(ticker, java.time.Duration.ofMinutes(1)),
                new LocalityBasedLeastConnectionWithReplication(ticker, java.time.Duration.ofMinutes(1)))) {
            Destinations d = Fixtures.addAll(s, 0, rs);
            int addresses = 3000;
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                threads.add(new Thread(() -> {
                    try {
                        ScheduleRequest request = new ScheduleRequest();
                        for (int i = 0; i < 30_000; i++) {
                            int daddr = 0x0B000000 + (i * 31 + seed * 7) % addresses;
                            request.setIpv4(Protocol.TCP, 1, 1, daddr, 80);
                            RealServer pick = s.schedule(d, request);
                            if (pick == null || !pick.isSchedulable()) {
                                throw new AssertionError("bad pick " + pick);
                            }
                            RealServer loaded = rs[(i + seed) % rs.length];
                            loaded.setLoad((i >> 4) % 5, i % 7, false);
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            assertNull(failure.get());
            LocalityTable table = s instanceof LocalityBasedLeastConnection l ? l.table()
                    : ((LocalityBasedLeastConnectionWithReplication) s).table();
            assertEquals(addresses, table.size(), "one entry per address, none lost or doubled");
            assertEquals(table.size(), table.countByWalking());
            // now collect concurrently with picks: time jumps past the full check while threads run
            threads.clear();
            for (int t = 0; t < 3; t++) {
                int seed = t;
                threads.add(new Thread(() -> {
                    try {
                        ScheduleRequest request = new ScheduleRequest();
                        for (int i = 0; i < 30_000; i++) {
                            if (seed == 0 && i % 1000 == 0) {
                                now.addAndGet(java.time.Duration.ofMinutes(7).toNanos());
                            }
                            request.setIpv4(Protocol.TCP, 1, 1, 0x0B000000 + (i * 13 + seed) % (2 * addresses), 80);
                            if (s.schedule(d, request) == null) {
                                throw new AssertionError("no pick");
                            }
                        }
                    } catch (Throwable e) {
                        failure.set(e);
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) {
                t.join();
            }
            assertNull(failure.get());
            assertEquals(table.countByWalking(), table.size(), "counter matches the chains after collection");
            assertTrue(table.size() <= 2 * addresses);
        }
    }
}
