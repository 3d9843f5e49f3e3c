package io.jlvs.dataplane.nat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The processes of the namespace tests ({@link TransparentNamespaceTest}), started with
 * {@code ip netns exec <ns> java -cp <test classes> io.jlvs.dataplane.nat.NetnsPeer ...}. JDK only,
 * so the test-classes directory is its whole class path. Each exits by itself after a watchdog
 * timeout, so a failed test never leaves one behind.
 *
 * <ul>
 *   <li>{@code server <address> <port> <connections>}: a real server. Prints {@code READY} once
 *       listening; for each connection {@code PEER <ip> <port>} (the address it saw), echoes until
 *       the client's FIN, answers with its own FIN, then prints {@code DONE <bytes>}.</li>
 *   <li>{@code client <vip> <port> <bytes> <seed>}: connects, prints {@code LOCAL <ip> <port>}, sends
 *       {@code bytes} random bytes (from {@code seed}) while reading the echo, and prints
 *       {@code OK <bytes>} when the echo is byte-exact and followed by EOF (exit 0), or
 *       {@code FAIL <reason>} (exit 1).</li>
 * </ul>
 */
public final class NetnsPeer {
    private static final long WATCHDOG_MILLIS = 30_000;

    private NetnsPeer() {
    }

    public static void main(String[] args) throws Exception {
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(WATCHDOG_MILLIS);
                System.out.println("FAIL watchdog");
                System.exit(3);
            } catch (InterruptedException ignored) {
                // normal exit
            }
        });
        watchdog.setDaemon(true);
        watchdog.start();
        switch (args[0]) {
            case "server" -> server(InetAddress.getByName(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "client" -> System.exit(client(new InetSocketAddress(args[1], Integer.parseInt(args[2])),
                    Integer.parseInt(args[3]), Long.parseLong(args[4])));
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    private static void server(InetAddress at, int port, int connections) throws IOException {
        try (ServerSocket ss = new ServerSocket(port, 16, at)) {
            System.out.println("READY");
            for (int i = 0; i < connections; i++) {
                try (Socket s = ss.accept()) {
                    InetSocketAddress peer = (InetSocketAddress) s.getRemoteSocketAddress();
                    System.out.println("PEER " + peer.getAddress().getHostAddress() + " " + peer.getPort());
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    byte[] buf = new byte[65536];
                    long total = 0;
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        out.write(buf, 0, n);
                        total += n;
                    }
                    s.shutdownOutput();
                    System.out.println("DONE " + total);
                }
            }
        }
    }

    private static int client(InetSocketAddress vip, int bytes, long seed) throws Exception {
        byte[] payload = new byte[bytes];
        new SplittableRandom(seed).nextBytes(payload);
        try (Socket s = new Socket()) {
            s.connect(vip, 5000);
            s.setSoTimeout(10_000);
            System.out.println("LOCAL " + s.getLocalAddress().getHostAddress() + " " + s.getLocalPort());
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    s.getOutputStream().write(payload);
                    s.shutdownOutput();
                } catch (IOException e) {
                    System.out.println("FAIL write " + e);
                }
            });
            byte[] echo = s.getInputStream().readNBytes(bytes);
            int after = echo.length == bytes ? s.getInputStream().read() : 0;
            writer.join(10_000);
            if (echo.length != bytes) {
                System.out.println("FAIL short echo " + echo.length + " of " + bytes);
                return 1;
            }
            if (!Arrays.equals(payload, echo)) {
                System.out.println("FAIL echo differs at byte " + Arrays.mismatch(payload, echo));
                return 1;
            }
            if (after != -1) {
                System.out.println("FAIL no EOF after the echo");
                return 1;
            }
            System.out.println("OK " + bytes);
            return 0;
        }
    }
}
