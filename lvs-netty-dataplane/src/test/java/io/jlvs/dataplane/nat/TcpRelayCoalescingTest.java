package io.jlvs.dataplane.nat;

/**
 * The TCP relay suite with event coalescing on ({@link NatDataplane.Builder#coalesce}, off by
 * default): loops that run out of dense events nap before they block, tasks from the control thread
 * wait for the naps.
 */
class TcpRelayCoalescingTest extends TcpRelayTest {
    @Override
    NatDataplane.Builder configure(NatDataplane.Builder b) {
        return b.coalesce(NatDataplane.SUGGESTED_COALESCE);
    }
}
