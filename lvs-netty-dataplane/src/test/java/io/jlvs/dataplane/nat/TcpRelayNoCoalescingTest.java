package io.jlvs.dataplane.nat;

import java.time.Duration;

/**
 * The TCP relay suite with event coalescing off ({@link NatDataplane.Builder#coalesce}): every
 * loop that runs out of events blocks in {@code epoll_wait} at once, the other default suites' path
 * for sparse traffic.
 */
class TcpRelayNoCoalescingTest extends TcpRelayTest {
    @Override
    NatDataplane.Builder configure(NatDataplane.Builder b) {
        return b.coalesce(Duration.ZERO);
    }
}
