/**
 * jlvs data planes: NAT proxying of TCP and UDP on Netty (epoll on Linux, NIO elsewhere), and
 * raw-socket forwarding for direct routing and tunnelling.
 */
module io.jlvs.dataplane {
    requires transitive io.jlvs.core;
    requires io.netty.common;
    requires io.netty.buffer;
    requires io.netty.transport;
    requires io.netty.transport.classes.epoll;
    requires io.netty.transport.unix.common;
    requires io.netty.codec;
    requires io.netty.codec.haproxy;

    exports io.jlvs.dataplane.nat;
}
