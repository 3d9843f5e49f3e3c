package io.jlvs.core;

import static io.jlvs.core.conn.TcpEvent.FLAG_ACK;
import static io.jlvs.core.conn.TcpEvent.FLAG_FIN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jlvs.core.scheduler.SchedulerRegistry;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * The connection table's expiry wheel: every entry expires at the timer's first run at or after
 * its deadline, whatever its deadline did meanwhile (moved on by packets, moved back by a state
 * with a shorter timeout) and however far apart the runs are, and the timer thread's sleep
 * ({@code nextExpiryWork}) ends within a tick of every deadline; a live entry costs the timer a look
 * only when a deadline it had passes, not on every run; racing threads lose no entry.
 */
class ExpiryWheelTest {
    static final InetSocketAddress VIP = new InetSocketAddress("172.25.0.10", 80);
    static final ServiceKey SVC = ServiceKey.of(Protocol.TCP, VIP);
    static final InetSocketAddress RS = new InetSocketAddress("10.0.0.2", 80);

    private static Director director(Ticker ticker) {
        Director d = Director.builder().ticker(ticker).timerThread(false)
                .schedulers(SchedulerRegistry.of(new Rotating.Provider())).build();
        d.addService(ServiceConfig.builder(SVC).scheduler("rot").build());
        d.addRealServer(SVC, RealServerConfig.builder(RS).method(ForwardingMethod.MASQ).build());
        return d;
    }

    /** One step of the model run: what happens to which connection, then how far time moves. */
    record Step(int action, int which, long advanceMillis) {
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Long> advance = Arbitraries.oneOf(
                Arbitraries.longs().between(0, 40),           // within a tick (~16.8 ms)
                Arbitraries.longs().between(0, 3_000),        // a few seconds
                Arbitraries.longs().between(0, 400_000));     // beyond one turn of the wheel (~281 s)
        return Arbitraries.integers().between(0, 5).flatMap(action -> Arbitraries.integers().between(0, 63)
                .flatMap(which -> advance.map(ms -> new Step(action, which, ms))))
                .list().ofMinSize(1).ofMaxSize(60);
    }

    @Property
    void everyEntryExpiresAtTheFirstRunAtOrAfterItsDeadline(@ForAll("steps") List<Step> steps) {
        FakeTicker ticker = new FakeTicker();
        Director director = director(ticker);
        try {
            List<Connection> made = new ArrayList<>();
            Map<Connection, Long> deadline = new HashMap<>();
            int port = 1024;
            for (Step step : steps) {
                long now = ticker.read();
                Connection c = made.isEmpty() ? null : made.get(step.which() % made.size());
                boolean live = c != null && !c.isExpired();
                switch (step.action()) {
                    case 0, 1 -> { // a new flow: SYN_RECV, 60 s
                        c = director.connect(Protocol.TCP, new InetSocketAddress("172.25.0.100", port++), VIP).orElseThrow();
                        made.add(c);
                        live = true;
                    }
                    case 2 -> { // established: 900 s, usually a later deadline
                        if (live) {
                            c.packetIn(FLAG_ACK, 52);
                        }
                    }
                    case 3 -> { // a FIN: a shorter timeout, an earlier deadline
                        if (live) {
                            c.packetIn(FLAG_FIN | FLAG_ACK, 52);
                        }
                    }
                    case 4 -> { // the proxy saw traffic: same timeout, later deadline
                        if (live) {
                            c.touch();
                        }
                    }
                    default -> { // closed both ways (TIME_WAIT, 120 s) or reset (CLOSE, 10 s)
                        if (live) {
                            if (step.which() % 2 == 0) {
                                c.close();
                            } else {
                                c.reset(true);
                            }
                        }
                    }
                }
                if (live) {
                    deadline.put(c, now + c.remainingNanos(now));
                }
                ticker.advanceNanos(step.advanceMillis() * 1_000_000L);
                director.runTimers();
                long at = ticker.read();
                // the timer thread would sleep until wake: no live entry may fall due more than a tick before it
                long wake = director.connectionTable().nextExpiryWork(at, at + 5_000_000_000L);
                assertTrue(wake - at > 0 && wake - at <= 1_000_000_000L, "sleeps " + (wake - at) + " ns");
                for (Connection e : made) {
                    long d = deadline.get(e);
                    assertEquals(d - at <= 0, e.isExpired(), () -> e + ": deadline " + d + ", timer ran at " + at);
                    if (!e.isExpired()) {
                        assertTrue(wake - d <= ExpiryWheel.TICK_NANOS, () -> e + ": deadline " + d + ", next run " + wake);
                    }
                }
            }
            ticker.advanceSeconds(1_000);
            director.runTimers();
            assertEquals(0, director.connectionTable().size(), "entries left after every deadline passed");
        } finally {
            director.close();
        }
    }

