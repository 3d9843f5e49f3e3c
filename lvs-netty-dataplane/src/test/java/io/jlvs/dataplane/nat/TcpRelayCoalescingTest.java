package io.jlvs.dataplane.nat;

/**
 * The TCP relay suite with event coalescing on whatever the number of CPUs
 * ({@link NatDataplane.Builder#coalesce}; by default it depends on them): loops that run out of
 * dense events nap before they block, tasks from the control thread wait for the naps.
 */
class TcpRelayCoalescingTest extends TcpRelayTest {
    @Override
    NatDataplane.Builder configure(NatDataplane.Builder b) {
        return b.coalesce(NatDataplane.DEFAULT_COALESCE);
    }
}
