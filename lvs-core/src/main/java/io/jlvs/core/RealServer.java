package io.jlvs.core;

import io.jlvs.core.stats.Stats;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.InetSocketAddress;

/**
 * A real server of one virtual service (the kernel's {@code ip_vs_dest}): its configuration and
 * its live load — active, inactive and persistent connection counts, the OVERLOAD flag — which
 * schedulers read on every pick.
 *
 * <p>Threading: configuration fields are written by the director's single writer and published
 * through volatile fields. Counters are updated atomically by data-path threads; the OVERLOAD flag
 * follows them by the classic threshold rules (set when active+inactive reaches {@code -x}, cleared
 * below {@code -y} or 3/4 of {@code -x}). Between the counter update and the flag update another
 * thread may see the old flag; the kernel has the same window.
 */
public final class RealServer {
    private static final VarHandle ACTIVE;
    private static final VarHandle INACTIVE;
    private static final VarHandle PERSISTENT;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            ACTIVE = l.findVarHandle(RealServer.class, "active", int.class);
            INACTIVE = l.findVarHandle(RealServer.class, "inactive", int.class);
            PERSISTENT = l.findVarHandle(RealServer.class, "persistent", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile VirtualService service;
    private volatile RealServerConfig config;
    private volatile int weight;
    private volatile int lastWeight;
    private volatile boolean available;
    private volatile boolean overloaded;
    private volatile int active;
    private volatile int inactive;
    private volatile int persistent;
    private final Stats stats = new Stats();
    private long trashedAtNanos;

    RealServer(VirtualService service, RealServerConfig config) {
        this.service = service;
        this.config = config;
        this.weight = config.weight();
        this.lastWeight = config.weight();
    }

    /**
     * A real server that belongs to no director, for scheduler tests and simulations: it is
     * available, and its load can be set with {@link #setLoad(int, int, boolean)}.
     */
    public static RealServer detached(RealServerConfig config) {
        RealServer rs = new RealServer(null, config);
        rs.available = true;
        return rs;
    }

    /**
     * Sets the load of a {@link #detached} real server (tests and simulations only).
     *
     * @throws IllegalStateException if this real server belongs to a director
     */
    public void setLoad(int activeConnections, int inactiveConnections, boolean overloaded) {
        if (service != null) {
            throw new IllegalStateException("load of a real server in a director follows its connections");
        }
        this.active = activeConnections;
        this.inactive = inactiveConnections;
        this.overloaded = overloaded;
    }

    /** Sets the weight of a {@link #detached} real server (tests and simulations only). */
    public void setDetachedWeight(int weight) {
        if (service != null) {
            throw new IllegalStateException("weight of a real server in a director is set through the director");
        }
        applyConfig(config.toBuilder().weight(weight).build());
    }

    /** @return the service this real server belongs to ({@code null} for a detached one) */
    public VirtualService service() {
        return service;
    }

    /** @return the current configuration */
    public RealServerConfig config() {
        return config;
    }

    /** @return the real server's address and port */
    public InetSocketAddress address() {
        return config.address();
    }

    /** @return the forwarding method */
    public ForwardingMethod method() {
        return config.method();
    }

    /** @return the current weight (0 = quiescent) */
    public int weight() {
        return weight;
    }

    /**
     * @return the last non-zero weight ever configured (0 if it never had one): Maglev hashing
     *     builds its table from it, so quiescing a server does not remap other clients
     */
    public int lastWeight() {
        return lastWeight;
    }

    /** @return true while the real server is linked in its service (false once deleted) */
    public boolean isAvailable() {
        return available;
    }

    /** @return true while the upper connection threshold blocks new connections */
    public boolean isOverloaded() {
        return overloaded;
    }

    /** @return true when a scheduler may pick it: available, weight &gt; 0 and not overloaded */
    public boolean isSchedulable() {
        return weight > 0 && !overloaded && available;
    }

    /** @return connections in an active state (TCP ESTABLISHED, SYN_RECV, …) */
    public int activeConnections() {
        return active;
    }

    /** @return connections in any other state (all UDP connections are inactive) */
    public int inactiveConnections() {
        return inactive;
    }

    /** @return persistence templates pointing to this real server */
    public int persistentConnections() {
        return persistent;
    }

    /** @return the classic overhead {@code active * 256 + inactive} used by lc, wlc, lblc, lblcr and twos */
    public long connectionOverhead() {
        return ((long) active << 8) + inactive;
    }

    /** @return the traffic counters */
    public Stats stats() {
        return stats;
    }

    @Override
    public String toString() {
        return "RealServer[" + config + ", active=" + active + ", inactive=" + inactive
                + (overloaded ? ", OVERLOAD" : "") + (available ? "" : ", deleted") + "]";
    }

    // ---- writer side (director) ----

    void applyConfig(RealServerConfig next) {
        RealServerConfig old = this.config;
        this.config = next;
        this.weight = next.weight();
        if (next.weight() != 0) {
            this.lastWeight = next.weight();
        }
        // kernel: a new upper threshold of 0 or above the old one lifts OVERLOAD at once
        if (old != next && (next.upperThreshold() == 0 || next.upperThreshold() > old.upperThreshold())) {
            overloaded = false;
        }
    }

    void link(VirtualService owner) {
        this.service = owner;
        this.available = true;
    }

    void unlink(long nowNanos) {
        this.available = false;
        this.trashedAtNanos = nowNanos;
    }

    long trashedAtNanos() {
        return trashedAtNanos;
    }

    void resetFlagsForTrash() {
        overloaded = false;
    }

    // ---- data path (connections) ----

    /** A connection bound to this real server; it starts active or inactive. */
    void bind(boolean asActive) {
        if (asActive) {
            ACTIVE.getAndAdd(this, 1);
        } else {
            INACTIVE.getAndAdd(this, 1);
        }
        int u = config.upperThreshold();
        if (u != 0 && active + inactive >= u) {
            overloaded = true;
        }
        loadChanged();
    }

    /** A connection left this real server. */
    void unbind(boolean wasActive) {
        if (wasActive) {
            ACTIVE.getAndAdd(this, -1);
        } else {
            INACTIVE.getAndAdd(this, -1);
        }
        if (overloaded) {
            RealServerConfig c = config;
            int total = active + inactive;
            if (c.lowerThreshold() != 0) {
                if (total < c.lowerThreshold()) {
                    overloaded = false;
                }
            } else if (c.upperThreshold() != 0) {
                if ((long) total * 4 < (long) c.upperThreshold() * 3) {
                    overloaded = false;
                }
            } else {
                overloaded = false;
            }
        }
        loadChanged();
    }

    /** A connection moved across the active/inactive boundary. */
    void move(boolean toActive) {
        if (toActive) {
            INACTIVE.getAndAdd(this, -1);
            ACTIVE.getAndAdd(this, 1);
        } else {
            ACTIVE.getAndAdd(this, -1);
            INACTIVE.getAndAdd(this, 1);
        }
        loadChanged();
    }

    void templateBound() {
        PERSISTENT.getAndAdd(this, 1);
    }

    void templateUnbound() {
        PERSISTENT.getAndAdd(this, -1);
    }

    private void loadChanged() {
        VirtualService s = service;
        if (s != null) {
            s.scheduler().loadChanged(this);
        }
    }
}
