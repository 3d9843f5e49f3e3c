package io.jlvs.dataplane.nat;

import io.jlvs.core.Connection;
import io.jlvs.core.Director;
import io.jlvs.core.ForwardingMethod;
import io.jlvs.core.Protocol;
import io.jlvs.core.RealServer;
import io.jlvs.core.ServiceKey;
import io.jlvs.core.VirtualService;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.SocketChannel;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The NAT (masquerading) data plane: real TCP and UDP traffic through an in-process
 * {@link Director}, proxied on Netty (epoll on Linux).
 *
 * <pre>{@code
 * try (NatDataplane nat = NatDataplane.builder(director).workerThreads(2).start()) {
 *     // every TCP/UDP service with a -m real server now listens on its VIP:port
 * }
 * }</pre>
 *
 * <h2>What it does</h2>
 * <ul>
 *   <li><b>Listeners follow the configuration.</b> Every address-based TCP or UDP service (not
 *       firewall-mark, not port 0) with at least one {@link ForwardingMethod#MASQ} real server gets
 *       a listener on its VIP:port, or on the address given by {@link Builder#bindAddress}. A
 *       control thread, told of every change by {@link Director#onChange}, binds/unbinds listeners
 *       as services and real servers come and go; other flows are not disturbed. Every
 *       {@link Builder#refreshInterval} (1 s by default) it also retries binds that failed and
 *       closes the flows whose connection entry expired or whose connect timed out. Closing a TCP
 *       listener leaves its flows running; closing a UDP listener ends its flows (their replies
 *       leave through it).</li>
 *   <li><b>TCP</b>: the accepted client is scheduled with {@link Director#connect}; the proxy
 *       connects to {@link Connection#destination()} (port translation included) and relays both
 *       ways. On epoll the relay runs on Netty's event loops without Netty channels (a listening
 *       socket per loop with {@code SO_REUSEPORT}, two edge-triggered sockets per flow, see
 *       {@code EpollTcpFlow}; the loop threads run as {@code SCHED_BATCH},
 *       {@link Builder#batchScheduling}): a direction reads at most {@code min(high watermark, 56 KiB)} at a
 *       time and reads again only when the other socket took all of it, so a slow reader holds at
 *       most one read per direction. On NIO it uses Netty channels in Netty's proxy shape
 *       (auto-read off, the next read only while the other side is writable under the write-buffer
 *       watermarks, {@link Builder#writeBufferWaterMark}): at most the high watermark plus one read
 *       buffer per direction. Half-close
 *       passes through ({@code shutdownOutput} after the pending bytes), a reset passes through as
 *       a reset (SO_LINGER 0). Socket events feed the connection: {@link Connection#established()},
 *       {@link Connection#clientClosed()}, {@link Connection#serverClosed()},
 *       {@link Connection#reset(boolean)}, {@link Connection#close()}; every relayed buffer is
 *       counted with {@link Connection#countIn}/{@link Connection#countOut} (one "packet" per buffer
 *       read from a socket) and re-arms the timer ({@link Connection#touch()}).</li>
 *   <li><b>Expiry</b>: the control thread closes (with a reset, as a kernel director would after
 *       forgetting the flow) every flow whose connection expired in the director's table, and, when
 *       {@code expire_nodest_conn} is on, every flow whose real server was deleted (its connection
 *       is expired first). A deleted real server's flows otherwise run to their end; a weight-0 real
 *       server gets no new flows and keeps its existing ones.</li>
 *   <li><b>Backend failure</b>: by default a refused or timed-out backend connection resets the
 *       client (fed as a reset from the server). With {@link Builder#retryOtherRealServer(boolean)}
 *       the connection is expired and the client is scheduled again, up to
 *       {@link Builder#maxConnectAttempts(int)} attempts in all.</li>
 *   <li><b>UDP</b>: one backend UDP socket per client flow, connected to the real server; replies go
 *       back to the client from the listener's socket (the VIP:port). The flow lives as long as its
 *       connection (the UDP timeout, re-armed by traffic both ways). One-packet scheduling
 *       ({@code -o}) schedules and expires a connection per datagram; replies return through a
 *       per-(client, real server) reply socket that lives for the UDP timeout after its last use
 *       (the kernel finds no entry for them; we keep the reply path so NAT OPS is usable).</li>
 *   <li><b>Client address</b>: the real server sees the director's address by default. A PROXY
 *       protocol header ({@link ProxyProtocol}) can be sent per service or per real server.
 *       {@link Builder#transparent(boolean)} binds each backend socket to the client's address and
 *       port with {@code IP_TRANSPARENT} (epoll only, needs CAP_NET_ADMIN), so real servers see the
 *       client exactly as with kernel NAT. Replies then come back to the director only if the real
 *       servers route the client networks through it (default route via the director, as in the
 *       classic LVS-NAT setup), and the director must deliver them to the local transparent socket
 *       although they are addressed to the client. The minimal setup (tested by
 *       {@code TransparentNamespaceTest}, {@code <dev>} being the director's link to the real
 *       servers and {@code T} a free routing table):
 *       <pre>
 *   ip route add local 0.0.0.0/0 dev lo table T
 *   ip rule add iif &lt;dev&gt; lookup T</pre>
 *       Everything arriving from the real servers' link is then local; nothing is forwarded (the
 *       proxy terminates both connections), so {@code ip_forward} is not needed, unlike kernel NAT.
 *       Where the director also forwards traffic from that link, mark only the replies of
 *       transparent sockets instead: {@code iptables -t mangle -A PREROUTING -m socket --transparent
 *       -j MARK --set-mark 1} with {@code ip rule add fwmark 1 lookup T}.</li>
 * </ul>
 *
 * <h2>Threading</h2>
 * Each flow (client and backend channels, or a UDP flow's backend channel) lives on one event loop,
 * which is the only thread that feeds its {@link Connection}. The control thread only reads the
 * director, binds listeners and asks event loops to close flows.
 */
public final class NatDataplane implements AutoCloseable {
    /** The nap of {@link Builder#coalesce event coalescing} unless one is asked for: the one measured in benchmarks/RESULTS.md. */
    public static final Duration DEFAULT_COALESCE = Duration.ofNanos(10_000);
    private static final System.Logger LOG = System.getLogger(NatDataplane.class.getName());
    /** The native relay's per-loop read buffer. */
    private static final int SCRATCH_SIZE = 64 * 1024;
    /**
     * The largest read of the native relay. Not 64 KiB: on loopback (MTU 65,536) a 64 KiB send
     * leaves as a full segment plus a 53-byte one, and 1 MiB responses ran at 0.81x HAProxy with
     * 64 KiB reads against 1.27x with 56 KiB (benchmarks/RESULTS.md).
     */
    private static final int MAX_READ = 56 * 1024;
    private static final int BACKLOG = 1024;

    final Director director;
    final Transport transport;
    final EventLoopGroup group;
    final WriteBufferWaterMark waterMark;
    final int connectTimeoutMillis;
    final boolean retryOtherRealServer;
    final int maxConnectAttempts;
    final boolean transparent;
    final boolean zeroCopy;
    /** Bytes the native relay reads at a time: at most the high watermark and the scratch buffer. */
    final int readSize;
    /** Per event loop state of the native TCP relay (epoll only, otherwise empty). */
    private final java.util.List<EpollLoop> epollLoops = new java.util.ArrayList<>();
    private final Map<ServiceKey, InetSocketAddress> bindAddresses;
    private final ProxyProtocol defaultProxyProtocol;
    private final Map<ServiceKey, ProxyProtocol> serviceProxyProtocol;
    private final Map<ServiceKey, Map<InetSocketAddress, ProxyProtocol>> realServerProxyProtocol;
    private final ScheduledExecutorService control;
    private final Map<ServiceKey, Listener> listeners = new ConcurrentHashMap<>();
    final Set<RelayFlow> tcpFlows = ConcurrentHashMap.newKeySet();
    final Set<UdpService> udpServices = ConcurrentHashMap.newKeySet();
    private final AtomicLong pendingHighWater = new AtomicLong();
    final java.util.concurrent.atomic.LongAdder splicedBytes = new java.util.concurrent.atomic.LongAdder();
    private volatile boolean closed;

    /**
     * A bound listener: the native relay's per-loop listening sockets (TCP on epoll), the TCP server
     * channel (NIO), or the UDP service socket.
     */
    private record Listener(Protocol protocol, InetSocketAddress bound, Channel channel, UdpService udp,
            java.util.List<EpollTcpListener> epollTcp) {
    }

    private NatDataplane(Builder b) {
        this.director = b.director;
        this.transport = b.transport;
        this.waterMark = new WriteBufferWaterMark(b.lowWaterMark, b.highWaterMark);
        this.connectTimeoutMillis = b.connectTimeoutMillis;
        this.retryOtherRealServer = b.retryOtherRealServer;
        this.maxConnectAttempts = b.maxConnectAttempts;
        this.transparent = b.transparent;
        this.zeroCopy = b.zeroCopy && b.transport == Transport.EPOLL;
        this.readSize = Math.max(4096, Math.min(b.highWaterMark, MAX_READ));
        this.bindAddresses = Map.copyOf(b.bindAddresses);
        this.defaultProxyProtocol = b.proxyProtocol;
        this.serviceProxyProtocol = Map.copyOf(b.serviceProxyProtocol);
        Map<ServiceKey, Map<InetSocketAddress, ProxyProtocol>> rs = new HashMap<>();
        b.realServerProxyProtocol.forEach((k, v) -> rs.put(k, Map.copyOf(v)));
        this.realServerProxyProtocol = Map.copyOf(rs);
        this.group = transport.newEventLoopGroup(b.workerThreads, b.busyPollNanos, b.coalesceNanos, b.coalesceGate,
                b.batchScheduling);
        if (transport == Transport.EPOLL) {
            for (io.netty.util.concurrent.EventExecutor e : group) {
                epollLoops.add(new EpollLoop((io.netty.channel.IoEventLoop) e, SCRATCH_SIZE));
            }
        }
        this.control = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "jlvs-nat-control");
            t.setDaemon(true);
            return t;
        });
    }

    /** @return a builder for a NAT data plane serving {@code director}'s masquerading services */
    public static Builder builder(Director director) {
        return new Builder(director);
    }

    private NatDataplane start(long refreshNanos) {
        // changes are applied when made, not at the next tick: the listener only queues the work
        changeListener = director.onChange(() -> {
            try {
                control.execute(this::directorChanged);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // the data plane is closing: nothing to follow any more
            }
        });
        try {
            control.submit(this::reconcile).get();
        } catch (Exception e) {
            close();
            throw new IllegalStateException("NAT data plane failed to start", e);
        }
        control.scheduleWithFixedDelay(this::tick, refreshNanos, refreshNanos, TimeUnit.NANOSECONDS);
        return this;
    }

    /** @return the Netty transport in use (epoll on Linux) */
    public Transport transport() {
        return transport;
    }

    /** @return the local address a service listens on, once its listener is bound */
    public Optional<InetSocketAddress> boundAddress(ServiceKey key) {
        Listener l = listeners.get(key);
        return l == null ? Optional.empty() : Optional.of(l.bound());
    }

    /** @return the services with a bound listener */
    public Set<ServiceKey> listening() {
        return Set.copyOf(listeners.keySet());
    }

    /** @return open TCP flows plus live UDP flows (including one-packet reply paths) */
    public int flowCount() {
        int n = tcpFlows.size();
        for (UdpService u : udpServices) {
            n += u.flowCount();
        }
        return n;
    }

    /**
     * @return the largest number of bytes seen waiting in one channel's outbound buffer right after
     *     a relayed write (the backpressure bound: high watermark plus one read buffer)
     */
    public long pendingWriteBytesHighWater() {
        return pendingHighWater.get();
    }

    /** @return TCP bytes relayed by {@code splice(2)} so far (0 unless {@link Builder#zeroCopy}) */
    public long splicedBytes() {
        return splicedBytes.sum();
    }

    void notePending(Channel ch) {
        io.netty.channel.ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
        if (out != null) {
            notePending(out.totalPendingWriteBytes());
        }
    }

    /** Records {@code pending} bytes held for a socket that could not take them yet. */
    void notePending(long pending) {
        long max = pendingHighWater.get();
        while (pending > max && !pendingHighWater.compareAndSet(max, pending)) {
            max = pendingHighWater.get();
        }
    }

    /** @return the PROXY protocol header version for a flow to {@code realServer} of {@code key} */
    ProxyProtocol proxyProtocol(ServiceKey key, InetSocketAddress realServer) {
        Map<InetSocketAddress, ProxyProtocol> rs = realServerProxyProtocol.get(key);
        ProxyProtocol p = rs == null ? null : rs.get(realServer);
        if (p == null) {
            p = serviceProxyProtocol.get(key);
        }
        return p == null ? defaultProxyProtocol : p;
    }

    // ------------------------------------------------------------------ control thread

    /**
     * The director's {@link Director#generation() generation} the listeners last matched, and
     * whether a bind failed since (retried every tick). Control thread only.
     */
    private long reconciledGeneration = -1;
    private boolean bindFailed;

    private volatile Director.Subscription changeListener = () -> { };

    /** The director's configuration changed: follow it now (listeners, expire_nodest_conn). */
    private void directorChanged() {
        try {
            if (director.generation() != reconciledGeneration) { // a burst of changes is followed once
                reconcile();
                sweep();
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NAT control: following a director change failed", e);
        }
    }

    private void tick() {
        try {
            // Ticks are rare and cheap on purpose: code run ten times a second stays interpreted, so
            // a tick cost ~230 µs of CPU (90 of them in reconcile) taken from whichever event loop or
            // real server it preempts; now reconcile runs only after a change
            if (bindFailed || director.generation() != reconciledGeneration) {
                reconcile();
            }
            sweep();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "NAT control tick failed", e);
        }
    }

    /** Binds a listener for every wanted service and unbinds the others. Control thread only. */
    private void reconcile() {
        if (closed) {
            return;
        }
        reconciledGeneration = director.generation(); // first: a change made meanwhile queues its own follow-up
        bindFailed = false;
        Map<ServiceKey, VirtualService> wanted = new HashMap<>();
        for (VirtualService svc : director.services()) {
            ServiceKey key = svc.key();
            if (key.isFwmark() || key.port() == 0
                    || (key.protocol() != Protocol.TCP && key.protocol() != Protocol.UDP)) {
                continue;
            }
            for (RealServer rs : svc.realServers()) {
                if (rs.method() == ForwardingMethod.MASQ) {
                    wanted.put(key, svc);
                    break;
                }
            }
        }
        for (Map.Entry<ServiceKey, Listener> e : listeners.entrySet()) {
            if (!wanted.containsKey(e.getKey())) {
                unbind(e.getValue()); // first: once boundAddress() is empty, nothing listens any more
                listeners.remove(e.getKey());
            }
        }
        for (ServiceKey key : wanted.keySet()) {
            if (!listeners.containsKey(key)) {
                try {
                    listeners.put(key, bind(key));
                } catch (RuntimeException | InterruptedException e) {
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    bindFailed = true;
                    LOG.log(System.Logger.Level.WARNING, "cannot listen for " + key + " on " + bindAddress(key)
                            + ": " + e + " (retrying)");
                }
            }
        }
    }

    private InetSocketAddress bindAddress(ServiceKey key) {
        InetSocketAddress a = bindAddresses.get(key);
        return a != null ? a : new InetSocketAddress(key.address(), key.port());
    }

    private Listener bind(ServiceKey key) throws InterruptedException {
        InetSocketAddress at = bindAddress(key);
        InetSocketAddress vip = new InetSocketAddress(key.address(), key.port());
        if (key.protocol() == Protocol.TCP && transport == Transport.EPOLL) {
            return bindEpollTcp(key, vip, at);
        }
        if (key.protocol() == Protocol.TCP) {
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(transport.serverSocketChannel())
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            new TcpFlow(NatDataplane.this, key, vip, ch);
                        }
                    });
            Channel ch = b.bind(at).sync().channel();
            return new Listener(Protocol.TCP, (InetSocketAddress) ch.localAddress(), ch, null, null);
        }
        UdpService udp = new UdpService(this, key, vip);
        Channel ch = udp.bind(at);
        udpServices.add(udp);
        return new Listener(Protocol.UDP, (InetSocketAddress) ch.localAddress(), ch, udp, null);
    }

    /** One listening socket per event loop, all on the same address (SO_REUSEPORT). */
    private Listener bindEpollTcp(ServiceKey key, InetSocketAddress vip, InetSocketAddress at) throws InterruptedException {
        java.util.List<EpollTcpListener> bound = new java.util.ArrayList<>();
        InetSocketAddress where = at;
        try {
            for (EpollLoop loop : epollLoops) {
                EpollTcpListener l = EpollTcpListener.open(this, loop, key, vip, where, BACKLOG);
                bound.add(l);
                where = l.localAddress(); // the port the first one got when asked for port 0
            }
        } catch (java.io.IOException e) {
            bound.forEach(EpollTcpListener::unbind);
            throw new java.io.UncheckedIOException(e.getMessage(), e);
        }
        return new Listener(Protocol.TCP, where, null, null, java.util.List.copyOf(bound));
    }

    private void unbind(Listener l) {
        if (l.epollTcp() != null) {
            l.epollTcp().forEach(EpollTcpListener::unbind);
            return;
        }
        l.channel().close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        if (l.udp() != null) {
            udpServices.remove(l.udp());
            l.udp().closeFlows();
        }
    }

    /** Closes flows whose connection expired, and those of deleted real servers under expire_nodest_conn. */
    private void sweep() {
        boolean nodest = director.sysctls().expireNodestConn();
        for (RelayFlow f : tcpFlows) {
            f.sweep(nodest);
        }
        long now = director.ticker().read();
        long udpTimeout = TimeUnit.SECONDS.toNanos(director.timeouts().udp());
        for (UdpService u : udpServices) {
            u.sweep(nodest, now, udpTimeout);
        }
    }

    /**
     * The loop a connection accepted on {@code accepting} should live on. SO_REUSEPORT spreads
     * connections by a hash of their addresses, which leaves long-lived flows unevenly spread (50
     * keep-alive connections on 2 loops split 21/29 as often as not); a loop that holds clearly
     * more flows than the least loaded one hands the new flow over. Balanced loops keep their own,
     * so short connections pay no hand-off.
     */
    EpollLoop loopFor(EpollLoop accepting) {
        EpollLoop least = accepting;
        for (EpollLoop l : epollLoops) {
            if (l.flows() < least.flows()) {
                least = l;
            }
        }
        int mine = accepting.flows();
        return mine - least.flows() > Math.max(2, mine / 8) ? least : accepting;
    }

    /** @return the event loops of the native relay (empty on NIO); for tests */
    java.util.List<io.netty.channel.IoEventLoop> epollEventLoops() {
        return epollLoops.stream().map(l -> l.loop).toList();
    }

    /** @return the open TCP flows of each event loop of the native relay (empty on NIO); for tests */
    int[] loopFlowCounts() {
        return epollLoops.stream().mapToInt(EpollLoop::flows).toArray();
    }

    /** Runs the expiry sweep now (tests; the control thread runs it every refresh interval). */
    public void sweepNow() {
        try {
            control.submit(this::sweep).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    void expire(Connection c) {
        director.expire(c);
    }

    /**
     * A backend connection failed after {@code attempts} attempts: with
     * {@link Builder#retryOtherRealServer}, expire it and schedule the client again.
     *
     * @return the new connection, or empty when the client is to be reset (as with kernel NAT)
     */
    Optional<Connection> rescheduleAfterFailedConnect(Connection failed, int attempts, InetSocketAddress client,
            InetSocketAddress vip) {
        if (!retryOtherRealServer || attempts >= maxConnectAttempts) {
            return Optional.empty();
        }
        expire(failed);
        return director.connect(Protocol.TCP, client, vip);
    }

    // ------------------------------------------------------------------ close

    /**
     * Unbinds every listener, resets every flow (their connections are expired in the director),
     * and shuts the event loops down. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        changeListener.close();
        control.shutdownNow();
        try {
            control.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Listener l : listeners.values()) {
            unbind(l);
        }
        listeners.clear();
        for (RelayFlow f : tcpFlows) {
            f.abort();
        }
        for (UdpService u : udpServices) {
            u.closeFlows();
        }
        udpServices.clear();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        epollLoops.forEach(EpollLoop::close); // the loops have stopped: their pipe pools are ours now
    }

    /** Configures and starts a {@link NatDataplane}. Each setter validates its argument. */
    public static final class Builder {
        private final Director director;
        private Transport transport = Transport.best();
        private int workerThreads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        private long refreshNanos = TimeUnit.SECONDS.toNanos(1);
        private final Map<ServiceKey, InetSocketAddress> bindAddresses = new HashMap<>();
        private ProxyProtocol proxyProtocol = ProxyProtocol.NONE;
        private final Map<ServiceKey, ProxyProtocol> serviceProxyProtocol = new HashMap<>();
        private final Map<ServiceKey, Map<InetSocketAddress, ProxyProtocol>> realServerProxyProtocol = new HashMap<>();
        private boolean retryOtherRealServer;
        private int maxConnectAttempts = 3;
        private int connectTimeoutMillis = 5000;
        private int lowWaterMark = 32 * 1024;
        private int highWaterMark = 64 * 1024;
        private boolean transparent;
        private boolean zeroCopy;
        private long busyPollNanos;
        long coalesceNanos = DEFAULT_COALESCE.toNanos(); // package-private: read by tests
        EventCoalescing.Gate coalesceGate = EventCoalescing.Gate.DEFAULT; // package-private: tests nap without
        private boolean batchScheduling = true;

        private Builder(Director director) {
            this.director = Objects.requireNonNull(director, "director");
        }

        /** The Netty transport; default {@link Transport#best()} (epoll on Linux). */
        public Builder transport(Transport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /** Event loop threads shared by all listeners and flows (default: cores, at most 4). */
        public Builder workerThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("workerThreads must be at least 1: " + threads);
            }
            this.workerThreads = threads;
            return this;
        }

        /**
         * How often the control thread sweeps: closes the flows whose connection entry expired (idle
         * past its state's timeout, or its real server deleted under {@code expire_nodest_conn})
         * or whose backend connect took longer than {@link #connectTimeout}, ends idle UDP flows,
         * and retries binds that failed (default 1 s: each of those happens up to this much late).
         * Configuration changes do not wait for it: they are followed when made. The sweep is
         * rare on purpose: code run this seldom stays interpreted, so each sweep costs ~170 µs of
         * CPU taken from whichever event loop or real server it preempts (the control thread's CPU
         * in a keep-alive run fell from 16 to 1.4 ms in 6 s; see benchmarks/RESULTS.md).
         */
        public Builder refreshInterval(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("refreshInterval must be positive: " + interval);
            }
            this.refreshNanos = interval.toNanos();
            return this;
        }

        /**
         * Listens for service {@code key} on {@code localAddress} instead of its VIP:port (e.g. VIP
         * 172.25.0.10:80 served on 127.0.0.1:8080); scheduling still uses the VIP:port. Port 0 picks
         * an ephemeral port ({@link NatDataplane#boundAddress}).
         */
        public Builder bindAddress(ServiceKey key, InetSocketAddress localAddress) {
            bindAddresses.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(localAddress, "localAddress"));
            return this;
        }

        /** PROXY protocol header for every TCP real server without a more specific setting (default NONE). */
        public Builder proxyProtocol(ProxyProtocol version) {
            this.proxyProtocol = Objects.requireNonNull(version, "proxyProtocol");
            return this;
        }

        /** PROXY protocol header for the real servers of one service. */
        public Builder proxyProtocol(ServiceKey key, ProxyProtocol version) {
            serviceProxyProtocol.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(version, "proxyProtocol"));
            return this;
        }

        /** PROXY protocol header for one real server of one service. */
        public Builder proxyProtocol(ServiceKey key, InetSocketAddress realServer, ProxyProtocol version) {
            realServerProxyProtocol.computeIfAbsent(Objects.requireNonNull(key, "key"), k -> new HashMap<>())
                    .put(Objects.requireNonNull(realServer, "realServer"), Objects.requireNonNull(version, "proxyProtocol"));
            return this;
        }

        /**
         * When a real server refuses or does not answer, expire that connection and schedule the
         * client again (default false: the client is reset, as with kernel NAT).
         */
        public Builder retryOtherRealServer(boolean retry) {
            this.retryOtherRealServer = retry;
            return this;
        }

        /** Backend connection attempts per client with {@link #retryOtherRealServer(boolean)} (default 3). */
        public Builder maxConnectAttempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("maxConnectAttempts must be at least 1: " + attempts);
            }
            this.maxConnectAttempts = attempts;
            return this;
        }

        /** How long a backend connection may take (default 5 s; checked every {@link #refreshInterval}). */
        public Builder connectTimeout(Duration timeout) {
            long ms = timeout.toMillis();
            if (ms < 1 || ms > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("connectTimeout out of range: " + timeout);
            }
            this.connectTimeoutMillis = (int) ms;
            return this;
        }

        /** Per-channel write-buffer watermarks, the backpressure bound (default 32 KiB / 64 KiB). */
        public Builder writeBufferWaterMark(int low, int high) {
            if (low < 0 || high < low) {
                throw new IllegalArgumentException("writeBufferWaterMark needs 0 <= low <= high: " + low + ", " + high);
            }
            this.lowWaterMark = low;
            this.highWaterMark = high;
            return this;
        }

        /**
         * Binds each backend socket to the client's address and port with {@code IP_TRANSPARENT}, so
         * real servers see the client as with kernel NAT (epoll only; needs CAP_NET_ADMIN and the
         * routing described in {@link NatDataplane}).
         */
        public Builder transparent(boolean transparent) {
            this.transparent = transparent;
            return this;
        }

        /**
         * Relays bulk TCP directions with {@code splice(2)} (socket → pipe → socket, no copy into
         * user space): a direction switches to splicing once a read fills the read size and back to
         * copying when a splice brings less than 16 KiB. Epoll only; ignored on NIO. Each splice
         * counts as one packet, with exact bytes; the pipe holds at most one read, so the slow-reader
         * bound is the same as copying. Off by default: on loopback, copying measured faster (iperf3
         * 15.9 against 13.5 Gbit/s, benchmarks/RESULTS.md); across a real NIC splicing saves the copy.
         */
        public Builder zeroCopy(boolean zeroCopy) {
            this.zeroCopy = zeroCopy;
            return this;
        }

        /**
         * Busy polling, off by default (like HAProxy's {@code busy-polling}, which is off by default
         * too): an epoll event loop that runs out of events keeps polling without blocking for up to
         * {@code window}, yielding its CPU between polls, before it sleeps in {@code epoll_wait}. A
         * loop that is awake needs no wake-up, so the clients and real servers that send to it
         * (and, on one machine, pay for waking it: a cross-CPU interrupt per sleep) do less work.
         * It costs CPU whenever traffic pauses for less than the window: measured in
         * benchmarks/RESULTS.md. Ignored on NIO.
         *
         * @param window how long to poll before sleeping; zero turns busy polling off
         * @throws IllegalArgumentException when negative or longer than a second
         */
        public Builder busyPoll(Duration window) {
            if (window.isNegative() || window.compareTo(Duration.ofSeconds(1)) > 0) {
                throw new IllegalArgumentException("busyPoll must be between 0 and 1 s: " + window);
            }
            this.busyPollNanos = window.toNanos();
            return this;
        }

        /**
         * Event coalescing: the epoll counterpart of a NIC's adaptive interrupt moderation
         * ({@code ethtool -C rx-usecs}). While an event loop carries at least 32 open TCP flows,
         * at least 4 new ones a millisecond, and events arrive densely (at least one per two naps'
         * time, measured each millisecond), the loop, when it runs out of events, naps for
         * {@code nap} on a timer before it sleeps in {@code epoll_wait}, then takes what came
         * meanwhile as one batch. A loop that is not in {@code epoll_wait} needs no wake-up, so the
         * clients and real servers that send to it do not pay for one inside their system calls
         * (on one machine, and in a VM above all, that wake-up and the preemption after it cost them
         * more than the event costs the loop). An event can wait up to one nap; sparse traffic and
         * idle loops block at once, as without it, and a loop whose naps mostly come back empty (its
         * CPU is contended, so naps last far longer than asked) stops napping for a while
         * ({@link EventCoalescing}). Busy polling, when on, replaces it. Ignored on NIO.
         *
         * <p>On by default with a nap of {@link NatDataplane#DEFAULT_COALESCE} (10 µs). It wins
         * where many short connections keep a loop busy (a new connection per request through one
         * loop: +5 % on the two-core machine). It would lose where few connections wait on each
         * answer (8 keep-alive connections: -8 %; +50 % loop CPU per request at 4), hence the 32
         * flows; on established connections it gained nothing and lengthened the latency tail,
         * hence the churn; and where every CPU runs a loop, naps last far longer than asked, which
         * the empty-nap check catches. Measured in benchmarks/RESULTS.md.
         *
         * @param nap how long a nap lasts; zero turns coalescing off
         * @throws IllegalArgumentException when negative or longer than a millisecond
         */
        public Builder coalesce(Duration nap) {
            if (nap.isNegative() || nap.compareTo(Duration.ofMillis(1)) > 0) {
                throw new IllegalArgumentException("coalesce must be between 0 and 1 ms: " + nap);
            }
            this.coalesceNanos = nap.toNanos();
            return this;
        }

        /**
         * Whether the event loop threads run under Linux's {@code SCHED_BATCH} policy
         * ({@code sched(7)}; epoll only, ignored on NIO). On by default.
         *
         * <p>Why: a relay's loop is woken by the clients and real servers it serves, usually while
         * one of them still runs on that CPU. Under {@code SCHED_OTHER} the woken loop may preempt
         * it, so where the CPUs are shared (the real server on the same machine, a busy
         * application around the library) each request costs a context switch or two more, and the
         * preempted process comes back to a cold cache. A {@code SCHED_BATCH} thread does not
         * preempt on wake-up: it runs when the running task blocks or its slice ends, and then
         * finds more events ready and takes them as one batch. Its share of the CPU (the nice
         * value) is unchanged, and other threads still preempt it. Where a loop has a CPU of its
         * own, the policy changes nothing.
         *
         * <p>Measured on the two-core machine (benchmarks/RESULTS.md): keep-alive through two loops
         * beside nginx and wrk went from 2-3 % behind HAProxy to 13-15 % ahead, with a lower p99;
         * nginx was preempted 470-1,450 times in 4 s instead of 30,000-36,000. With one loop (a
         * CPU nearly to itself) it was neutral.
         *
         * <p>Switching between {@code SCHED_OTHER} and {@code SCHED_BATCH} needs no privilege; when a
         * seccomp filter refuses it, the loop logs a warning and stays {@code SCHED_OTHER}. As
         * Linux does for every thread, a thread started from a loop thread inherits its policy
         * (e.g. a common-pool worker first started by work a loop submitted).
         */
        public Builder batchScheduling(boolean on) {
            this.batchScheduling = on;
            return this;
        }

        /**
         * Starts the event loops and binds the listeners of the current configuration before
         * returning.
         *
         * @throws IllegalStateException when transparent mode is asked for without epoll
         */
        public NatDataplane start() {
            if (transparent && transport != Transport.EPOLL) {
                throw new IllegalStateException("transparent mode needs the epoll transport, not " + transport);
            }
            return new NatDataplane(this).start(refreshNanos);
        }
    }
}
