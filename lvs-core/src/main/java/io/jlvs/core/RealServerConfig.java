package io.jlvs.core;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * The immutable configuration of a real server: everything {@code ipvsadm -a/-e} sets. Defaults
 * are ipvsadm's: direct routing ({@code -g}), weight 1, no thresholds, IPIP tunnel without
 * checksum. Note that keepalived defaults to NAT instead.
 */
public final class RealServerConfig {
    /** Largest weight ipvsadm accepts. */
    public static final int MAX_WEIGHT = 65535;

    private final InetSocketAddress address;
    private final ForwardingMethod method;
    private final int weight;
    private final int upperThreshold;
    private final int lowerThreshold;
    private final TunnelType tunnelType;
    private final int tunnelPort;
    private final TunnelChecksum tunnelChecksum;

    private RealServerConfig(Builder b) {
        this.address = b.address;
        this.method = b.method;
        this.weight = b.weight;
        this.upperThreshold = b.upperThreshold;
        this.lowerThreshold = b.lowerThreshold;
        this.tunnelType = b.tunnelType;
        this.tunnelPort = b.tunnelPort;
        this.tunnelChecksum = b.tunnelChecksum;
    }

    /** @param address the real server's resolved address; port 0 keeps the packet's port (fwmark services) */
    public static Builder builder(InetSocketAddress address) {
        return new Builder(address);
    }

    /** A builder preset with this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder(address);
        b.method = method;
        b.weight = weight;
        b.upperThreshold = upperThreshold;
        b.lowerThreshold = lowerThreshold;
        b.tunnelType = tunnelType;
        b.tunnelPort = tunnelPort;
        b.tunnelChecksum = tunnelChecksum;
        return b;
    }

    /** @return the real server's address and port */
    public InetSocketAddress address() {
        return address;
    }

    /** @return the forwarding method */
    public ForwardingMethod method() {
        return method;
    }

    /** @return the weight, 0..65535; 0 = quiescent (no new connections) */
    public int weight() {
        return weight;
    }

    /** @return the upper connection threshold ({@code -x}), 0 = none */
    public int upperThreshold() {
        return upperThreshold;
    }

    /** @return the lower connection threshold ({@code -y}), 0 = none */
    public int lowerThreshold() {
        return lowerThreshold;
    }

    /** @return the tunnel type (meaningful for {@link ForwardingMethod#TUNNEL}) */
    public TunnelType tunnelType() {
        return tunnelType;
    }

    /** @return the GUE destination port, 0 when not GUE */
    public int tunnelPort() {
        return tunnelPort;
    }

    /** @return the tunnel checksum option */
    public TunnelChecksum tunnelChecksum() {
        return tunnelChecksum;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RealServerConfig c && c.address.equals(address) && c.method == method
                && c.weight == weight && c.upperThreshold == upperThreshold && c.lowerThreshold == lowerThreshold
                && c.tunnelType == tunnelType && c.tunnelPort == tunnelPort && c.tunnelChecksum == tunnelChecksum;
    }

    @Override
    public int hashCode() {
        return Objects.hash(address, method, weight, upperThreshold, lowerThreshold, tunnelType, tunnelPort,
                tunnelChecksum);
    }

    @Override
    public String toString() {
        return address + " " + method.displayName() + " w" + weight
                + (upperThreshold != 0 || lowerThreshold != 0 ? " x" + upperThreshold + " y" + lowerThreshold : "");
    }

    /** Validating builder. */
    public static final class Builder {
        private final InetSocketAddress address;
        private ForwardingMethod method = ForwardingMethod.ROUTE;
        private int weight = 1;
        private int upperThreshold;
        private int lowerThreshold;
        private TunnelType tunnelType = TunnelType.IPIP;
        private int tunnelPort;
        private TunnelChecksum tunnelChecksum = TunnelChecksum.NOCSUM;

        private Builder(InetSocketAddress address) {
            Objects.requireNonNull(address, "address");
            if (address.isUnresolved()) {
                throw IpvsadmException.parse("illegal real server address " + address.getHostString());
            }
            this.address = address;
        }

        /** @param method the forwarding method */
        public Builder method(ForwardingMethod method) {
            this.method = Objects.requireNonNull(method, "method");
            return this;
        }

        /** @param weight 0..65535 */
        public Builder weight(int weight) {
            if (weight < 0 || weight > MAX_WEIGHT) {
                throw IpvsadmException.parse("illegal weight specified: " + weight);
            }
            this.weight = weight;
            return this;
        }

        /** @param threshold upper connection threshold, 0 (none) .. Integer.MAX_VALUE */
        public Builder upperThreshold(int threshold) {
            if (threshold < 0) {
                throw IpvsadmException.parse("illegal u_threshold specified: " + threshold);
            }
            this.upperThreshold = threshold;
            return this;
        }

        /** @param threshold lower connection threshold, 0 (none) .. Integer.MAX_VALUE */
        public Builder lowerThreshold(int threshold) {
            if (threshold < 0) {
                throw IpvsadmException.parse("illegal l_threshold specified: " + threshold);
            }
            this.lowerThreshold = threshold;
            return this;
        }

        /** @param type tunnel encapsulation */
        public Builder tunnelType(TunnelType type) {
            this.tunnelType = Objects.requireNonNull(type, "tunnelType");
            return this;
        }

        /** @param port GUE destination port 1..65535 (0 = unset) */
        public Builder tunnelPort(int port) {
            if (port < 0 || port > 65535) {
                throw IpvsadmException.parse("illegal tunnel port specified: " + port);
            }
            this.tunnelPort = port;
            return this;
        }

        /** @param checksum tunnel checksum option */
        public Builder tunnelChecksum(TunnelChecksum checksum) {
            this.tunnelChecksum = Objects.requireNonNull(checksum, "tunnelChecksum");
            return this;
        }

        /** Checks the cross-field rules of ipvsadm and the kernel and returns the configuration. */
        public RealServerConfig build() {
            if (lowerThreshold > upperThreshold) {
                // the kernel answers ERANGE, which libipvs has no text for
                throw IpvsadmException.kernel("Numerical result out of range: lower threshold "
                        + lowerThreshold + " is above upper threshold " + upperThreshold);
            }
            if (method == ForwardingMethod.TUNNEL) {
                if (tunnelType == TunnelType.GUE && tunnelPort == 0) {
                    throw IpvsadmException.parse("--tun-port is required for GUE tunnels");
                }
                if (tunnelType != TunnelType.GUE && tunnelPort != 0) {
                    throw IpvsadmException.parse("--tun-port is only for GUE tunnels");
                }
                if (tunnelType == TunnelType.IPIP && tunnelChecksum != TunnelChecksum.NOCSUM) {
                    throw IpvsadmException.parse("Tunnel checksum options are not allowed with ipip tunnels");
                }
                if (tunnelType == TunnelType.GRE && tunnelChecksum == TunnelChecksum.REMCSUM) {
                    throw IpvsadmException.parse("--tun-remcsum is only for GUE tunnels");
                }
            } else if (tunnelType != TunnelType.IPIP || tunnelPort != 0 || tunnelChecksum != TunnelChecksum.NOCSUM) {
                throw IpvsadmException.parse("Tunnel options conflict with forward method");
            }
            return new RealServerConfig(this);
        }
    }
}
