package io.jlvs.core;

import io.jlvs.core.conn.Sysctls;
import io.jlvs.core.conn.TcpEvent;
import io.jlvs.core.ipvsadm.Ipvsadm;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerRegistry;
import io.jlvs.core.stats.Stats;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.random.RandomGenerator;

/**
 * The front door of jlvs: an in-process Linux Virtual Server director — the kernel's IPVS table
 * plus {@code ipvsadm}. It owns the virtual services and their real servers, schedules new
 * connections onto real servers, keeps the connection table, counts traffic and closes everything
 * it started.
 *
 * <pre>{@code
 * try (Director director = Director.create()) {
 *     director.ipvsadm("-A -t 172.25.0.10:80 -s wrr");
 *     director.ipvsadm("-a -t 172.25.0.10:80 -r 192.168.122.10:80 -m -w 5");
 *     Optional<Connection> c = director.connect(Protocol.TCP,
 *         new InetSocketAddress("172.25.0.100", 40000), new InetSocketAddress("172.25.0.10", 80));
 * }
 * }</pre>
 *
 * <h2>Threading contract</h2>
 * <ul>
 *   <li><b>Control plane</b> ({@link #ipvsadm}, {@code add…/edit…/delete…}, {@link #clear},
 *       {@link #zero}, {@link #setTimeouts}): serialised by one writer lock. Each change is
 *       validated completely before anything is modified, so a refused change leaves the director
 *       exactly as it was; it then publishes a new immutable snapshot (the service table, or a
 *       service's {@link VirtualService.State}) with a single volatile store. Scheduler lifecycle
 *       callbacks run inside the writer, before the new snapshot is published; {@link #onChange}
 *       listeners inside it too, after.</li>
 *   <li><b>Data plane</b> ({@link #connect}, {@link Connection} methods): any number of threads,
 *       no locks. A connecting thread reads the snapshot once and schedules on it; a change
 *       published meanwhile applies to the next connection.</li>
 *   <li><b>Timers</b>: connection expiry, the 2-second rate estimator and the trash of deleted real
 *       servers run in {@link #runTimers()}, called by one daemon thread (or by tests, with an
 *       injected {@link Ticker} and the thread disabled).</li>
 * </ul>
 */
