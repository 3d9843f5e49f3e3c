package io.jlvs.dataplane.nat;

/** The TCP relay suite on the NIO transport. */
class TcpRelayNioTest extends TcpRelayTest {
    @Override
    NatDataplane.Builder configure(NatDataplane.Builder b) {
        return b.transport(Transport.NIO);
    }

    @Override
    Transport expectedTransport() {
        return Transport.NIO;
    }
}