    @Test
    void liveEntriesCostTheTimerLooksAroundTheirDeadlinesNotOnEveryRun() {
        FakeTicker ticker = new FakeTicker();
        Director director = director(ticker);
        try {
            int n = 10_000;
            connect(director, n, 1).forEach(Connection::established); // 900 s
            runEvery20Ms(ticker, director, 10_000); // 200 s
            // each entry was looked at around its first deadline (SYN_RECV, 60 s): while its tick
            // was the current one and when it ended, and moved along; a sweep would have looked at
            // every entry every second (2,000,000 times)
            long looked = director.connectionTable().timerLooked();
            System.out.println("expiry wheel: " + looked + " looks at " + n + " entries in 200 s");
            assertTrue(looked >= n && looked <= 3L * n, "looked " + looked + " times at " + n + " entries");
            ticker.advanceSeconds(1_000);
            director.runTimers();
            assertEquals(0, director.connectionTable().size());
            assertTrue(director.connectionTable().timerLooked() <= 4L * n,
                    "each entry is moved along at most once a turn (~281 s): " + director.connectionTable().timerLooked());
        } finally {
            director.close();
        }
    }

    @Test
    void aDirectorUpForYearsStillLooksOnlyAtDueEntries() {
        FakeTicker ticker = new FakeTicker();
        Director director = director(ticker);
        try {
            ticker.advanceSeconds(800L * 24 * 3600); // past 2^31 ticks of ~16.8 ms
            director.runTimers();
            List<Connection> made = connect(director, 1_000, 2);
            long before = director.connectionTable().timerLooked();
            runEvery20Ms(ticker, director, 500); // 10 s; the deadlines are 60 s away
            assertEquals(before, director.connectionTable().timerLooked(), "entries far from their deadline were looked at");
            ticker.advanceSeconds(50);
            director.runTimers();
            assertTrue(made.stream().allMatch(Connection::isExpired), "SYN_RECV entries outlived their 60 s");
        } finally {
            director.close();
        }
    }

    /** {@code n} new flows (SYN_RECV, 60 s) from clients 172.25.{@code net}.x. */
    private static List<Connection> connect(Director director, int n, int net) {
        List<Connection> made = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            made.add(director.connect(Protocol.TCP, new InetSocketAddress("172.25." + net + "." + (i >>> 8), 1024 + i), VIP)
                    .orElseThrow());
        }
        return made;
    }

    /** {@code runs} timer runs 20 ms apart, as the timer thread makes them under steady expiry. */
    private static void runEvery20Ms(FakeTicker ticker, Director director, int runs) {
        for (int r = 0; r < runs; r++) {
            ticker.advanceNanos(20_000_000L);
            director.runTimers();
        }
    }

    @Test
    void racingThreadsLoseNoEntry() throws Exception {
        FakeTicker ticker = new FakeTicker();
        Director director = director(ticker);
        int threads = 4;
        int perThread = 5_000;
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Thread> writers = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                int id = t;
                writers.add(Thread.ofPlatform().start(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < perThread; i++) {
                            Connection c = director.connect(Protocol.TCP,
                                    new InetSocketAddress("172.25." + (10 + id) + "." + (i >>> 8), 1024 + i), VIP).orElse(null);
                            if (c == null) {
                                continue;
                            }
                            c.packetIn(FLAG_ACK, 52); // ESTABLISHED: later
                            for (int k = 0; k < i % 4; k++) {
                                c.touch(); // later still
                            }
                            if (i % 3 == 0) {
                                c.close(); // TIME_WAIT: earlier, moves the entry
                            } else if (i % 3 == 1) {
                                c.reset(true); // CLOSE: earlier still
                            }
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }));
            }
            Thread timer = Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    while (writing.get()) {
                        ticker.advanceNanos(7_000_000L);
                        director.runTimers();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            start.countDown();
            for (Thread w : writers) {
                w.join();
            }
            writing.set(false);
            timer.join();
            assertTrue(failures.isEmpty(), () -> "failures: " + failures);
            ticker.advanceSeconds(1_000);
            director.runTimers();
            assertEquals(0, director.connectionTable().size(), "entries the wheel lost track of never expire");
            RealServer rs = director.service(SVC).orElseThrow().realServers().getFirst();
            assertEquals(0, rs.activeConnections() + rs.inactiveConnections());
        } finally {
            director.close();
        }
    }
}
