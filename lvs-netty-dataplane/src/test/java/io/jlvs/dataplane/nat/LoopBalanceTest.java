package io.jlvs.dataplane.nat;

import static io.jlvs.dataplane.nat.Support.await;
import static io.jlvs.dataplane.nat.Support.loopback;
import static io.jlvs.dataplane.nat.Support.natServiceTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jlvs.core.Director;
import io.jlvs.dataplane.nat.Support.ShiftTicker;
import io.jlvs.dataplane.nat.Support.TcpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * SO_REUSEPORT spreads connections over the event loops by hash; long-lived flows are then handed
 * over to the least loaded loop when the spread is uneven, and the handed-over flows relay as usual.
 */
@ExtendWith(LeakCheck.class)
class LoopBalanceTest {
    @Test
    void longLivedFlowsEndUpEvenlySpreadOverTheLoops() throws Exception {
        Director director = Support.director(new ShiftTicker());
        List<Socket> clients = new ArrayList<>();
        try (TcpServer rs = new TcpServer(loopback(), TcpServer.echo())) {
            InetSocketAddress vip = natServiceTo(director, rs.address());
            try (NatDataplane nat = NatDataplane.builder(director).workerThreads(3).start()) {
                for (int i = 0; i < 60; i++) {
                    Socket c = new Socket(vip.getAddress(), vip.getPort());
                    clients.add(c);
                    c.getOutputStream().write(i);
                    assertEquals(i, c.getInputStream().read(), "flow " + i + " relays");
                }
                int[] counts = nat.loopFlowCounts();
                assertEquals(60, Arrays.stream(counts).sum(), Arrays.toString(counts));
                int max = Arrays.stream(counts).max().orElseThrow();
                int min = Arrays.stream(counts).min().orElseThrow();
                assertTrue(max - min <= Math.max(2, max / 8) + 1, "uneven spread " + Arrays.toString(counts));
                for (Socket c : clients) {
                    c.getOutputStream().write(7);
                    assertEquals(7, c.getInputStream().read());
                    c.close();
                }
                await("flows closed", Duration.ofSeconds(5), () -> nat.flowCount() == 0);
                assertEquals(0, Arrays.stream(nat.loopFlowCounts()).sum());
            }
        } finally {
            for (Socket c : clients) {
                c.close();
            }
            director.close();
        }
    }
}
