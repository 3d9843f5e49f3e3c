package io.jlvs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jlvs.core.scheduler.SchedulerRegistry;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Writers change services and real servers while readers list and connect. Nothing may throw,
 * every connection must land on a real server of the right service, and afterwards the counters
 * of every real server must agree with the connection table.
 */
class DirectorConcurrencyTest {
    static final InetSocketAddress VIP = new InetSocketAddress("172.25.0.10", 80);
    static final ServiceKey SVC = ServiceKey.of(Protocol.TCP, VIP);

    @Test
    void writersAndReadersRaceWithoutLosingState() throws Exception {
        Director director = Director.builder().timerThread(false)
                .schedulers(SchedulerRegistry.of(new FirstAvailable.Provider("first"), new FirstAvailable.Provider("other")))
                .build();
        director.addService(ServiceConfig.builder(SVC).scheduler("first").build());
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<RealServer> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicInteger connects = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);

        Runnable writer = () -> {
            try {
                start.await();
                for (int round = 0; round < 300; round++) {
                    InetSocketAddress rs = new InetSocketAddress("10.0.0." + (2 + round % 7), 80);
                    try {
                        seen.add(director.addRealServer(SVC, RealServerConfig.builder(rs).method(ForwardingMethod.MASQ)
                                .weight(1 + round % 3).build()));
                    } catch (IpvsadmException e) {
                        director.editRealServer(SVC, RealServerConfig.builder(rs).method(ForwardingMethod.MASQ)
                                .weight(round % 3).build());
                    }
                    if (round % 5 == 4) {
                        director.deleteRealServer(SVC, new InetSocketAddress("10.0.0." + (2 + (round / 5) % 7), 80));
                    }
                    if (round % 50 == 0) {
                        director.ipvsadm("-E -t 172.25.0.10:80 -s " + (round % 100 == 0 ? "other" : "first"));
                    }
                    if (round % 10 == 0) {
                        director.ipvsadm("-A -t 172.25.0.11:80 -s first");
                        director.ipvsadm("-a -t 172.25.0.11:80 -r 10.0.1.1:80 -m");
                        director.ipvsadm("-D -t 172.25.0.11:80");
                    }
                }
            } catch (IpvsadmException e) {
                // a delete of a server that a concurrent round already removed; the writer is serial so
                // this cannot happen here, and if it does it is a real failure
                failures.add(e);
            } catch (Throwable t) {
                failures.add(t);
            }
        };
        Runnable reader = () -> {
            try {
                start.await();
                int port = 1024 + (int) (Thread.currentThread().threadId() % 1000) * 60;
                while (!stop.get()) {
                    for (VirtualService s : director.services()) {
                        for (RealServer rs : s.realServers()) {
                            assertTrue(rs.weight() >= 0);
                        }
                    }
                    if (port % 16 == 0) {
                        String table = director.ipvsadm("-Ln");
                        assertTrue(table.startsWith("IP Virtual Server version 1.2.1 (size=4096)\n"), table);
                        assertTrue(table.contains("TCP  172.25.0.10:80 "), table);
                        director.ipvsadm("-Lnc");
                        director.ipvsadm("-Ln --stats");
                    }
                    var c = director.connect(Protocol.TCP, new InetSocketAddress("172.25.0.100", port++ % 65536), VIP);
                    if (c.isPresent()) {
                        connects.incrementAndGet();
                        assertEquals(SVC, c.get().realServer().service().key());
                        if (port % 2 == 0) {
                            c.get().close();
                        }
                    }
                }
            } catch (Throwable t) {
                failures.add(t);
            }
        };
        Thread w = new Thread(writer);
        Thread r1 = new Thread(reader);
        Thread r2 = new Thread(reader);
        w.start();
        r1.start();
        r2.start();
        start.countDown();
        w.join();
        stop.set(true);
        r1.join();
        r2.join();
        assertTrue(failures.isEmpty(), () -> "failures: " + failures);
        assertTrue(connects.get() > 0);

        long counted = seen.stream().distinct().mapToLong(rs -> rs.activeConnections() + rs.inactiveConnections()).sum();
        assertEquals(director.connections().size(), counted, "real-server counters agree with the table");
        director.close();
        assertEquals(0, seen.stream().distinct().mapToLong(rs -> rs.activeConnections() + rs.inactiveConnections()).sum());
    }
}
