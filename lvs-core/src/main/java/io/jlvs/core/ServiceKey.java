package io.jlvs.core;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * What identifies a virtual service: protocol, address and port ({@code -t/-u/--sctp-service}),
 * or a firewall mark and address family ({@code -f mark [-6]}). A firewall-mark service groups
 * any number of VIP:port pairs (whatever carries the mark) under one scheduler and one set of
 * persistence templates. Immutable.
 */
public final class ServiceKey {
    private final Protocol protocol;
    private final InetAddress address;
    private final int port;
    private final long fwmark;
    private final boolean ipv6;

    private ServiceKey(Protocol protocol, InetAddress address, int port, long fwmark, boolean ipv6) {
        this.protocol = protocol;
        this.address = address;
        this.port = port;
        this.fwmark = fwmark;
        this.ipv6 = ipv6;
    }

    /**
     * An address-based service.
     *
     * @param port 0..65535; 0 is the wildcard port, allowed only for persistent services
     */
    public static ServiceKey of(Protocol protocol, InetAddress address, int port) {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(address, "address");
        if (port < 0 || port > 65535) {
            throw IpvsadmException.parse("illegal virtual server port " + port);
        }
        return new ServiceKey(protocol, address, port, 0, address instanceof Inet6Address);
    }

    /** An address-based service from a socket address (the address must be resolved). */
    public static ServiceKey of(Protocol protocol, InetSocketAddress address) {
        if (address.isUnresolved()) {
            throw IpvsadmException.parse("illegal virtual server address " + address.getHostString());
        }
        return of(protocol, address.getAddress(), address.getPort());
    }

    /** An IPv4 firewall-mark service. */
    public static ServiceKey fwmark(long mark) {
        return fwmark(mark, false);
    }

    /**
     * A firewall-mark service.
     *
     * @param mark 1..2^32-1
     * @param ipv6 true for {@code -f mark -6}
     */
    public static ServiceKey fwmark(long mark, boolean ipv6) {
        if (mark < 1 || mark > 0xFFFF_FFFFL) {
            throw IpvsadmException.parse("illegal virtual server fwmark " + mark);
        }
        return new ServiceKey(null, null, 0, mark, ipv6);
    }

    /** @return true for a firewall-mark service */
    public boolean isFwmark() {
        return fwmark != 0;
    }

    /** @return the protocol, or {@code null} for a firewall-mark service (which serves every protocol) */
    public Protocol protocol() {
        return protocol;
    }

    /** @return the virtual address, or {@code null} for a firewall-mark service */
    public InetAddress address() {
        return address;
    }

    /** @return the virtual port (0 = any port; always 0 for a firewall-mark service) */
    public int port() {
        return port;
    }

    /** @return the firewall mark (unsigned 32 bit), or 0 for an address-based service */
    public long fwmark() {
        return fwmark;
    }

    /** @return true for an IPv6 service */
    public boolean isIpv6() {
        return ipv6;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServiceKey k && k.fwmark == fwmark && k.ipv6 == ipv6 && k.port == port
                && k.protocol == protocol && Objects.equals(k.address, address);
    }

    @Override
    public int hashCode() {
        // no varargs, no boxing: services are looked up for every new connection
        int h = protocol == null ? 0 : protocol.hashCode();
        h = 31 * h + (address == null ? 0 : address.hashCode());
        h = 31 * h + port;
        h = 31 * h + Long.hashCode(fwmark);
        return 31 * h + (ipv6 ? 1 : 0);
    }

    /** @return {@code TCP 172.25.0.10:80}, {@code FWM 1}, {@code FWM 1 IPv6} */
    @Override
    public String toString() {
        if (isFwmark()) {
            return "FWM " + fwmark + (ipv6 ? " IPv6" : "");
        }
        String host = address.getHostAddress();
        return protocol + " " + (ipv6 ? "[" + host + "]" : host) + ":" + port;
    }
}
