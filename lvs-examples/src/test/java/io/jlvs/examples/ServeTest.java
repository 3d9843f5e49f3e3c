package io.jlvs.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.jlvs.core.Director;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lvsadm --serve RULES}: the rules carry real HTTP until stopped, then the table prints. */
class ServeTest {
    @Test
    void servesTheRulesUntilStopped(@TempDir Path dir) throws Exception {
        HttpServer rs = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10);
        byte[] body = "served!\n".getBytes(StandardCharsets.UTF_8);
        rs.createContext("/", x -> {
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        rs.start();
        int vport;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.11"))) {
            vport = probe.getLocalPort();
        }
        Path rules = dir.resolve("rules");
        Files.writeString(rules, "-A -t 127.0.0.11:" + vport + " -s rr\n-a -t 127.0.0.11:" + vport + " -r 127.0.0.1:"
                + rs.getAddress().getPort() + " -m\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CountDownLatch stop = new CountDownLatch(1);
        ExecutorService runner = Executors.newSingleThreadExecutor();
        try (Director director = Director.create()) {
            Future<Integer> status = runner.submit(() -> Lvsadm.serve(director, rules, new Lvsadm.ServeOptions(1, 0, 0, true),
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), stop));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!out.toString(StandardCharsets.UTF_8).contains("serving ") && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            String answer = "";
            for (int i = 0; i < 50 && !answer.equals("served!"); i++) {
                try {
                    answer = Demo.get("127.0.0.11", vport);
                } catch (java.io.IOException e) {
                    Thread.sleep(50); // until the listener is bound (when the rules are loaded)
                }
            }
            assertEquals("served!", answer);
            stop.countDown();
            assertEquals(0, status.get(10, TimeUnit.SECONDS));
            String printed = out.toString(StandardCharsets.UTF_8);
            assertTrue(printed.contains("Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes"), printed);
            assertTrue(printed.matches("(?s).*TCP  127\\.0\\.0\\.11:" + vport + " +[1-9].*"), printed);
            assertEquals("", err.toString(StandardCharsets.UTF_8));
        } finally {
            runner.shutdownNow();
            rs.stop(0);
        }
    }
}
