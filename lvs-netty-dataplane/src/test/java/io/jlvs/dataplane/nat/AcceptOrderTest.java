package io.jlvs.dataplane.nat;

import static io.jlvs.dataplane.nat.Support.addMasq;
import static io.jlvs.dataplane.nat.Support.freeAddress;
import static io.jlvs.dataplane.nat.Support.loopback;
import static io.jlvs.dataplane.nat.Support.readFully;
import static io.jlvs.dataplane.nat.Support.tcpService;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jlvs.core.Director;
import io.jlvs.core.RealServer;
import io.jlvs.core.ServiceKey;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;
import io.jlvs.core.scheduler.SchedulerRegistry;
import io.jlvs.dataplane.nat.Support.TcpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An event loop serves the flows it already carries before it accepts new connections: when one
 * {@code epoll_wait} returns both a listener and an established flow, the flow's bytes are relayed
 * first, and the connections waiting in the backlog are accepted after the batch. Setting a flow up
 * (scheduling, {@code socket}, {@code connect}) costs many times a relay, so accepting first would
 * put it in front of every response of the batch.
 */
@ExtendWith(LeakCheck.class)
class AcceptOrderTest {
    private static final int MESSAGE = 100;

    /** The real server's client bytes when the probe scheduler last picked while armed; -1 until then. */
    private static final AtomicLong IN_BYTES_AT_SCHEDULE = new AtomicLong(-1);
    private static volatile boolean armed;

    @Test
    void establishedFlowsOfABatchAreServedBeforeItsNewConnections() throws Exception {
        Director director = Director.builder().schedulers(SchedulerRegistry.load().with(new ProbeProvider())).build();
        try (TcpServer rs = new TcpServer(loopback(), TcpServer.echo())) {
            InetSocketAddress vip = freeAddress();
            ServiceKey key = tcpService(director, vip, "probe");
            addMasq(director, key, rs.address(), 1);
            try (NatDataplane nat = NatDataplane.builder(director).workerThreads(1).start();
                    Socket established = new Socket(vip.getAddress(), vip.getPort());
                    Socket newcomer = new Socket()) {
                assertEquals(Transport.EPOLL, nat.transport(), "the native relay needs epoll");
                established.setTcpNoDelay(true);
                exchange(established, (byte) 1);
                RealServer server = director.service(key).orElseThrow().realServers().getFirst();
                assertEquals(MESSAGE, server.stats().raw().inBytes());

                CountDownLatch blocked = new CountDownLatch(1);
                CountDownLatch release = new CountDownLatch(1);
                nat.epollEventLoops().getFirst().execute(() -> {
                    blocked.countDown();
                    try {
                        release.await(5, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                assertTrue(blocked.await(5, TimeUnit.SECONDS), "the event loop did not run the blocking task");
                // while the loop is held: first the listener becomes ready, then the established
                // client socket, so epoll reports them in that order
                newcomer.connect(vip, 5_000); // completes in the kernel's backlog
                newcomer.setTcpNoDelay(true);
                byte[] second = message((byte) 2);
                established.getOutputStream().write(second);
                // loopback delivers inside connect() and write(), unless softirqs are deferred to
                // ksoftirqd on a loaded machine, which keeps their order: give them time to land
                Thread.sleep(50);
                armed = true;
                release.countDown();

                assertArrayEquals(second, readFully(established.getInputStream(), MESSAGE));
                exchange(newcomer, (byte) 3);
                assertEquals(2L * MESSAGE, IN_BYTES_AT_SCHEDULE.get(),
                        "when the new connection was scheduled, the established flow's bytes of the same batch"
                                + " had not been relayed yet");
            } finally {
                armed = false;
            }
        } finally {
            director.close();
        }
    }

    private static byte[] message(byte b) {
        byte[] m = new byte[MESSAGE];
        Arrays.fill(m, b);
        return m;
    }

    private static void exchange(Socket s, byte b) throws java.io.IOException {
        byte[] m = message(b);
        s.getOutputStream().write(m);
        assertArrayEquals(m, readFully(s.getInputStream(), MESSAGE));
    }

    /**
     * The {@code probe} scheduler: picks the first schedulable real server and, once armed, notes
     * what that server has received so far.
     */
    record ProbeProvider(String name) implements SchedulerProvider {
        ProbeProvider() {
            this("probe");
        }

        @Override
        public Scheduler create(SchedulerContext context) {
            return (destinations, request) -> {
                for (int i = 0; i < destinations.size(); i++) {
                    RealServer s = destinations.get(i);
                    if (s.isSchedulable()) {
                        if (armed) {
                            IN_BYTES_AT_SCHEDULE.set(s.stats().raw().inBytes());
                        }
                        return s;
                    }
                }
                return null;
            };
        }
    }
}
