package io.jlvs.dataplane.nat;

import static io.jlvs.dataplane.nat.Support.addMasq;
import static io.jlvs.dataplane.nat.Support.await;
import static io.jlvs.dataplane.nat.Support.freeAddress;
import static io.jlvs.dataplane.nat.Support.loopback;
import static io.jlvs.dataplane.nat.Support.tcpService;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jlvs.core.Director;
import io.jlvs.core.ServiceKey;
import io.jlvs.dataplane.nat.Support.ShiftTicker;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.LinuxSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * When the real server's last bytes and its FIN arrive together, the native relay sends them to the
 * client in one segment too ({@code MSG_MORE}, then {@code shutdown}), as HAProxy does: a short
 * response costs the client side two segments less. Counted with the client socket's
 * {@code TCP_INFO} ({@code tcpi_segs_in}), so the test sees segments, not just bytes.
 */
@ExtendWith(LeakCheck.class)
class FinWithLastBytesTest {
    private static final int IPPROTO_TCP = 6;
    private static final int TCP_CORK = 3;
    private static final int TCP_INFO = 11;
    /** Offsets in Linux's struct tcp_info (stable ABI: fields are only ever appended). */
    private static final long SEGS_IN = 140;
    private static final long DATA_SEGS_IN = 152;

    @Test
    void theServersLastBytesAndItsFinReachTheClientInOneSegment() throws Exception {
        Epoll.ensureAvailability(); // loads Netty's native library, which LinuxSocket needs
        Director director = Support.director(new ShiftTicker());
        LinuxSocket listener = LinuxSocket.newSocketStream();
        LinuxSocket client = LinuxSocket.newSocketStream();
        LinuxSocket accepted = null;
        try {
            listener.bind(new InetSocketAddress(loopback(), 0));
            listener.listen(4);
            InetSocketAddress vip = freeAddress();
            ServiceKey key = tcpService(director, vip, "rr");
            addMasq(director, key, listener.localAddress(), 1);
            try (NatDataplane nat = NatDataplane.builder(director).workerThreads(1).start()) {
                assertEquals(Transport.EPOLL, nat.transport());
                if (!client.connect(vip)) {
                    await("client connected", Duration.ofSeconds(5), () -> finishConnect(client));
                }
                send(client, "GET\n".getBytes());
                accepted = acceptWithin(listener, Duration.ofSeconds(5));
                assertArrayEquals("GET\n".getBytes(), receive(accepted, 4, Duration.ofSeconds(5)));

                // the relay read the request, so it has acknowledged it: nothing more is on its way to the client
                await("the SYN-ACK and the ACK of the request counted", Duration.ofSeconds(2),
                        () -> tcpInfoInt(client, SEGS_IN) >= 2);
                int segsBefore = tcpInfoInt(client, SEGS_IN);
                assertEquals(0, tcpInfoInt(client, DATA_SEGS_IN));

                // the real server's response and FIN leave in one segment, so the relay sees both at once
                byte[] response = new byte[300];
                java.util.Arrays.fill(response, (byte) 'r');
                accepted.setIntOpt(IPPROTO_TCP, TCP_CORK, 1);
                send(accepted, response);
                accepted.close();

                assertArrayEquals(response, receive(client, -1, Duration.ofSeconds(5)), "the response, then EOF");
                assertEquals(1, tcpInfoInt(client, DATA_SEGS_IN), "one data segment");
                assertEquals(1, tcpInfoInt(client, SEGS_IN) - segsBefore,
                        "the relay's FIN came with the response, not in a segment of its own");
                client.close();
                await("flow closed", Duration.ofSeconds(5), () -> nat.flowCount() == 0);
            }
        } finally {
            for (LinuxSocket s : new LinuxSocket[] {listener, client, accepted}) {
                if (s != null && s.isOpen()) {
                    s.close();
                }
            }
            director.close();
        }
    }

    private static boolean finishConnect(LinuxSocket s) {
        try {
            return s.finishConnect();
        } catch (IOException e) {
            throw new AssertionError("connect through the relay failed", e);
        }
    }

    private static void send(LinuxSocket s, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
        while (b.hasRemaining()) {
            b.position(b.position() + s.send(b, b.position(), b.limit()));
        }
    }

    private static LinuxSocket acceptWithin(LinuxSocket listener, Duration timeout) throws Exception {
        byte[] address = new byte[26];
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int fd; ; Thread.sleep(5)) {
            if ((fd = listener.accept(address)) >= 0) {
                return LinuxSocket.newSocket(fd);
            }
            assertTrue(System.nanoTime() < deadline, "the relay connected to the real server");
        }
    }

    /** Reads {@code n} bytes, or up to EOF when {@code n < 0}. */
    private static byte[] receive(LinuxSocket s, int n, Duration timeout) throws Exception {
        ByteBuffer b = ByteBuffer.allocateDirect(64 * 1024);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (n < 0 || got.size() < n) {
            b.clear();
            int r = s.recv(b, 0, n < 0 ? b.capacity() : n - got.size());
            if (r < 0) {
                break; // EOF
            }
            if (r == 0) {
                assertTrue(System.nanoTime() < deadline, "received " + got.size() + " bytes, then nothing");
                Thread.sleep(5);
                continue;
            }
            byte[] chunk = new byte[r];
            b.get(0, chunk);
            got.writeBytes(chunk);
        }
        return got.toByteArray();
    }

    @SuppressWarnings("restricted") // FFM downcall; tests run with --enable-native-access
    private static int tcpInfoInt(LinuxSocket s, long offset) {
        Linker linker = Linker.nativeLinker();
        MethodHandle getsockopt = linker.downcallHandle(linker.defaultLookup().find("getsockopt").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(256);
            MemorySegment length = arena.allocate(ValueLayout.JAVA_INT);
            length.set(ValueLayout.JAVA_INT, 0, (int) info.byteSize());
            int rc;
            try {
                rc = (int) getsockopt.invokeExact(s.intValue(), IPPROTO_TCP, TCP_INFO, info, length);
            } catch (Throwable t) {
                throw new AssertionError("getsockopt through FFM", t);
            }
            assertEquals(0, rc, "getsockopt(TCP_INFO)");
            assertTrue(length.get(ValueLayout.JAVA_INT, 0) >= offset + 4, "this kernel's tcp_info has the field");
            return info.get(ValueLayout.JAVA_INT, offset);
        }
    }
}
