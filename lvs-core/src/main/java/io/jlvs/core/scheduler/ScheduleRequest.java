package io.jlvs.core.scheduler;

import io.jlvs.core.Protocol;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The flow being scheduled: a mutable flyweight that a data-path thread fills and reuses, so
 * scheduling allocates nothing. Addresses are given as the kernel's schedulers see them: an IPv4
 * address as its host-order 32-bit value, an IPv6 address folded by XOR of its four 32-bit words.
 * Not thread-safe; each thread uses its own.
 */
public final class ScheduleRequest {
    private Protocol protocol = Protocol.TCP;
    private boolean ipv6;
    private int clientAddress;
    private int clientPort;
    private int destinationAddress;
    private int destinationPort;

    /**
     * Fills the request for an IPv4 flow without allocating.
     *
     * @param clientAddress host-order source address
     * @param destinationAddress host-order destination address (the VIP, or the original
     *     destination for firewall-mark services: what lblc/lblcr/dh key on)
     */
    public ScheduleRequest setIpv4(Protocol protocol, int clientAddress, int clientPort, int destinationAddress,
            int destinationPort) {
        this.protocol = protocol;
        this.ipv6 = false;
        this.clientAddress = clientAddress;
        this.clientPort = clientPort;
        this.destinationAddress = destinationAddress;
        this.destinationPort = destinationPort;
        return this;
    }

    /** Fills the request from socket addresses (allocates for the address bytes; not for the packet path). */
    public ScheduleRequest set(Protocol protocol, InetSocketAddress client, InetSocketAddress destination) {
        this.protocol = protocol;
        this.ipv6 = !(client.getAddress() instanceof Inet4Address);
        this.clientAddress = fold(client.getAddress());
        this.clientPort = client.getPort();
        this.destinationAddress = fold(destination.getAddress());
        this.destinationPort = destination.getPort();
        return this;
    }

    /**
     * @return the host-order IPv4 value, or the XOR of the four host-order words of an IPv6
     *     address (the kernel's fold for sh, dh, lblc, lblcr and mh)
     */
    public static int fold(InetAddress address) {
        byte[] b = address.getAddress();
        int v = 0;
        for (int i = 0; i < b.length; i += 4) {
            v ^= (b[i] & 0xFF) << 24 | (b[i + 1] & 0xFF) << 16 | (b[i + 2] & 0xFF) << 8 | (b[i + 3] & 0xFF);
        }
        return v;
    }

    /** @return the flow's protocol */
    public Protocol protocol() {
        return protocol;
    }

    /** @return true for an IPv6 flow */
    public boolean isIpv6() {
        return ipv6;
    }

    /** @return the client (source) address, host order / folded */
    public int clientAddress() {
        return clientAddress;
    }

    /** @return the client (source) port */
    public int clientPort() {
        return clientPort;
    }

    /** @return the destination address the client used, host order / folded */
    public int destinationAddress() {
        return destinationAddress;
    }

    /** @return the destination port the client used */
    public int destinationPort() {
        return destinationPort;
    }
}
