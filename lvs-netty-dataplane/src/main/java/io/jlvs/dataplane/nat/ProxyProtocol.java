package io.jlvs.dataplane.nat;

import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;

import java.net.Inet4Address;
import java.net.InetSocketAddress;

/**
 * How a NAT real server learns the client's address when the proxy connects from its own address:
 * not at all ({@link #NONE}, the default), or from a HAProxy PROXY protocol header that the data
 * plane writes first on every backend TCP connection ({@link #V1} text, {@link #V2} binary). The
 * header carries the client's address and port as source and the virtual address and port as
 * destination. Only TCP services use it; UDP datagrams are relayed unchanged.
 */
public enum ProxyProtocol {
    /** No header: the real server sees the director's address (unless transparent mode is on). */
    NONE,
    /** PROXY protocol version 1 (a text line, {@code PROXY TCP4 …\r\n}). */
    V1,
    /** PROXY protocol version 2 (binary). */
    V2;

    /** @return the header announcing {@code client} → {@code virtualAddress}; the caller owns (releases) it */
    HAProxyMessage header(InetSocketAddress client, InetSocketAddress virtualAddress) {
        boolean v4 = client.getAddress() instanceof Inet4Address && virtualAddress.getAddress() instanceof Inet4Address;
        return new HAProxyMessage(this == V1 ? HAProxyProtocolVersion.V1 : HAProxyProtocolVersion.V2,
                HAProxyCommand.PROXY, v4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
                client.getAddress().getHostAddress(), virtualAddress.getAddress().getHostAddress(), client.getPort(),
                virtualAddress.getPort());
    }
}
