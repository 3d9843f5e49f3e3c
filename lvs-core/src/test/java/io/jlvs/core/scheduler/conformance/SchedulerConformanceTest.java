package io.jlvs.core.scheduler.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.jlvs.core.ConformanceAccess;
import io.jlvs.core.Protocol;
import io.jlvs.core.RealServer;
import io.jlvs.core.RealServerConfig;
import io.jlvs.core.ServiceKey;
import io.jlvs.core.Ticker;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The conformance suite every scheduler runs, including third-party ones: subclass it and return
 * the provider. It drives the scheduler the way the director does (lifecycle callbacks with the
 * new list before the list is used, {@code loadChanged} after counter changes) with detached real
 * servers, a fake ticker and seeded randomness, and checks the rules common to all IPVS schedulers:
 * <ul>
 *   <li>never a destination with weight 0 or OVERLOAD, never one outside the list;</li>
 *   <li>{@code null} on an empty list and when every destination is quiesced or overloaded;</li>
 *   <li>deterministic: the same history with the same seed and time gives the same picks;</li>
 *   <li>no ineligible pick and no exception while another thread keeps swapping lists.</li>
 * </ul>
 * <p>It lives in its own package (not {@code io.jlvs.core.scheduler}) so that modular test
 * compilations of other modules can see it: a package of the named module {@code io.jlvs.core}
 * cannot be split with the test-jar.
 *
 * <p>It does not require a pick whenever something is usable: hashing schedulers legitimately
 * return none when the hashed destination is unusable.
 */
public abstract class SchedulerConformanceTest {

    /** @return the provider under test */
    protected abstract SchedulerProvider provider();

    /** @return the number of random histories per check (subclasses may raise it) */
    protected int histories() {
        return 20;
    }

    private static final ServiceKey SERVICE;

