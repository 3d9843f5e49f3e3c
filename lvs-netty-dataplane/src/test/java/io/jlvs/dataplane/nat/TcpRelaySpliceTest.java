package io.jlvs.dataplane.nat;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The TCP relay suite on the native epoll relay with zero-copy splicing
 * ({@link NatDataplane.Builder#zeroCopy}): bulk directions move through a pooled pipe with
 * {@code splice(2)}, and the slow-reader bound covers the pipe's bytes.
 */
class TcpRelaySpliceTest extends TcpRelayTest {
    @Override
    NatDataplane.Builder configure(NatDataplane.Builder b) {
        return b.zeroCopy(true);
    }

    @Override
    void checkRelayKind(NatDataplane nat) {
        assertTrue(nat.splicedBytes() > 0, "a 3 MiB echo should splice");
    }
}
