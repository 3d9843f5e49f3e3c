package io.jlvs.dataplane.nat;

import io.jlvs.core.Director;
import io.jlvs.core.ForwardingMethod;
import io.jlvs.core.Protocol;
import io.jlvs.core.RealServerConfig;
import io.jlvs.core.ServiceConfig;
import io.jlvs.core.ServiceKey;
import io.jlvs.core.Ticker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/** Real-socket helpers: loopback addresses, a shiftable ticker, blocking test servers. */
final class Support {
    private static final AtomicInteger NEXT_HOST = new AtomicInteger(10);

    private Support() {
    }

    /** @return a fresh loopback address 127.0.x.y for one test's VIP or real servers */
    static InetAddress loopback() {
        int n = NEXT_HOST.getAndIncrement();
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, (byte) (n / 250), (byte) (n % 250 + 2)});
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** @return VIP:port on a fresh loopback address with a port that is free right now */
    static InetSocketAddress freeAddress() {
        InetAddress a = loopback();
        try (ServerSocket s = new ServerSocket(0, 1, a)) {
            return new InetSocketAddress(a, s.getLocalPort());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Real time plus an offset that tests advance to fire connection timeouts. */
    static final class ShiftTicker implements Ticker {
        private volatile long offset;

        @Override
        public long read() {
            return System.nanoTime() + offset;
        }

        void advance(Duration d) {
            offset += d.toNanos();
        }
    }

    static Director director(ShiftTicker ticker) {
        return Director.builder().ticker(ticker).build();
    }

    static ServiceKey tcpService(Director d, InetSocketAddress vip, String scheduler) {
        ServiceKey key = ServiceKey.of(Protocol.TCP, vip);
        d.addService(ServiceConfig.builder(key).scheduler(scheduler).build());
        return key;
    }

    static void addMasq(Director d, ServiceKey key, InetSocketAddress rs, int weight) {
        d.addRealServer(key, RealServerConfig.builder(rs).method(ForwardingMethod.MASQ).weight(weight).build());
    }

    /** A TCP service (rr) on a free loopback address with one masquerading real server. @return its VIP */
    static InetSocketAddress natServiceTo(Director d, InetSocketAddress realServer) {
        InetSocketAddress vip = freeAddress();
        addMasq(d, tcpService(d, vip, "rr"), realServer, 1);
        return vip;
    }

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    static byte[] readFully(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) {
            throw new IOException("short read: " + b.length + " of " + n);
        }
        return b;
    }

    /**
     * A blocking TCP real server on virtual threads; each accepted socket is handed to the
     * behaviour. {@link #kill()} closes the listener and every accepted socket.
     */
    static final class TcpServer implements AutoCloseable {
        interface Behaviour {
            void serve(Socket s) throws IOException;
        }

        final ServerSocket server;
        final List<Socket> accepted = new CopyOnWriteArrayList<>();
        final AtomicInteger count = new AtomicInteger();
        final List<Throwable> errors = new CopyOnWriteArrayList<>();

        TcpServer(InetAddress at, Behaviour behaviour) throws IOException {
            server = new ServerSocket(0, 512, at);
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        accepted.add(s);
                        count.incrementAndGet();
                        Thread.ofVirtual().start(() -> {
                            try (s) {
                                behaviour.serve(s);
                            } catch (IOException | RuntimeException e) {
                                errors.add(e);
                            }
                        });
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        InetSocketAddress address() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        static Behaviour echo() {
            return s -> {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] buf = new byte[65536];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    out.write(buf, 0, n);
                }
                s.shutdownOutput();
            };
        }

        void kill() throws IOException {
            server.close();
            for (Socket s : accepted) {
                s.close();
            }
        }

        @Override
        public void close() throws IOException {
            kill();
        }
    }
}