    static {
        try {
            SERVICE = ServiceKey.of(Protocol.TCP, InetAddress.getByName("192.0.2.1"), 80);
        } catch (UnknownHostException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A fake ticker the histories advance. */
    protected static final class FakeTicker implements Ticker {
        private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

        @Override
        public long read() {
            return nanos.get();
        }

        /** Advances time. */
        public void advance(long delta) {
            nanos.addAndGet(delta);
        }
    }

    /** A scheduler bound to a list, driven like the director drives it. */
    protected final class Harness {
        final FakeTicker ticker = new FakeTicker();
        final Scheduler scheduler;
        final ScheduleRequest request = new ScheduleRequest();
        volatile Destinations list = Destinations.EMPTY;
        private int nextAddress = 1;

        Harness(long seed) {
            scheduler = provider().create(new SchedulerContext(SERVICE, ticker, new Random(seed)));
            assertNotNull(scheduler, "provider returned no scheduler");
        }

        Harness init(Destinations d) {
            list = d;
            scheduler.init(d);
            return this;
        }

        RealServer server(int weight) {
            int i = nextAddress++;
            return RealServer.detached(RealServerConfig.builder(new InetSocketAddress(
                    "10." + (i >> 16 & 0xFF) + "." + (i >> 8 & 0xFF) + "." + (i & 0xFF), 8080)).weight(weight).build());
        }

        RealServer add(int weight) {
            RealServer rs = server(weight);
            Destinations next = list.withHead(rs);
            scheduler.added(next, rs);
            list = next;
            return rs;
        }

        void remove(int index) {
            RealServer rs = list.get(index);
            Destinations next = list.without(index);
            ConformanceAccess.unlink(rs);
            scheduler.removed(next, rs, index);
            list = next;
        }

        void edit(int index, int weight) {
            RealServer rs = list.get(index);
            rs.setDetachedWeight(weight);
            scheduler.updated(list, rs);
        }

        void load(RealServer rs, int active, int inactive, boolean overloaded) {
            rs.setLoad(active, inactive, overloaded);
            scheduler.loadChanged(rs);
        }

        RealServer pick(Random r) {
            request.setIpv4(r.nextInt(4) == 0 ? Protocol.UDP : Protocol.TCP, r.nextInt(64) | 0x0A000000,
                    1024 + r.nextInt(60000), 0xC0000201, 80);
            return scheduler.schedule(list, request);
        }

        /** Fails unless {@code rs} is null or a usable member of the current list. */
        RealServer check(RealServer rs) {
            if (rs == null) {
                return null;
            }
            if (list.indexOf(rs) < 0) {
                fail(provider().name() + " picked " + rs + " which is not in the list " + list.asList());
            }
            assertTrue(rs.weight() > 0, () -> provider().name() + " picked quiesced " + rs);
            assertTrue(!rs.isOverloaded(), () -> provider().name() + " picked overloaded " + rs);
            return rs;
        }
    }

    @Test
    void emptyListGivesNone() {
        Harness h = new Harness(1).init(Destinations.EMPTY);
        Random r = new Random(1);
        for (int i = 0; i < 10; i++) {
            assertNull(h.pick(r));
        }
        RealServer rs = h.add(1);
        h.check(h.pick(r));
        h.remove(h.list.indexOf(rs));
        for (int i = 0; i < 10; i++) {
            assertNull(h.pick(r), "none after the last destination was removed");
        }
        h.scheduler.done();
    }

    @Test
    void allQuiescedOrOverloadedGivesNone() {
        Random r = new Random(2);
        for (int size : new int[] {1, 3, 17, 40}) {
            Harness h = new Harness(size);
            RealServer[] servers = new RealServer[size];
            for (int i = 0; i < size; i++) {
                servers[i] = h.server(i % 2 == 0 ? 0 : 1 + i);
                if (i % 2 == 1) {
                    servers[i].setLoad(i, 0, true);
                }
            }
            h.init(Destinations.of(0, servers));
            for (int k = 0; k < 20; k++) {
                assertNull(h.pick(r), () -> provider().name() + ": all quiesced/overloaded, size " + size);
            }
            // make them usable, then quiesce or overload them one by one through the callbacks
            for (int i = 0; i < size; i++) {
                if (i % 2 == 0) {
                    h.edit(i, 3);
                } else {
                    h.load(servers[i], 0, 0, false);
                }
            }
            for (int k = 0; k < 20; k++) {
                h.check(h.pick(r));
            }
            for (int i = 0; i < size; i++) {
                if (i % 2 == 0) {
                    h.load(servers[i], 1, 1, true);
                } else {
                    h.edit(i, 0);
                }
                h.check(h.pick(r));
            }
            for (int k = 0; k < 20; k++) {
                assertNull(h.pick(r), () -> provider().name() + ": all quiesced/overloaded again, size " + size);
            }
        }
    }

    /** One random history step; returns the pick (as address text) or "-". */
    private String step(Harness h, Random r) {
        int op = r.nextInt(100);
        int n = h.list.size();
        if (op < 12 || n == 0) {
            h.add(r.nextInt(5) == 0 ? 0 : 1 + r.nextInt(r.nextBoolean() ? 4 : 20));
        } else if (op < 18) {
            h.remove(r.nextInt(n));
        } else if (op < 24) {
            h.edit(r.nextInt(n), r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(10));
        } else if (op < 40) {
            RealServer rs = h.list.get(r.nextInt(n));
            h.load(rs, r.nextInt(12), r.nextInt(300), r.nextInt(6) == 0);
        } else if (op < 45) {
            h.ticker.advance(r.nextInt(10) * 1_000_000_000L);
        }
        RealServer rs = h.check(h.pick(r));
        if (rs != null && r.nextBoolean()) {
            h.load(rs, rs.activeConnections() + 1, rs.inactiveConnections(), rs.isOverloaded());
        }
        return rs == null ? "-" : rs.address().toString();
    }

    @Test
    void neverPicksIneligibleOrForeignDestinations() {
        for (int history = 0; history < histories(); history++) {
            Random r = new Random(1000 + history);
            Harness h = new Harness(history);
            if (r.nextBoolean()) {
                h.init(Destinations.EMPTY);
            } else {
                int size = r.nextInt(40);
                RealServer[] servers = new RealServer[size];
                for (int i = 0; i < size; i++) {
                    servers[i] = h.server(r.nextInt(4) == 0 ? 0 : 1 + r.nextInt(9));
                    servers[i].setLoad(r.nextInt(5), r.nextInt(50), r.nextInt(8) == 0);
                }
                h.init(Destinations.of(0, servers));
            }
            for (int s = 0; s < 300; s++) {
                step(h, r);
            }
            h.scheduler.done();
        }
    }

    @Test
    void sameHistorySameSeedSamePicks() {
        for (int history = 0; history < histories(); history++) {
            List<String> first = run(history);
            List<String> second = run(history);
            assertEquals(first, second, provider().name() + " is not deterministic, history " + history);
        }
    }

    private List<String> run(int history) {
        Random r = new Random(5000 + history);
        Harness h = new Harness(77 + history).init(Destinations.EMPTY);
        List<String> picks = new ArrayList<>();
        for (int s = 0; s < 200; s++) {
            picks.add(step(h, r));
        }
        return picks;
    }

    @Test
    void correctWhileListsAreSwappedConcurrently() throws InterruptedException {
        Harness h = new Harness(9).init(Destinations.EMPTY);
        Set<RealServer> ever = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        int readers = 2;
        CountDownLatch started = new CountDownLatch(readers);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < readers; t++) {
            long seed = t;
            threads.add(new Thread(() -> {
                Random r = new Random(seed);
                ScheduleRequest request = new ScheduleRequest();
                started.countDown();
                try {
                    while (!stop.get()) {
                        Destinations d = h.list;
                        request.setIpv4(Protocol.TCP, r.nextInt(), 1024 + r.nextInt(60000), 0xC0000201, 80);
                        RealServer rs = h.scheduler.schedule(d, request);
                        if (rs != null) {
                            if (!ever.contains(rs)) {
                                throw new AssertionError("picked a foreign destination " + rs);
                            }
                            if (rs.weight() == 0 || rs.isOverloaded()) {
                                throw new AssertionError("picked an unusable destination " + rs);
                            }
                            rs.setLoad(rs.activeConnections() + (r.nextBoolean() ? 1 : -1) & 0xFF,
                                    rs.inactiveConnections(), false);
                            h.scheduler.loadChanged(rs);
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "conformance-reader-" + t));
        }
        threads.forEach(Thread::start);
        started.await();
        Random r = new Random(42);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400);
        int ops = 0;
        // quiesced and overloaded servers keep those properties for the whole test
        while ((System.nanoTime() < deadline || ops < 500) && failures.isEmpty()) {
            int n = h.list.size();
            if (n < 5 || (n < 60 && r.nextInt(3) > 0)) {
                int kind = r.nextInt(6);
                RealServer rs = h.server(kind == 0 ? 0 : 1 + r.nextInt(8));
                if (kind == 1) {
                    rs.setLoad(0, 0, true);
                }
                ever.add(rs);
                Destinations next = h.list.withHead(rs);
                h.scheduler.added(next, rs);
                h.list = next;
            } else {
                h.remove(r.nextInt(n));
            }
            h.ticker.advance(50_000_000L);
            ops++;
        }
        stop.set(true);
        for (Thread t : threads) {
            t.join(10_000);
        }
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError(provider().name() + " failed under concurrent list swaps");
            failures.forEach(e::addSuppressed);
            throw e;
        }
        h.scheduler.done();
    }
}
