package io.jlvs.core;

import java.util.Objects;

/**
 * The immutable configuration of a virtual service: everything {@code ipvsadm -A/-E} sets.
 * Built with {@link #builder(ServiceKey)}; each setter validates its value and names it in the
 * error. Defaults are ipvsadm's: scheduler {@code wlc}, not persistent, netmask /32 (/128).
 */
public final class ServiceConfig {
    /** ipvsadm's scheduler when {@code -s} is absent. */
    public static final String DEFAULT_SCHEDULER = "wlc";
    /** ipvsadm's persistence timeout for a bare {@code -p}: 360 s (the man page says 300). */
    public static final int DEFAULT_PERSISTENCE_TIMEOUT = 360;
    /** Largest timeout ipvsadm accepts: 31 days. */
    public static final int MAX_TIMEOUT = 86400 * 31;
    /** Service flag: persistent. */
    public static final int FLAG_PERSISTENT = 0x0001;
    /** Service flag: one-packet scheduling ({@code -o}). */
    public static final int FLAG_ONEPACKET = 0x0004;
    /** Scheduler flag 1 ({@code flag-1}, {@code sh-fallback}, {@code mh-fallback}). */
    public static final int SCHED_FLAG_1 = 0x0008;
    /** Scheduler flag 2 ({@code flag-2}, {@code sh-port}, {@code mh-port}). */
    public static final int SCHED_FLAG_2 = 0x0010;
    /** Scheduler flag 3 ({@code flag-3}). */
    public static final int SCHED_FLAG_3 = 0x0020;
    /** All scheduler flag bits. */
    public static final int SCHED_FLAGS = SCHED_FLAG_1 | SCHED_FLAG_2 | SCHED_FLAG_3;

    private final ServiceKey key;
    private final String scheduler;
    private final boolean persistent;
    private final int persistenceTimeout;
    private final int netmask;
    private final String persistenceEngine;
    private final boolean onePacket;
    private final int schedulerFlags;

    private ServiceConfig(Builder b) {
        this.key = b.key;
        this.scheduler = b.scheduler;
        this.persistent = b.persistent;
        this.persistenceTimeout = b.persistent ? b.persistenceTimeout : 0;
        this.netmask = b.netmask;
        this.persistenceEngine = b.persistenceEngine;
        this.onePacket = b.onePacket;
        this.schedulerFlags = b.schedulerFlags;
    }

    /** A builder with ipvsadm's defaults for the given service. */
    public static Builder builder(ServiceKey key) {
        return new Builder(key);
    }

    /** A builder preset with this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder(key);
        b.scheduler = scheduler;
        b.persistent = persistent;
        b.persistenceTimeout = persistent ? persistenceTimeout : DEFAULT_PERSISTENCE_TIMEOUT;
        b.netmask = netmask;
        b.persistenceEngine = persistenceEngine;
        b.onePacket = onePacket;
        b.schedulerFlags = schedulerFlags;
        return b;
    }

    /** @return the service's identity */
    public ServiceKey key() {
        return key;
    }

    /** @return the scheduler's ipvsadm name ({@code rr}, {@code wlc}, …, or {@code none}) */
    public String scheduler() {
        return scheduler;
    }

    /** @return true when clients stick to a real server through persistence templates */
    public boolean persistent() {
        return persistent;
    }

    /** @return the persistence timeout in seconds, 0 when not persistent */
    public int persistenceTimeout() {
        return persistenceTimeout;
    }

    /**
     * @return the persistence granularity: for IPv4 the 32-bit netmask ({@code -1} = 255.255.255.255),
     *     for IPv6 the prefix length (128 by default)
     */
    public int netmask() {
        return netmask;
    }

    /** @return the persistence engine ({@code sip}) or {@code null} */
    public String persistenceEngine() {
        return persistenceEngine;
    }

    /** @return true for one-packet scheduling ({@code -o}) */
    public boolean onePacket() {
        return onePacket;
    }

    /** @return the SCHED_FLAG_* bits ({@code -b}) */
    public int schedulerFlags() {
        return schedulerFlags;
    }

    /** @return the kernel's service flag word: persistent, one-packet and scheduler bits */
    public int flags() {
        return (persistent ? FLAG_PERSISTENT : 0) | (onePacket ? FLAG_ONEPACKET : 0) | schedulerFlags;
    }

    /** @return true when the netmask is the default for the address family (/32 or /128) */
    public boolean hasDefaultNetmask() {
        return netmask == defaultNetmask(key.isIpv6());
    }

