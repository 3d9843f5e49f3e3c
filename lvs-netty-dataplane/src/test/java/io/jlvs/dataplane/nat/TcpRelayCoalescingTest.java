package io.jlvs.dataplane.nat;

/**
 * The TCP relay suite with event coalescing napping at once ({@link NatDataplane.Builder#coalesce}
 * is on by default, but only loops with 32 open flows nap; these tests open a few): loops that run
 * out of dense events nap before they block, tasks from the control thread wait for the naps.
 */
class TcpRelayCoalescingTest extends TcpRelayTest {
    @Override
    NatDataplane.Builder configure(NatDataplane.Builder b) {
        b.coalesceGate = EventCoalescing.Gate.NONE;
        return b.coalesce(NatDataplane.DEFAULT_COALESCE);
    }
}
