package io.jlvs.dataplane.nat;

import java.time.Duration;

/**
 * The TCP relay suite with event coalescing off ({@link NatDataplane.Builder#coalesce}) whatever the
 * number of CPUs: every loop that runs out of events blocks in {@code epoll_wait} at once, the path
 * of sparse traffic and of loops on every CPU.
 */
class TcpRelayNoCoalescingTest extends TcpRelayTest {
    @Override
    NatDataplane.Builder configure(NatDataplane.Builder b) {
        return b.coalesce(Duration.ZERO);
    }
}
