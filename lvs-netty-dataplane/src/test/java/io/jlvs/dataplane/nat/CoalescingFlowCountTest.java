package io.jlvs.dataplane.nat;

import static io.jlvs.dataplane.nat.Support.await;
import static io.jlvs.dataplane.nat.Support.loopback;
import static io.jlvs.dataplane.nat.Support.natServiceTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.jlvs.core.Director;
import io.jlvs.dataplane.nat.Support.ShiftTicker;
import io.jlvs.dataplane.nat.Support.TcpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A loop's event coalescing learns how many flows the loop carries (it naps only with enough of
 * them): flows opened and closed through a real data plane move its count.
 */
@ExtendWith(LeakCheck.class)
class CoalescingFlowCountTest {
    @Test
    void theLoopTellsItsCoalescingHowManyFlowsItCarries() throws Exception {
        Director director = Support.director(new ShiftTicker());
        List<Socket> clients = new ArrayList<>();
        try (TcpServer rs = new TcpServer(loopback(), TcpServer.echo())) {
            InetSocketAddress vip = natServiceTo(director, rs.address());
            try (NatDataplane nat = NatDataplane.builder(director).workerThreads(1).start()) {
                assertEquals(0, coalescingFlows(nat));
                for (int i = 0; i < 3; i++) {
                    Socket c = new Socket(vip.getAddress(), vip.getPort());
                    clients.add(c);
                    c.getOutputStream().write(i);
                    assertEquals(i, c.getInputStream().read());
                }
                assertEquals(3, coalescingFlows(nat));
                clients.removeFirst().close();
                await("a flow closed", Duration.ofSeconds(5), () -> nat.flowCount() == 2);
                assertEquals(2, coalescingFlows(nat));
            }
            try (NatDataplane off = NatDataplane.builder(director).workerThreads(1).coalesce(Duration.ZERO).start()) {
                assertNull(off.epollEventLoops().getFirst().submit(EventCoalescing::ofCurrentThread).get(),
                        "a loop that does not coalesce has none");
            }
        } finally {
            for (Socket c : clients) {
                c.close();
            }
            director.close();
        }
    }

    private static int coalescingFlows(NatDataplane nat) throws Exception {
        return nat.epollEventLoops().getFirst().submit(() -> EventCoalescing.ofCurrentThread().openFlows()).get();
    }
}