public final class Director implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Director.class.getName());
    /** Trash entries are freed after this much idle time (the kernel's IP_VS_DEST_TRASH_PERIOD). */
    static final long TRASH_PERIOD_NANOS = 120_000_000_000L;
    private static final long ESTIMATOR_NANOS = 2_000_000_000L;
    private static final long DEFENSE_NANOS = 1_000_000_000L;
    /**
     * The timer thread sleeps until its next work: the end of the next expiry-wheel tick that holds
     * entries, the next defense or estimator run, at most a second. A director whose connections are
     * far from their deadlines (long-lived flows) wakes once a second; one expiring connections all
     * the time wakes once a tick (~17 ms) and each run handles one tick's expiries. Every wake-up
     * is CPU taken from the data plane's neighbours; a long run is a stall for whatever it displaces
     * (on a busy machine, the NAT data plane's latency tail). Runs are at least 1 ms apart.
     */
    private static final long MIN_TIMER_NANOS = 1_000_000L;

    /** An immutable generation of the service table. */
    private record ServiceTable(Map<ServiceKey, VirtualService> byKey, List<VirtualService> inOrder,
            int ftpServices, int portZeroServices) {
        static final ServiceTable EMPTY = new ServiceTable(Map.of(), List.of(), 0, 0);
    }

    private record TrashKey(ServiceKey service, InetSocketAddress address) {
    }

    private final ReentrantLock writer = new ReentrantLock();
    private final Ticker ticker;
    private final RandomGenerator random;
    private final SchedulerRegistry schedulers;
    private final int connectionTableBits;
    private final ConnectionTable connections;
    private final Stats totals = new Stats();
    private final Map<TrashKey, RealServer> trash = new HashMap<>();
    private final ThreadLocal<ScheduleRequest> requests = ThreadLocal.withInitial(ScheduleRequest::new);
    private final ScheduledExecutorService timerThread;
    private volatile ServiceTable table = ServiceTable.EMPTY;
    /** Bumped under the writer lock after every change to the services or their real servers. */
    private volatile long generation;
    /** Told of every such change ({@link #onChange}); copy-on-write, so telling them takes no lock. */
    private final CopyOnWriteArrayList<Runnable> changeListeners = new CopyOnWriteArrayList<>();
    private long nextEstimateNanos;
    private long nextDefenseNanos;
    private volatile boolean closed;

    private Director(Builder b) {
        this.ticker = b.ticker;
        this.random = b.random;
        this.schedulers = b.schedulers != null ? b.schedulers : SchedulerRegistry.load();
        this.connectionTableBits = b.connectionTableBits;
        this.connections = new ConnectionTable(b.maxConnections, ticker, random, totals);
        this.connections.sysctls(b.sysctls);
        this.nextEstimateNanos = ticker.read() + ESTIMATOR_NANOS;
        this.nextDefenseNanos = ticker.read() + DEFENSE_NANOS;
        if (b.timerThread) {
            timerThread = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "jlvs-director-timers");
                t.setDaemon(true);
                return t;
            });
            timerThread.schedule(this::timerTick, DEFENSE_NANOS, TimeUnit.NANOSECONDS);
        } else {
            timerThread = null;
        }
    }

    /** @return a director with the system ticker, its own timer thread and every scheduler on the path */
    public static Director create() {
        return builder().build();
    }

    /** @return a builder for a director with injected time, randomness, schedulers or limits */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ ipvsadm

    /**
     * Runs one ipvsadm command line and returns exactly what ipvsadm would print on standard
     * output (empty for commands that print nothing).
     *
     * @throws IpvsadmException with ipvsadm's own message when ipvsadm would fail; nothing changed
     */
    public String ipvsadm(String commandLine) {
        return Ipvsadm.run(this, commandLine);
    }

    /** Like {@link #ipvsadm(String)}, with the arguments already split. */
    public String ipvsadm(String... args) {
        return Ipvsadm.run(this, args);
    }

    // ------------------------------------------------------------------ control plane

    /**
     * Adds a virtual service ({@code ipvsadm -A}).
     *
     * @throws IpvsadmException {@code Service already exists}, or an unknown scheduler or
     *     persistence engine
     */
    public VirtualService addService(ServiceConfig config) {
        Objects.requireNonNull(config, "config");
        writer.lock();
        try {
            checkOpen();
            ServiceTable t = table;
            if (t.byKey.containsKey(config.key())) {
                throw IpvsadmException.kernel("Service already exists");
            }
            checkPersistenceEngine(config);
            Scheduler scheduler = newScheduler(config);
            VirtualService svc = new VirtualService(config, scheduler);
            scheduler.init(svc.destinations());
            Map<ServiceKey, VirtualService> byKey = new LinkedHashMap<>(t.byKey);
            byKey.put(config.key(), svc);
            publish(byKey);
            return svc;
        } finally {
            writer.unlock();
        }
    }

    /**
     * Replaces a virtual service's configuration ({@code ipvsadm -E}). The scheduler is rebound
     * only when its name changes, so running state such as the rr cursor survives other edits.
     *
     * @throws IpvsadmException {@code No such service}
     */
    public VirtualService editService(ServiceConfig config) {
        Objects.requireNonNull(config, "config");
        writer.lock();
        try {
            checkOpen();
            VirtualService svc = existing(config.key(), "No such service");
            checkPersistenceEngine(config);
            VirtualService.State old = svc.state();
            Destinations dests = old.destinations().withSchedulerFlags(config.schedulerFlags());
            Scheduler scheduler = old.scheduler();
            if (!old.config().scheduler().equals(config.scheduler())) {
                Scheduler next = newScheduler(config);
                next.init(dests);
                old.scheduler().done();
                scheduler = next;
            }
            publish(svc, new VirtualService.State(config, dests, scheduler));
            return svc;
        } finally {
            writer.unlock();
        }
    }

    /**
     * Deletes a virtual service and its real servers ({@code ipvsadm -D}). Its connections stay
     * until they expire; the real servers wait in the trash meanwhile.
     *
     * @throws IpvsadmException {@code No such service}
     */
    public void deleteService(ServiceKey key) {
        writer.lock();
        try {
            checkOpen();
            VirtualService svc = existing(key, "No such service");
            unlinkService(svc);
            Map<ServiceKey, VirtualService> byKey = new LinkedHashMap<>(table.byKey);
            byKey.remove(key);
            publish(byKey);
        } finally {
            writer.unlock();
        }
    }

    /** Deletes every virtual service ({@code ipvsadm -C}). */
    public void clear() {
        writer.lock();
        try {
            checkOpen();
            for (VirtualService svc : table.inOrder) {
                unlinkService(svc);
            }
            publish(new LinkedHashMap<>());
        } finally {
            writer.unlock();
        }
    }

    /**
     * Adds a real server to a service ({@code ipvsadm -a}); it goes to the head of the list. A real
     * server deleted from the same service and still in the trash is revived with its counters.
     *
     * @throws IpvsadmException {@code Service not defined}, {@code Destination already exists}
     */
    public RealServer addRealServer(ServiceKey key, RealServerConfig config) {
        Objects.requireNonNull(config, "config");
        writer.lock();
        try {
            checkOpen();
            VirtualService svc = existing(key, "Service not defined");
            checkRealServer(svc, config);
            VirtualService.State s = svc.state();
            if (find(s.destinations(), config.address()) >= 0) {
                throw IpvsadmException.kernel("Destination already exists");
            }
            RealServer rs = trash.remove(new TrashKey(key, config.address()));
            if (rs != null) {
                rs.applyConfig(config);
            } else {
                rs = new RealServer(svc, config);
            }
            rs.link(svc);
            Destinations next = s.destinations().withHead(rs);
            s.scheduler().added(next, rs);
            publish(svc, new VirtualService.State(s.config(), next, s.scheduler()));
            return rs;
        } finally {
            writer.unlock();
        }
    }

    /**
     * Replaces a real server's configuration ({@code ipvsadm -e}); its place in the list is kept.
     *
     * @throws IpvsadmException {@code Service not defined}, {@code No such destination}
     */
    public RealServer editRealServer(ServiceKey key, RealServerConfig config) {
        Objects.requireNonNull(config, "config");
        writer.lock();
        try {
            checkOpen();
            VirtualService svc = existing(key, "Service not defined");
            VirtualService.State s = svc.state();
            int i = find(s.destinations(), config.address());
            if (i < 0) {
                throw IpvsadmException.kernel("No such destination");
            }
            checkRealServer(svc, config);
            RealServer rs = s.destinations().get(i);
            rs.applyConfig(config);
            s.scheduler().updated(s.destinations(), rs);
            // same list, new generation: readers see the edit together with any scheduler rebuild
            publish(svc, new VirtualService.State(s.config(), s.destinations(), s.scheduler()));
            return rs;
        } finally {
            writer.unlock();
        }
    }

    /**
     * Deletes a real server ({@code ipvsadm -d}). Its connections continue until they expire; it
     * waits in the trash so that re-adding it revives it.
     *
     * @throws IpvsadmException {@code Service not defined}, {@code No such destination}
     */
    public void deleteRealServer(ServiceKey key, InetSocketAddress address) {
        writer.lock();
        try {
            checkOpen();
            VirtualService svc = existing(key, "Service not defined");
            VirtualService.State s = svc.state();
            int i = find(s.destinations(), address);
            if (i < 0) {
                throw IpvsadmException.kernel("No such destination");
            }
            RealServer rs = s.destinations().get(i);
            Destinations next = s.destinations().without(i);
            rs.unlink(ticker.read());
            s.scheduler().removed(next, rs, i);
            publish(svc, new VirtualService.State(s.config(), next, s.scheduler()));
            trash.put(new TrashKey(key, rs.address()), rs);
        } finally {
            writer.unlock();
        }
    }

    /** Zeroes the counters and rates of every service, its real servers and the totals ({@code -Z}). */
    public void zero() {
        writer.lock();
        try {
            for (VirtualService svc : table.inOrder) {
                zero(svc);
            }
            totals.zero();
        } finally {
            writer.unlock();
        }
    }

    /**
     * Zeroes one service and its real servers ({@code -Z -t …}).
     *
     * @throws IpvsadmException {@code No such service}
     */
    public void zero(ServiceKey key) {
        writer.lock();
        try {
            zero(existing(key, "No such service"));
        } finally {
            writer.unlock();
        }
    }

    private static void zero(VirtualService svc) {
        svc.stats().zero();
        for (RealServer rs : svc.realServers()) {
            rs.stats().zero();
        }
    }

    /** Sets the TCP, TCP FIN and UDP timeouts ({@code --set}); a 0 keeps the current value. */
    public void setTimeouts(Timeouts timeouts) {
        writer.lock();
        try {
            connections.timeouts(timeouts.over(connections.timeouts()));
        } finally {
            writer.unlock();
        }
    }

    /** @return the current TCP, TCP FIN and UDP timeouts */
    public Timeouts timeouts() {
        return connections.timeouts();
    }

    // ------------------------------------------------------------------ reading

    /** @return the virtual services in the order they were added */
    public List<VirtualService> services() {
        return table.inOrder;
    }

    /**
     * A number that grows with every change to the virtual services or their real servers (added,
     * edited, deleted, or all dropped at {@link #close}), and with nothing else: statistics,
     * connections and sysctls leave it alone. A watcher that polls (a data plane following the
     * configuration) compares it with the value it last acted on and skips its work while it is
     * unchanged; a volatile read, so the poll costs next to nothing.
     *
     * @return the configuration generation, 0 for a director never configured
     */
    public long generation() {
        return generation;
    }

    /**
     * Calls {@code listener} after every change that moves the {@link #generation()}: so that a
     * follower of the configuration (a data plane binding listeners) acts at once instead of
     * polling. It runs on the thread that made the change, inside the director's writer lock, once
     * per change (a rules file restored is many): it must only hand the work off, e.g. submit it to
     * an executor, and must not call back into the director. An exception it throws is logged and
     * does not undo the change.
     *
     * @return a handle whose {@code close()} removes the listener
     */
    public Subscription onChange(Runnable listener) {
        Objects.requireNonNull(listener, "listener");
        changeListeners.add(listener);
        return () -> changeListeners.remove(listener);
    }

    /** A registration with the director ({@link #onChange}); closing it ends it and throws nothing. */
    @FunctionalInterface
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    /** @return the service with this key */
    public Optional<VirtualService> service(ServiceKey key) {
        return Optional.ofNullable(table.byKey.get(key));
    }

    /**
     * Finds the service an inbound packet belongs to, in the kernel's order: firewall mark (when
     * {@code fwmark != 0}), exact protocol/address/port, the FTP service (port 21) for TCP data
     * connections to port 20 or an unprivileged port, then a port-0 service of the address.
     *
     * @return the service, or {@code null}
     */
    public VirtualService findService(Protocol protocol, InetAddress address, int port, long fwmark) {
        ServiceTable t = table;
        if (t.byKey.isEmpty()) {
            return null;
        }
        VirtualService svc;
        if (fwmark != 0) {
            svc = t.byKey.get(ServiceKey.fwmark(fwmark, address instanceof java.net.Inet6Address));
            if (svc != null) {
                return svc;
            }
        }
        svc = t.byKey.get(ServiceKey.of(protocol, address, port));
        if (svc != null) {
            return svc;
        }
        if (t.ftpServices > 0 && protocol == Protocol.TCP && (port == 20 || port >= 1024)) {
            svc = t.byKey.get(ServiceKey.of(protocol, address, 21));
            if (svc != null) {
                return svc;
            }
        }
        if (t.portZeroServices > 0) {
            return t.byKey.get(ServiceKey.of(protocol, address, 0));
        }
        return null;
    }

    /** @return totals over all services */
    public Stats stats() {
        return totals;
    }

    /** @return the connection hash table size ipvsadm reports as {@code size=} (a bucket count, not a limit) */
    public int connectionTableSize() {
        return 1 << connectionTableBits;
    }

    /**
     * Finds the connection of an IPv4 flow without allocating: the packet data plane's per-packet
     * lookup. Both directions use the client endpoint, as in the kernel.
     *
     * @param clientAddress host-order client address
     * @param virtualAddress host-order virtual address
     * @return the connection, or {@code null}
     */
    public Connection lookup(Protocol protocol, int clientAddress, int clientPort, int virtualAddress, int virtualPort) {
        return connections.find(protocol, clientAddress, clientPort, virtualAddress, virtualPort);
    }

    /** @return the connection of this flow, or {@code null} */
    public Connection lookup(Protocol protocol, InetSocketAddress client, InetSocketAddress virtualAddress) {
        return connections.find(protocol, client, virtualAddress);
    }

    /**
     * Removes a connection from the table now, unbinding it from its real server (what the
     * kernel does on a forced expiry; e.g. to drop stale UDP flows of a failed real server).
     */
    public void expire(Connection connection) {
        if (!connection.isTemplate()) {
            connections.expireNow(connection);
        }
    }

    /**
     * Finds the persistence template a new connection of {@code client} to {@code virtualAddress}
     * would follow — which real server the client is stuck to.
     *
     * @return the template, or empty when the service is not persistent or the client has none
     */
    public Optional<Connection> findTemplate(Protocol protocol, InetAddress client, InetSocketAddress virtualAddress,
            long fwmark) {
        VirtualService svc = findService(protocol, virtualAddress.getAddress(), virtualAddress.getPort(), fwmark);
        if (svc == null || !svc.config().persistent()) {
            return Optional.empty();
        }
        return Optional.ofNullable(connections.templates().find(templateKey(svc, protocol, client, virtualAddress)));
    }

    private static TemplateTable.Key templateKey(VirtualService svc, Protocol protocol, InetAddress client,
            InetSocketAddress virtualAddress) {
        ServiceKey key = svc.key();
        InetAddress clientNet = Netmasks.apply(client, svc.config().netmask());
        boolean wildPort = !key.isFwmark() && (key.port() == 0 || key.port() == 21);
        return key.isFwmark()
                ? TemplateTable.Key.of(0, clientNet, null, key.fwmark(), 0)
                : TemplateTable.Key.of(protocol.number(), clientNet, virtualAddress.getAddress(), 0,
                        wildPort ? 0 : key.port());
    }

    /** @return the number of connections in the table (templates not included) */
    public int connectionCount() {
        return connections.size();
    }

    /** @return entries dropped by the drop_entry defense */
    public long droppedEntries() {
        return connections.droppedEntries();
    }

    /** @return new connections dropped by the drop_packet defense */
    public long droppedPackets() {
        return connections.droppedPackets();
    }

    /** @return the connection table (tests) */
    ConnectionTable connectionTable() {
        return connections;
    }

    /** @return a snapshot of the connection table */
    public List<Connection> connections() {
        return Collections.unmodifiableList(connections.snapshot());
    }

    /** @return connections refused because the table was full */
    public long refusedConnections() {
        return connections.refused();
    }

    /** @return the director's ticker (what connection expiry and listings measure against) */
    public Ticker ticker() {
        return ticker;
    }

    /** @return the scheduler registry this director uses */
    public SchedulerRegistry schedulers() {
        return schedulers;
    }

    // ------------------------------------------------------------------ data plane

    /** Schedules a new flow to an address-based service; see {@link #connect(Protocol, InetSocketAddress, InetSocketAddress, long)}. */
    public Optional<Connection> connect(Protocol protocol, InetSocketAddress client, InetSocketAddress virtualAddress) {
        return connect(protocol, client, virtualAddress, 0);
    }

    /**
     * A new flow arrives (a TCP SYN, a UDP datagram of an unknown flow): find its virtual service
     * (§4.5 order), run the scheduler — or follow the client's persistence template — bind a
     * {@link Connection} to the chosen real server and count it. TCP connections start active
     * (SYN_RECV), UDP ones inactive.
     *
     * <p>If the flow is already in the table it is returned, except where the kernel reschedules:
     * its real server has weight 0 and {@code expire_nodest_conn} is on, or {@code conn_reuse_mode}
     * allows reusing a TIME_WAIT/CLOSE entry (FIN_WAIT without output with bit 2). A flow whose
     * real server was deleted is dropped (empty), or rescheduled with {@code expire_nodest_conn}.
     *
     * @param fwmark the packet's firewall mark, or 0
     * @return the connection, or empty when no service matches, no real server is available, the
     *     packet would be dropped, or the connection table is full
     */
    public Optional<Connection> connect(Protocol protocol, InetSocketAddress client, InetSocketAddress virtualAddress,
            long fwmark) {
        return connect(protocol, client, virtualAddress, fwmark, TcpEvent.FLAG_SYN);
    }

    /**
     * The packet data plane's entry for the first packet of a flow the table does not know:
     * like {@link #connect(Protocol, InetSocketAddress, InetSocketAddress, long)}, but a TCP packet
     * only creates a connection when it carries SYN without RST — or, with {@code sloppy_tcp}, any
     * flag but RST (a flow that moved here after a failover) — and the state machine starts from
     * NONE with this packet's flags (a sloppy ACK lands in ESTABLISHED at once).
     *
     * @param tcpFlags the packet's TCP flags ({@link TcpEvent#FLAG_SYN} …); ignored for UDP
     */
    public Optional<Connection> connect(Protocol protocol, InetSocketAddress client, InetSocketAddress virtualAddress,
            long fwmark, int tcpFlags) {
        Sysctls sys = connections.sysctls();
        if (protocol == Protocol.TCP && ((tcpFlags & TcpEvent.FLAG_RST) != 0
                || ((tcpFlags & TcpEvent.FLAG_SYN) == 0 && !sys.sloppyTcp()))) {
            Connection known = connections.find(protocol, client, virtualAddress);
            return known != null && known.realServer().isAvailable() ? Optional.of(known) : Optional.empty();
        }
        Connection existing = connections.find(protocol, client, virtualAddress);
        if (existing != null && !existing.isExpired()) {
            if (reschedules(sys, existing)) {
                connections.expireNow(existing);
            } else if (existing.realServer().isAvailable()) {
                return Optional.of(existing);
            } else if (sys.expireNodestConn()) {
                connections.expireNow(existing);
            } else {
                return Optional.empty(); // the kernel silently drops packets of a deleted real server
            }
        }
        VirtualService svc = findService(protocol, virtualAddress.getAddress(), virtualAddress.getPort(), fwmark);
        if (svc == null) {
            return Optional.empty();
        }
        VirtualService.State s = svc.state();
        ServiceConfig config = s.config();
        if (!svc.key().isFwmark() && svc.key().port() != virtualAddress.getPort() && !config.persistent()) {
            return Optional.empty(); // "port zero only supported in persistent services"
        }
        if (connections.dropNewPacket()) {
            return Optional.empty(); // drop_packet defense
        }
        if (!connections.hasRoom()) {
            connections.refuse();
            return Optional.empty();
        }
        ScheduleRequest req = requests.get().set(protocol, client, virtualAddress);
        Connection template = null;
        RealServer rs;
        if (config.persistent()) {
            template = persistentTemplate(sys, svc, s, req, protocol, client, virtualAddress);
            if (template == null) {
                return Optional.empty();
            }
            rs = template.realServer();
        } else {
            rs = s.scheduler().schedule(s.destinations(), req);
            if (rs == null) {
                return Optional.empty();
            }
        }
        int port = rs.address().getPort() != 0 && virtualAddress.getPort() == svc.key().port()
                ? rs.address().getPort() : virtualAddress.getPort();
        Connection c = connections.create(protocol, client, virtualAddress, port, rs, template, tcpFlags);
        if (c == null) {
            if (template != null) {
                connections.templates().childGone(template, ticker.read());
            }
            return Optional.empty();
        }
        rs.stats().countConnection();
        svc.stats().countConnection();
        totals.countConnection();
        return Optional.of(c);
    }

    private static boolean reschedules(Sysctls sys, Connection c) {
        if (sys.expireNodestConn() && c.realServer().weight() == 0) {
            return true;
        }
        if (sys.connReuseMode() == 0 || c.template() != null || c.protocol() != Protocol.TCP) {
            return false;
        }
        return switch (c.state()) {
            case TIME_WAIT, CLOSE -> true;
            case FIN_WAIT -> (sys.connReuseMode() & 2) != 0 && c.noOutput();
            default -> false;
        };
    }

    /**
     * Finds the client's template and follows it, or schedules and makes a new one (§4.7). The
     * returned template already counts the new connection as controlled.
     */
    private Connection persistentTemplate(Sysctls sys, VirtualService svc, VirtualService.State s, ScheduleRequest req,
            Protocol protocol, InetSocketAddress client, InetSocketAddress virtualAddress) {
        ServiceKey key = svc.key();
        ServiceConfig config = s.config();
        TemplateTable.Key tkey = templateKey(svc, protocol, client.getAddress(), virtualAddress);
        InetAddress clientNet = tkey.clientNet();
        boolean wildPort = !key.isFwmark() && (key.port() == 0 || key.port() == 21);
        TemplateTable templates = connections.templates();
        Connection t = templates.find(tkey);
        if (t != null) {
            RealServer bound = t.realServer();
            boolean usable = bound.isAvailable() && !(sys.expireQuiescentTemplate() && bound.weight() == 0);
            if (usable && templates.controlNew(tkey, t)) {
                return t;
            }
            templates.invalidate(tkey, t);
        }
        RealServer rs = s.scheduler().schedule(s.destinations(), req);
        if (rs == null) {
            return null;
        }
        boolean portless = key.isFwmark() || wildPort;
        InetSocketAddress tdest = portless ? new InetSocketAddress(rs.address().getAddress(), 0) : rs.address();
        InetSocketAddress tvirtual = key.isFwmark()
                ? new InetSocketAddress(Netmasks.markAddress(key.fwmark()), 0)
                : new InetSocketAddress(virtualAddress.getAddress(), tkey.virtualPort());
        t = new Connection(connections, protocol, key.fwmark(), new InetSocketAddress(clientNet, 0), tvirtual, tdest, rs,
                config.persistenceTimeout() * 1_000_000_000L);
        templates.add(tkey, t);
        templates.controlNew(tkey, t);
        return t;
    }

    /** @return the sysctl-style switches in force */
    public Sysctls sysctls() {
        return connections.sysctls();
    }

    /** Changes the sysctl-style switches; applies to the next packet or connection. */
    public void setSysctls(Sysctls sysctls) {
        writer.lock();
        try {
            connections.sysctls(Objects.requireNonNull(sysctls, "sysctls"));
        } finally {
            writer.unlock();
        }
    }

    // ------------------------------------------------------------------ timers

    /**
     * Runs every timer that is due at the ticker's current time: connection expiry, the 2-second
     * rate estimator, and freeing idle real servers from the trash. Called by the director's timer
     * thread when it has work (at most a second apart); tests with a fake ticker call it themselves.
     */
    public void runTimers() {
        long now = ticker.read();
        connections.expire(now);
        writer.lock();
        try {
            while (now - nextDefenseNanos >= 0) {
                nextDefenseNanos += DEFENSE_NANOS;
                connections.defend(now);
            }
            while (now - nextEstimateNanos >= 0) {
                nextEstimateNanos += ESTIMATOR_NANOS;
                for (VirtualService svc : table.inOrder) {
                    svc.stats().estimate();
                    for (RealServer rs : svc.realServers()) {
                        rs.stats().estimate();
                    }
                }
                totals.estimate();
            }
            if (!trash.isEmpty()) {
                trash.values().removeIf(rs -> rs.activeConnections() + rs.inactiveConnections()
                        + rs.persistentConnections() == 0 && now - rs.trashedAtNanos() >= TRASH_PERIOD_NANOS);
            }
        } finally {
            writer.unlock();
        }
    }

    /** One run of the timer thread, which then schedules the next: when the timers next have work. */
    private void timerTick() {
        long delay = MIN_TIMER_NANOS;
        try {
            runTimers();
            long now = ticker.read();
            long limit;
            writer.lock(); // the defense and estimator deadlines move under it
            try {
                limit = nextDefenseNanos - nextEstimateNanos < 0 ? nextDefenseNanos : nextEstimateNanos;
            } finally {
                writer.unlock();
            }
            delay = Math.max(MIN_TIMER_NANOS, connections.nextExpiryWork(now, limit) - now);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "director timer failed", e);
        }
        try {
            timerThread.schedule(this::timerTick, delay, TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // the director is closing: no next run
        }
    }

    /** Stops the timer thread and drops every service and connection. Idempotent. */
    @Override
    public void close() {
        writer.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (VirtualService svc : table.inOrder) {
                unlinkService(svc);
            }
            table = ServiceTable.EMPTY;
            changed();
            connections.clear();
            trash.clear();
        } finally {
            writer.unlock();
        }
        if (timerThread != null) {
            timerThread.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ internals

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("director is closed");
        }
    }

    private VirtualService existing(ServiceKey key, String missing) {
        VirtualService svc = table.byKey.get(Objects.requireNonNull(key, "service"));
        if (svc == null) {
            throw IpvsadmException.kernel(missing);
        }
        return svc;
    }

    private Scheduler newScheduler(ServiceConfig config) {
        return schedulers.create(config.scheduler(), new SchedulerContext(config.key(), ticker, random));
    }

    private static void checkPersistenceEngine(ServiceConfig config) {
        String pe = config.persistenceEngine();
        if (pe != null && !pe.equals("sip")) {
            throw IpvsadmException.kernel("Scheduler or persistence engine not found (persistence engine '" + pe
                    + "' is not one of: sip)");
        }
    }

    private static void checkRealServer(VirtualService svc, RealServerConfig config) {
        boolean rsIpv6 = config.address().getAddress() instanceof java.net.Inet6Address;
        if (rsIpv6 != svc.key().isIpv6() && config.method() != ForwardingMethod.TUNNEL) {
            throw IpvsadmException.parse("Different address family is allowed only for tunneling servers");
        }
        InetAddress a = config.address().getAddress();
        if (a.isMulticastAddress() || a.isAnyLocalAddress()) {
            throw IpvsadmException.kernel("Invalid operation.  Possibly wrong module version, address not unicast, ...");
        }
    }

    private static int find(Destinations dests, InetSocketAddress address) {
        for (int i = 0; i < dests.size(); i++) {
            if (dests.get(i).address().equals(address)) {
                return i;
            }
        }
        return -1;
    }

    private void unlinkService(VirtualService svc) {
        VirtualService.State s = svc.state();
        long now = ticker.read();
        for (RealServer rs : s.destinations().asList()) {
            rs.unlink(now);
            trash.put(new TrashKey(svc.key(), rs.address()), rs);
        }
        s.scheduler().done();
        // not changed() yet: every caller publishes the table next, one change for listeners
        svc.publish(new VirtualService.State(s.config(), Destinations.EMPTY, s.scheduler()));
    }

    private void publish(VirtualService svc, VirtualService.State next) {
        svc.publish(next);
        changed();
    }

    /** A new snapshot is out: bump the generation and tell the listeners. Writer lock held. */
    private void changed() {
        generation++; // one writer at a time, so no update is lost
        for (Runnable r : changeListeners) {
            try {
                r.run();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "director change listener failed", e);
            }
        }
    }

    private void publish(Map<ServiceKey, VirtualService> byKey) {
        int ftp = 0;
        int portZero = 0;
        for (ServiceKey k : byKey.keySet()) {
            if (!k.isFwmark() && k.port() == 21) {
                ftp++;
            }
            if (!k.isFwmark() && k.port() == 0) {
                portZero++;
            }
        }
        table = new ServiceTable(Collections.unmodifiableMap(byKey), List.copyOf(byKey.values()), ftp, portZero);
        changed();
    }

    /** Builder of a {@link Director}; every setter validates its value. */
    public static final class Builder {
        private Ticker ticker = Ticker.system();
        private RandomGenerator random = ThreadLocalRandom.current();
        private SchedulerRegistry schedulers;
        private int connectionTableBits = 12;
        private int maxConnections = 1 << 20;
        private boolean timerThread = true;
        private Sysctls sysctls = Sysctls.DEFAULT;

        private Builder() {
        }

        /** @param ticker the time source of every timer (default: {@link System#nanoTime()}) */
        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        /**
         * @param random the randomness handed to schedulers and the defenses. Data-path threads use
         *     it concurrently: give a thread-safe generator (the default, {@link ThreadLocalRandom},
         *     is), or a seeded one only where one thread connects (deterministic tests).
         */
        public Builder random(RandomGenerator random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** @param registry the schedulers to offer (default: {@link SchedulerRegistry#load()}) */
        public Builder schedulers(SchedulerRegistry registry) {
            this.schedulers = Objects.requireNonNull(registry, "schedulers");
            return this;
        }

        /** @param bits the connection hash table size as reported by ipvsadm, 8..20 (default 12: 4096) */
        public Builder connectionTableBits(int bits) {
            if (bits < 8 || bits > 20) {
                throw new IllegalArgumentException("connectionTableBits must be 8..20, was " + bits);
            }
            this.connectionTableBits = bits;
            return this;
        }

        /**
         * @param max most connections held at once (default 1,048,576); new flows beyond it are
         *     refused and counted, and the defense strategies treat the free room as free memory.
         *     The hash table is sized to it (4 bytes per slot).
         */
        public Builder maxConnections(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxConnections must be positive, was " + max);
            }
            this.maxConnections = max;
            return this;
        }

        /** @param enabled false to drive {@link Director#runTimers()} by hand (tests with a fake ticker) */
        public Builder timerThread(boolean enabled) {
            this.timerThread = enabled;
            return this;
        }

        /** @param sysctls the kernel-style switches (default: the kernel's defaults) */
        public Builder sysctls(Sysctls sysctls) {
            this.sysctls = Objects.requireNonNull(sysctls, "sysctls");
            return this;
        }

        /** @return the director */
        public Director build() {
            return new Director(this);
        }
    }
}
