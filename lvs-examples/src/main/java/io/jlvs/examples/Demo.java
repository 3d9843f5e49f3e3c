package io.jlvs.examples;

import com.sun.net.httpserver.HttpServer;
import io.jlvs.core.Director;
import io.jlvs.core.ipvsadm.Ipvsadm;
import io.jlvs.dataplane.nat.NatDataplane;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The main demo: the seed guide's LVS-NAT experiment on loopback. A director with a virtual
 * service on 127.0.0.10, three embedded HTTP real servers, requests through the NAT data plane
 * (one TCP connection each, like {@code curl}), first under rr, then wrr with weights 5 and 10;
 * prints who answered each request, the {@code ipvsadm -Ln --stats} table and the distribution.
 */
public final class Demo {
    private Demo() {
    }

    /** Runs the demo, printing to standard output. */
    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    /** Runs the demo, printing to {@code out}. */
    public static void run(PrintStream out) throws Exception {
        List<HttpServer> realServers = new ArrayList<>();
        String[] names = {"lvs01", "lvs02", "lvs03"};
        for (String name : names) {
            realServers.add(realServer(name));
        }
        int vport = freePort();
        String vip = "127.0.0.10:" + vport;
        try (Director director = Director.create()) {
            Ipvsadm.restore(director, "-A -t " + vip + " -s rr\n");
            for (HttpServer rs : realServers) {
                director.ipvsadm("-a -t " + vip + " -r 127.0.0.1:" + rs.getAddress().getPort() + " -m -w 1");
            }
            try (NatDataplane nat = NatDataplane.builder(director).start()) {
                out.println("jlvs director on " + vip + " (NAT over " + nat.transport() + "), real servers "
                        + realServers.stream().map(s -> "127.0.0.1:" + s.getAddress().getPort()).toList());
                out.println();
                out.print(director.ipvsadm("-Ln"));
                Map<String, Integer> rr = requests(out, vip, 6, "rr");

                director.ipvsadm("-E -t " + vip + " -s wrr");
                director.ipvsadm("-e -t " + vip + " -r 127.0.0.1:" + realServers.get(0).getAddress().getPort() + " -m -w 5");
                director.ipvsadm("-e -t " + vip + " -r 127.0.0.1:" + realServers.get(1).getAddress().getPort() + " -m -w 10");
                director.ipvsadm("-d -t " + vip + " -r 127.0.0.1:" + realServers.get(2).getAddress().getPort());
                out.println();
                out.println("# ipvsadm -E -t " + vip + " -s wrr; lvs01 -w 5, lvs02 -w 10, lvs03 removed");
                out.print(director.ipvsadm("-Ln"));
                Map<String, Integer> wrr = requests(out, vip, 15, "wrr");

                out.println();
                out.println("# ipvsadm -Ln --stats");
                out.print(director.ipvsadm("-Ln --stats"));
                out.println();
                out.println("distribution   rr (6 requests)   wrr 5:10 (15 requests)");
                for (String name : names) {
                    out.printf("%-14s %-17d %d%n", name, rr.getOrDefault(name, 0), wrr.getOrDefault(name, 0));
                }
            }
        } finally {
            realServers.forEach(s -> s.stop(0));
        }
    }

    private static Map<String, Integer> requests(PrintStream out, String vip, int count, String label)
            throws IOException {
        Map<String, Integer> seen = new LinkedHashMap<>();
        String[] hp = vip.split(":");
        for (int i = 1; i <= count; i++) {
            String body = get(hp[0], Integer.parseInt(hp[1]));
            out.printf("%-4s request %2d -> %s%n", label, i, body);
            seen.merge(body.replace(" host!", ""), 1, Integer::sum);
        }
        return seen;
    }

    /** One HTTP/1.0 request on its own connection, as curl does: returns the body. */
    static String get(String host, int port) throws IOException {
        try (Socket s = new Socket(host, port)) {
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return response.substring(response.indexOf("\r\n\r\n") + 4).trim();
        }
    }

    private static HttpServer realServer(String name) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        byte[] body = (name + " host!\n").getBytes(StandardCharsets.UTF_8);
        server.createContext("/", exchange -> {
            exchange.getResponseHeaders().set("Content-Type", "text/plain");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        });
        server.start();
        return server;
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.10"))) {
            return probe.getLocalPort();
        }
    }
}
