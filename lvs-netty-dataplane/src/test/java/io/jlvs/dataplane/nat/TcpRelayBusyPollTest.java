package io.jlvs.dataplane.nat;

import java.time.Duration;

/**
 * The TCP relay suite on the native epoll relay with busy polling ({@link NatDataplane.Builder#busyPoll}):
 * a window long enough that events, tasks from the control thread and timers arrive while a loop
 * polls instead of sleeping.
 */
class TcpRelayBusyPollTest extends TcpRelayTest {
    @Override
    NatDataplane.Builder configure(NatDataplane.Builder b) {
        return b.busyPoll(Duration.ofMillis(2));
    }
}