    static int defaultNetmask(boolean ipv6) {
        return ipv6 ? 128 : -1;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ServiceConfig c && c.key.equals(key) && c.scheduler.equals(scheduler)
                && c.persistent == persistent && c.persistenceTimeout == persistenceTimeout
                && c.netmask == netmask && Objects.equals(c.persistenceEngine, persistenceEngine)
                && c.onePacket == onePacket && c.schedulerFlags == schedulerFlags;
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, scheduler, persistent, persistenceTimeout, netmask, persistenceEngine,
                onePacket, schedulerFlags);
    }

    @Override
    public String toString() {
        return key + " " + scheduler + (persistent ? " persistent " + persistenceTimeout : "")
                + (onePacket ? " ops" : "") + (schedulerFlags != 0 ? " flags 0x" + Integer.toHexString(schedulerFlags) : "");
    }

    /** Validating builder; {@link #build()} checks the rules that span fields. */
    public static final class Builder {
        private final ServiceKey key;
        private String scheduler = DEFAULT_SCHEDULER;
        private boolean persistent;
        private int persistenceTimeout = DEFAULT_PERSISTENCE_TIMEOUT;
        private int netmask;
        private String persistenceEngine;
        private boolean onePacket;
        private int schedulerFlags;

        private Builder(ServiceKey key) {
            this.key = Objects.requireNonNull(key, "key");
            this.netmask = defaultNetmask(key.isIpv6());
        }

        /** @param name the scheduler's ipvsadm name, at most 15 characters */
        public Builder scheduler(String name) {
            Objects.requireNonNull(name, "scheduler");
            if (name.isEmpty() || name.length() > 15) {
                throw IpvsadmException.parse("Scheduler name is empty or longer than 15 characters: '" + name + "'");
            }
            this.scheduler = name;
            return this;
        }

        /** Makes the service persistent with ipvsadm's default timeout of 360 s. */
        public Builder persistent() {
            return persistent(DEFAULT_PERSISTENCE_TIMEOUT);
        }

        /** @param timeoutSeconds 1..2678400 */
        public Builder persistent(int timeoutSeconds) {
            if (timeoutSeconds < 1 || timeoutSeconds > MAX_TIMEOUT) {
                throw IpvsadmException.parse("illegal timeout for persistent service: " + timeoutSeconds);
            }
            this.persistent = true;
            this.persistenceTimeout = timeoutSeconds;
            return this;
        }

        /** Turns persistence off. */
        public Builder notPersistent() {
            this.persistent = false;
            return this;
        }

        /**
         * @param netmask IPv4: the 32-bit mask ({@code -1} for 255.255.255.255); IPv6: prefix length 1..128
         */
        public Builder netmask(int netmask) {
            if (key.isIpv6() && (netmask < 1 || netmask > 128)) {
                throw IpvsadmException.parse("illegal virtual server netmask " + netmask);
            }
            this.netmask = netmask;
            return this;
        }

        /** @param name persistence engine ({@code sip}) or {@code null} for none */
        public Builder persistenceEngine(String name) {
            if (name != null && (name.isEmpty() || name.length() > 15)) {
                throw IpvsadmException.parse("persistence engine name is empty or longer than 15 characters: '" + name + "'");
            }
            this.persistenceEngine = name;
            return this;
        }

        /** One-packet scheduling: every UDP datagram is scheduled on its own. */
        public Builder onePacket(boolean onePacket) {
            this.onePacket = onePacket;
            return this;
        }

        /** @param flags any of SCHED_FLAG_1, SCHED_FLAG_2, SCHED_FLAG_3 */
        public Builder schedulerFlags(int flags) {
            if ((flags & ~SCHED_FLAGS) != 0) {
                throw IpvsadmException.parse("invalid scheduler flags 0x" + Integer.toHexString(flags));
            }
            this.schedulerFlags = flags;
            return this;
        }

        /** Checks the cross-field rules of ipvsadm and the kernel and returns the configuration. */
        public ServiceConfig build() {
            if (!key.isFwmark() && key.port() == 0 && !persistent) {
                throw IpvsadmException.parse("Zero port specified for non-persistent service");
            }
            if (onePacket && !key.isFwmark() && key.protocol() != Protocol.UDP) {
                throw IpvsadmException.parse("One-Packet Scheduling is only for UDP virtual services");
            }
            return new ServiceConfig(this);
        }
    }
}
