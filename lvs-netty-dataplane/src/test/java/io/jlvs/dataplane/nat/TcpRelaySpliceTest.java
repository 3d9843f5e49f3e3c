package io.jlvs.dataplane.nat;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/** The TCP relay suite on epoll with zero-copy splicing ({@link NatDataplane.Builder#zeroCopy}). */
class TcpRelaySpliceTest extends TcpRelayTest {
    @Override
    NatDataplane.Builder configure(NatDataplane.Builder b) {
        return b.zeroCopy(true);
    }

    @Override
    void checkRelayKind(NatDataplane nat) {
        assertTrue(nat.splicedBytes() > 0, "a 3 MiB echo should splice");
    }

    @Override
    @Test
    @Disabled("zero-copy is not memory-bounded yet: once the real server's FIN arrives, epoll reports EPOLLRDHUP "
            + "and Netty 4.2.18 then reads the socket's whole receive queue regardless of auto-read (430-690 KB "
            + "seen here). The buffered relay avoids it by leaving EPOLLRDHUP out of the interest set "
            + "(EpollInterestFix); the splice relay cannot yet: without RDHUP, 4-6 of 12 slow-reader runs "
            + "stalled at the end of the stream (FIN unread in the backend socket, no read or splice pending). "
            + "zeroCopy stays off by default.")
    void slowReaderKeepsTheProxyWithinTheWatermarks() {
    }
}
