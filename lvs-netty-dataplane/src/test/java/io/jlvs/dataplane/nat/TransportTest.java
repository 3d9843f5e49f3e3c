package io.jlvs.dataplane.nat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.Test;

@org.junit.jupiter.api.extension.ExtendWith(LeakCheck.class)
class TransportTest {
    @Test
    void linuxGetsEpoll() {
        // these machines (and CI) are Linux x86_64 with the native epoll jar on the class path
        assertNull(Transport.epollUnavailabilityCause(), "epoll should load on Linux");
        assertEquals(Transport.EPOLL, Transport.best());
        assertEquals("epoll", Transport.best().toString());
    }

    @Test
    void bothTransportsStartAndStop() throws Exception {
        for (Transport t : Transport.values()) {
            EventLoopGroup group = t.newEventLoopGroup(1);
            group.submit(() -> { }).sync();
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void busyPollWindowIsChecked() {
        io.jlvs.core.Director d = io.jlvs.core.Director.builder().timerThread(false).build();
        try {
            NatDataplane.Builder b = NatDataplane.builder(d);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> b.busyPoll(java.time.Duration.ofMillis(-1)));
            assertTrue(e.getMessage().startsWith("busyPoll must be between 0 and 1 s"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> b.busyPoll(java.time.Duration.ofSeconds(2)));
            b.busyPoll(java.time.Duration.ZERO); // off
        } finally {
            d.close();
        }
    }
}
