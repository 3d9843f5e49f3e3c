package io.jlvs.dataplane.nat;

import io.jlvs.core.Connection;
import io.jlvs.core.Protocol;
import io.jlvs.core.ServiceKey;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoEvent;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.Native;
import io.netty.channel.unix.FileDescriptor;
import io.netty.util.concurrent.Future;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One proxied TCP flow on the native epoll relay: the accepted client socket, the backend socket to
 * the real server, and the director's {@link Connection}, driven by Netty's epoll event loop without
 * Netty channels (the per-connection cost of a channel pair is most of a short connection's
 * system calls; see {@code benchmarks/RESULTS.md}). The sockets are {@link FlowSocket}s: their
 * system calls go through the loop's {@link Syscalls} (FFM), 14 per short connection.
 *
 * <h2>How it moves bytes</h2>
 * Both sockets are registered edge-triggered for {@code EPOLLIN | EPOLLRDHUP}, and for
 * {@code EPOLLOUT} only while it is needed (see {@link End#awaitWritable}): an event only sets the
 * hints {@code readable}, {@code writable} and {@code rdhup} of its socket, and both directions are
 * then pumped. A
 * direction reads only while nothing of its previous read is waiting for the other socket, so at
 * most one read (the read size, at most the high write-buffer watermark) is held per direction:
 * <ul>
 *   <li><b>copy</b>: {@code recv} into the event loop's scratch buffer and {@code send} at once; a
 *       remainder the other socket did not take is copied into a pooled buffer until
 *       {@code EPOLLOUT}. A short read means the socket is drained (no extra {@code EAGAIN} call).</li>
 *   <li><b>splice</b> (zero-copy, {@link NatDataplane.Builder#zeroCopy}): once a read fills the
 *       read size, the direction moves bytes socket → pipe → socket with {@code splice(2)} until a
 *       splice brings less than 16 KiB. The pipe comes from the loop's pool and goes back as soon
 *       as it is empty. Netty's splice reports both end-of-stream and {@code EAGAIN} as 0; the
 *       {@code EPOLLRDHUP} hint tells them apart.</li>
 * </ul>
 * End of stream passes through as {@code shutdown(SHUT_WR)} once the bytes before it are out; when
 * the second direction ends, both sockets are closed (orderly). An error on either socket (a
 * reset) closes the other with {@code SO_LINGER 0}, i.e. a reset. Sockets are closed before their
 * registration is cancelled, so no {@code EPOLL_CTL_DEL} is needed.
 *
 * <p>Threading: everything runs on the flow's event loop; the control thread only calls
 * {@link #sweep} and {@link #abort}, which hop onto it.
 */
final class EpollTcpFlow implements RelayFlow {
    private static final System.Logger LOG = System.getLogger(EpollTcpFlow.class.getName());
    // Linux epoll bits (the kernel ABI)
    private static final int EPOLLIN = 0x001;
    private static final int EPOLLOUT = 0x004;
    private static final int EPOLLERR = 0x008;
    private static final int EPOLLHUP = 0x010;
    private static final int EPOLLRDHUP = 0x2000;
    private static final int EPOLLET = 1 << 31;
    /**
     * What a socket is registered for while its writes go through. Netty hands each event to its
     * handle as an object, and allocates a new one for every mask but a few ({@code EPOLLIN}
     * alone is one of them, {@code EPOLLIN | EPOLLOUT} is not); a socket registered for
     * {@code EPOLLOUT} reports it with every event while it is writable, so relaying small messages
     * would allocate on every read.
     */
    private static final EpollIoOps READS = EpollIoOps.valueOf(EPOLLIN | EPOLLRDHUP | EPOLLET);
    /** What a socket is registered for while a write waits (or its connection is being made). */
    private static final EpollIoOps READS_AND_WRITES = EpollIoOps.valueOf(EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
    /**
     * Events in a row that reported {@code EPOLLOUT} while no write waited before a socket drops
     * the interest: enough that a short connection never pays the {@code epoll_ctl}, few enough
     * that a long one soon stops allocating.
     */
    private static final int IDLE_WRITE_EVENTS = 4;
    /** IP_TRANSPARENT / IPV6_TRANSPARENT and their levels (Linux ABI). */
    private static final int SOL_IP = 0;
    private static final int IP_TRANSPARENT = 19;
    private static final int SOL_IPV6 = 41;
    private static final int IPV6_TRANSPARENT = 75;
    /** A splice that brings less than this goes back to copying. */
    private static final int SPLICE_MIN = 16 * 1024;
    /** Reads per direction per wake-up before the flow yields to the loop's other flows. */
    private static final int READS_PER_WAKEUP = 16;

    private final NatDataplane dp;
    private final EpollLoop loop;
    private final ServiceKey key;
    private final InetSocketAddress vip;
    private final InetSocketAddress clientAddress;
    private final End client;
    private End backend;
    private final Pump up = new Pump(true);
    private final Pump down = new Pump(false);
    private volatile Connection conn;
    private int attempts;
    private volatile boolean connecting;
    private volatile long connectStartedNanos;
    /** {@link #tryEarlyStart} read the client's FIN before the backend connection was up. */
    private boolean clientEofBeforeConnect;
    /** Client bytes {@link #tryEarlyStart} read before the backend connection was confirmed. */
    private int earlyBytes;
    private boolean done;
    private boolean resumeScheduled;
    private final Runnable resume = this::resume;

    private EpollTcpFlow(NatDataplane dp, EpollLoop loop, ServiceKey key, InetSocketAddress vip, FlowSocket accepted,
            InetSocketAddress clientAddress) {
        this.dp = dp;
        this.loop = loop;
        this.key = key;
        this.vip = vip;
        this.clientAddress = clientAddress;
        this.client = new End(accepted, true);
        client.writable = true;
    }

    /**
     * A client connected to {@code vip}: schedule it and connect to its real server. Event loop only.
     *
     * @return false when setting the flow up failed unexpectedly (logged; the client is reset)
     */
    static boolean accepted(NatDataplane dp, EpollLoop loop, ServiceKey key, InetSocketAddress vip, FlowSocket accepted,
            InetSocketAddress from) {
        EpollTcpFlow f = new EpollTcpFlow(dp, loop, key, vip, accepted, from);
        try {
            f.start();
            return true;
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "TCP flow from " + from + " could not start; reset", e);
            Connection c = f.conn;
            if (c != null) {
                c.reset(true);
            }
            f.finish(true);
            return false;
        }
    }

    private void start() {
        Optional<Connection> c = dp.director.connect(Protocol.TCP, clientAddress, vip);
        if (c.isEmpty()) {
            // no real server (or a dropped packet): the client sees a reset, as after an ICMP unreachable
            done = true;
            client.close(true);
            return;
        }
        conn = c.get();
        try {
            client.register(); // TCP_NODELAY is inherited from the listening socket
        } catch (Exception e) {
            conn.reset(true);
            finish(true);
            return;
        }
        dp.tcpFlows.add(this);
        loop.flowStarted();
        connectBackend();
    }

    /**
     * Spreads flows in {@code dp.tcpFlows} by the client socket's descriptor (unique among open
     * flows, fixed for the flow's life): an identity hash would be generated and stored in the
     * object header on every new flow, a slow VM call. Equality stays identity.
     */
    @Override
    public int hashCode() {
        return client.socket.intValue() * 0x9E3779B9;
    }

    @Override
    public boolean equals(Object o) {
        return this == o;
    }

    // ------------------------------------------------------------------ backend connection

    private void connectBackend() {
        attempts++;
        InetSocketAddress dest = conn.destination();
        FlowSocket s;
        try {
            s = FlowSocket.openFor(dest, loop.sys);
        } catch (IOException | RuntimeException e) { // no descriptor left (EMFILE): as a failed connect
            connectFailed();
            return;
        }
        End b = new End(s, false);
        backend = b;
        connecting = true;
        b.writeInterest = true; // the end of the handshake is reported as EPOLLOUT
        connectStartedNanos = System.nanoTime();
        try {
            s.setTcpNoDelay();
            if (dp.transparent) {
                boolean v4 = clientAddress.getAddress() instanceof java.net.Inet4Address;
                s.setIntOpt(v4 ? SOL_IP : SOL_IPV6, v4 ? IP_TRANSPARENT : IPV6_TRANSPARENT, 1);
                s.setReuseAddress();
                s.bind(clientAddress);
            }
            if (s.connect(dest)) {
                b.writeInterest = false;
                b.register();
                backendConnected();
                return;
            }
        } catch (Exception e) {
            connectFailed();
            return;
        }
        if (attempts == 1) {
            // before registering: when it proves the connection, the socket needs no EPOLLOUT
            tryEarlyStart();
        }
        if (backend == b && !done) { // not failed over to another real server, nor finished
            try {
                b.register();
            } catch (Exception e) {
                connectFailed();
            }
        }
    }

    /**
     * The handshake often completes inside {@code connect()} (loopback, a fast LAN), and the client
     * has often sent its first bytes by then: read them now and send them at once instead of
     * waiting a loop iteration for {@code EPOLLOUT} (HAProxy also reads a new client at once). A
     * send that takes bytes proves the connection; {@code EAGAIN} keeps them pending until
     * {@code EPOLLOUT}; an error is a failed connect, and the bytes stay pending for a retry. Not
     * with a PROXY header (it must go first) nor after the client's FIN (events keep their order).
     */
    private void tryEarlyStart() {
        if (client.rdhup || dp.proxyProtocol(key, conn.realServer().address()) != ProxyProtocol.NONE) {
            return;
        }
        int n;
        try {
            n = client.socket.recv(loop.scratchAddress, dp.readSize);
        } catch (IOException | RuntimeException e) {
            failed(client);
            return;
        }
        if (n == 0) {
            return; // nothing yet: the client's EPOLLIN will come
        }
        if (n < 0) {
            up.eof = true; // a FIN before any byte: fed to the connection once it is established
            clientEofBeforeConnect = true;
            return;
        }
        earlyBytes = n; // counted once a connection to a real server is up: a retry may send them elsewhere
        int m;
        try {
            m = backend.socket.send(loop.scratchAddress, n);
        } catch (IOException | RuntimeException e) {
            m = -1;
        }
        if (m < n) {
            int from = Math.max(m, 0);
            up.pending = ByteBufAllocator.DEFAULT.directBuffer(n - from).writeBytes(loop.scratch, from, n - from);
            dp.notePending(n - from);
        }
        if (m < 0) {
            connectFailed();
        } else if (m > 0) {
            backendConnected();
        }
    }

    private void backendConnected() {
        connecting = false;
        backend.writable = true;
        if (backend.registration == null) {
            backend.writeInterest = false; // proved by an early send: register for reads only
        }
        Connection c = conn;
        c.established();
        if (earlyBytes > 0) {
            counted(up, earlyBytes);
            earlyBytes = 0;
        }
        if (clientEofBeforeConnect) {
            clientEofBeforeConnect = false;
            c.clientClosed();
        }
        ProxyProtocol pp = dp.proxyProtocol(key, c.realServer().address());
        if (pp != ProxyProtocol.NONE) {
            up.pending = ProxyHeader.encode(pp, clientAddress, vip, ByteBufAllocator.DEFAULT);
        }
        pumpBoth();
    }

    /** The backend connection was refused, timed out or could not be made. */
    private void connectFailed() {
        connecting = false;
        if (backend != null) {
            backend.close(false);
            backend = null;
        }
        if (done) {
            return;
        }
        Connection failed = conn;
        Optional<Connection> again = client.rdhup ? Optional.empty()
                : dp.rescheduleAfterFailedConnect(failed, attempts, clientAddress, vip);
        if (again.isPresent()) {
            conn = again.get();
            connectBackend();
            return;
        }
        // kernel NAT: the client's SYN found a dead real server; the client sees a reset
        failed.reset(false);
        finish(true);
    }

    // ------------------------------------------------------------------ events

    private void onEvent(End e, int ev) {
        if (done || (e != client && e != backend)) {
            return;
        }
        if ((ev & EPOLLOUT) != 0 && !connecting) {
            e.writeEvent();
        }
        if ((ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
            e.readable = true;
        }
        if ((ev & (EPOLLRDHUP | EPOLLHUP)) != 0) {
            e.rdhup = true;
        }
        if ((ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0) {
            e.writable = true;
        }
        if (e == backend && connecting) {
            // the only events of a connecting socket: connected (OUT alone, no SO_ERROR query
            // needed) or failed (ERR/HUP; closing the socket drops its error)
            if ((ev & (EPOLLERR | EPOLLHUP)) == 0) {
                backendConnected();
                return;
            }
            connectFailed(); // refused, unreachable... (close() drops the pending error)
            return;
        }
        if ((ev & EPOLLERR) != 0 && socketError(e)) {
            return;
        }
        if (!connecting) {
            pumpBoth(); // a client event while connecting is remembered in the hints
        }
    }

    /** @return true when {@code e} has a pending error (a reset): the flow is then reset */
    private boolean socketError(End e) {
        int err;
        try {
            err = e.socket.pendingError();
        } catch (IOException | RuntimeException x) {
            err = -1;
        }
        if (err == 0) {
            return false;
        }
        failed(e);
        return true;
    }

    /** A socket error (a reset, or a write to a closed peer) on {@code e}: pass it on as a reset. */
    private void failed(End e) {
        Connection c = conn;
        if (c != null) {
            c.reset(e == client);
        }
        finish(true);
    }

    private void resume() {
        resumeScheduled = false;
        if (!done && !connecting) {
            pumpBoth();
        }
    }

    private void pumpBoth() {
        boolean more = pump(up);
        if (!done) {
            more |= pump(down);
        }
        if (more && !done && !resumeScheduled) {
            resumeScheduled = true;
            loop.loop.execute(resume);
        }
    }

    // ------------------------------------------------------------------ relay

    /** One direction: client → real server ({@code up}) or back ({@code down}). */
    private static final class Pump {
        final boolean fromClient;
        /** Bytes read but not yet taken by the other socket (copy mode, or the PROXY header). */
        ByteBuf pending;
        /** The pipe of a splice in progress, and the bytes still in it. */
        FileDescriptor[] pipe;
        int pipeBytes;
        /** Read through splice(2) rather than recv/send. */
        boolean splice;
        /** End of stream read from the source. */
        boolean eof;
        /** The end of stream was passed on (shutdown of the destination's output). */
        boolean shut;

        Pump(boolean fromClient) {
            this.fromClient = fromClient;
        }

        boolean hasPending() {
            return pending != null || pipeBytes > 0;
        }
    }

    /** @return true when the direction stopped only because it used its reads for this wake-up */
    private boolean pump(Pump p) {
        End src = p.fromClient ? client : backend;
        End dst = p.fromClient ? backend : client;
        for (int budget = READS_PER_WAKEUP; ; ) {
            if (done) {
                return false;
            }
            if (p.hasPending() && (!dst.writable || !flush(p, dst))) {
                return false;
            }
            if (p.eof) {
                if (!p.shut) {
                    passEndOfStream(p, dst);
                }
                return false;
            }
            if (!src.readable) {
                return false;
            }
            if (budget-- == 0) {
                return true;
            }
            if (p.splice ? !spliceOnce(p, src) : !copyOnce(p, src, dst)) {
                return false;
            }
        }
    }

    /** Sends what waits for {@code dst}. @return true when nothing waits any more */
    private boolean flush(Pump p, End dst) {
        try {
            if (p.pending != null) {
                ByteBuf b = p.pending;
                b.skipBytes(dst.socket.send(address(b), b.readableBytes()));
                if (b.isReadable()) {
                    dst.awaitWritable();
                    return false;
                }
                b.release();
                p.pending = null;
            } else {
                p.pipeBytes -= Native.splice(p.pipe[0].intValue(), -1, dst.socket.intValue(), -1, p.pipeBytes);
                if (p.pipeBytes > 0) {
                    dst.awaitWritable();
                    return false;
                }
                loop.returnPipe(p.pipe);
                p.pipe = null;
            }
            return true;
        } catch (IOException | RuntimeException e) {
            failed(dst);
            return false;
        }
    }

    /** @return the native address of {@code b}'s readable bytes (pooled buffers are direct) */
    private static long address(ByteBuf b) {
        if (b.hasMemoryAddress()) {
            return b.memoryAddress() + b.readerIndex();
        }
        java.nio.ByteBuffer nio = b.internalNioBuffer(b.readerIndex(), b.readableBytes());
        return java.lang.foreign.MemorySegment.ofBuffer(nio).address();
    }

    /** One recv into the scratch buffer, sent on at once. @return false when the flow failed */
    private boolean copyOnce(Pump p, End src, End dst) {
        int max = dp.readSize;
        int n;
        try {
            n = src.socket.recv(loop.scratchAddress, max);
        } catch (IOException | RuntimeException e) {
            failed(src);
            return false;
        }
        if (n < 0) {
            endOfStream(p, src);
            return true;
        }
        if (n == 0) {
            src.readable = false;
            return true;
        }
        counted(p, n);
        if (n < max) {
            // a short read drained the socket: the next edge says when there is more, and after the
            // peer's FIN (EPOLLRDHUP) nothing can follow, so the end of stream needs no extra recv
            src.readable = false;
            if (src.rdhup) {
                endOfStream(p, src);
            }
        }
        if (dp.zeroCopy && n == max) {
            p.splice = true; // a bulk stream: splice its next reads
        }
        int m;
        try {
            // when the end of stream follows at once, the FIN rides on these bytes
            m = p.eof ? dst.socket.sendMore(loop.scratchAddress, n) : dst.socket.send(loop.scratchAddress, n);
        } catch (IOException | RuntimeException e) {
            failed(dst);
            return false;
        }
        if (m < n) {
            p.pending = ByteBufAllocator.DEFAULT.directBuffer(n - m).writeBytes(loop.scratch, m, n - m);
            dst.awaitWritable();
            dp.notePending(n - m);
        }
        return true;
    }

    /** One splice from the source into the direction's pipe; the loop flushes it. @return false when the flow failed */
    private boolean spliceOnce(Pump p, End src) {
        int n;
        try {
            if (p.pipe == null) {
                p.pipe = loop.takePipe();
            }
            n = Native.splice(src.socket.intValue(), -1, p.pipe[1].intValue(), -1, dp.readSize);
        } catch (IOException | RuntimeException e) {
            failed(src);
            return false;
        }
        if (n == 0) {
            // 0 is both end of stream and EAGAIN here: after EPOLLRDHUP it can only be the end
            loop.returnPipe(p.pipe);
            p.pipe = null;
            if (src.rdhup) {
                endOfStream(p, src);
            } else {
                src.readable = false;
            }
            return true;
        }
        counted(p, n);
        dp.splicedBytes.add(n);
        p.pipeBytes = n;
        dp.notePending(n);
        if (n < SPLICE_MIN) {
            p.splice = false;
        }
        return true;
    }

    private void counted(Pump p, int n) {
        Connection c = conn;
        if (p.fromClient) {
            c.countIn(1, n);
        } else {
            c.countOut(1, n);
        }
        c.touch();
    }

    private void endOfStream(Pump p, End src) {
        p.eof = true;
        src.readable = false;
        if (p.fromClient) {
            conn.clientClosed();
        } else {
            conn.serverClosed();
        }
    }

    /** Everything before the end of stream is out: shut {@code dst}'s output, or close both when the other way ended too. */
    private void passEndOfStream(Pump p, End dst) {
        Pump other = p == up ? down : up;
        if (other.eof && !other.hasPending()) {
            finish(false); // both ways done: closing sends the last FINs (nothing is left unread)
            return;
        }
        try {
            dst.socket.shutdownOutput();
        } catch (IOException | RuntimeException e) {
            failed(dst);
            return;
        }
        p.shut = true;
    }

    // ------------------------------------------------------------------ the end

    /** Ends the flow: both sockets closed (reset when {@code abort}); the connection told so. */
    private void finish(boolean abort) {
        if (done) {
            return;
        }
        done = true;
        release(up);
        release(down);
        Connection c = conn;
        if (c != null) {
            c.close();
            if (dp.tcpFlows.remove(this)) {
                loop.flowEnded();
            }
        }
        client.close(abort);
        if (backend != null) {
            backend.close(abort);
        }
    }

    private void release(Pump p) {
        if (p.pending != null) {
            p.pending.release();
            p.pending = null;
        }
        if (p.pipe != null) {
            if (p.pipeBytes == 0) {
                loop.returnPipe(p.pipe);
            } else {
                EpollLoop.closePipe(p.pipe);
            }
            p.pipe = null;
            p.pipeBytes = 0;
        }
    }

    // ------------------------------------------------------------------ control thread

    @Override
    public void sweep(boolean expireNodestConn) {
        Connection c = conn;
        if (c == null) {
            return;
        }
        boolean nodest = expireNodestConn && !c.realServer().isAvailable();
        if (c.isExpired() || nodest || connectTimedOut()) {
            onLoop(() -> {
                if (conn != c || done) {
                    return;
                }
                if (connectTimedOut()) {
                    connectFailed();
                    return;
                }
                if (nodest) {
                    dp.expire(c);
                }
                finish(true);
            });
        }
    }

    private boolean connectTimedOut() {
        return connecting && System.nanoTime() - connectStartedNanos > TimeUnit.MILLISECONDS.toNanos(dp.connectTimeoutMillis);
    }

    @Override
    public void abort() {
        onLoop(() -> {
            Connection c = conn;
            finish(true);
            if (c != null) {
                dp.expire(c);
            }
        });
    }

    private void onLoop(Runnable r) {
        try {
            loop.loop.execute(r);
        } catch (RejectedExecutionException shuttingDown) {
            // the loop closes every registration itself (End.close)
        }
    }

    // ------------------------------------------------------------------ sockets

    /** One socket of the flow, registered with the event loop. */
    private final class End implements EpollIoHandle {
        final FlowSocket socket;
        final boolean isClient;
        IoRegistration registration;
        /** Hints from edge-triggered events, cleared when a call finds the socket drained or full. */
        boolean readable;
        boolean writable;
        /** The peer's FIN has arrived: a read that finds nothing means end of stream. */
        boolean rdhup;
        /** Registered for {@code EPOLLOUT} too ({@link #READS_AND_WRITES}). */
        boolean writeInterest;
        /** Events in a row that reported {@code EPOLLOUT} while no write waited. */
        int idleWriteEvents;

        End(FlowSocket socket, boolean isClient) {
            this.socket = socket;
            this.isClient = isClient;
        }

        void register() throws Exception {
            Future<IoRegistration> f = loop.loop.register(this); // on the loop: done at once
            if (!f.isSuccess()) {
                throw new IOException("cannot register with the event loop", f.cause());
            }
            registration = f.getNow();
            registration.submit(writeInterest ? READS_AND_WRITES : READS);
        }

        /**
         * A write found the socket full: the rest waits for {@code EPOLLOUT}, which the socket is
         * registered for from now on (an {@code EPOLL_CTL_MOD} reports the socket at once if it
         * has become writable meanwhile, so no edge is lost).
         */
        void awaitWritable() {
            writable = false;
            idleWriteEvents = 0;
            if (!writeInterest) {
                writeInterest = true;
                if (registration != null) { // else register() will ask for it
                    registration.submit(READS_AND_WRITES);
                }
            }
        }

        /**
         * An event reported {@code EPOLLOUT}, before it set the hints. Once a socket reports it
         * {@link #IDLE_WRITE_EVENTS} times in a row with no write waiting, the interest is dropped:
         * the connection proved itself through {@code EPOLLOUT}, or a burst is over.
         */
        void writeEvent() {
            if (!writable) {
                idleWriteEvents = 0;
            } else if (writeInterest && ++idleWriteEvents >= IDLE_WRITE_EVENTS) {
                writeInterest = false;
                idleWriteEvents = 0;
                registration.submit(READS);
            }
        }

        @Override
        public FileDescriptor fd() {
            return socket;
        }

        @Override
        public void handle(IoRegistration r, IoEvent event) {
            try {
                onEvent(this, ((EpollIoEvent) event).ops().value());
            } catch (RuntimeException e) {
                // nothing may escape into the event loop: Netty would drop the rest of this batch
                // of (edge-triggered) events and pause the loop for a second
                LOG.log(System.Logger.Level.WARNING, "TCP flow from " + clientAddress + " failed; reset", e);
                Connection c = conn;
                if (c != null) {
                    c.reset(isClient);
                }
                finish(true);
            }
        }

        /** Closes the socket (with a reset when {@code reset}), then drops the registration. */
        void close(boolean reset) {
            if (socket.isOpen()) {
                if (reset) {
                    try {
                        socket.lingerZero();
                    } catch (IOException | RuntimeException ignored) {
                        // closing anyway
                    }
                }
                try {
                    socket.close();
                } catch (IOException | RuntimeException ignored) {
                    // nothing more to do
                }
            }
            if (registration != null) {
                registration.cancel(); // the descriptor is closed: no EPOLL_CTL_DEL needed
            }
        }

        /** The event loop is shutting down and closes its registrations. */
        @Override
        public void close() {
            if (!done) {
                finish(true);
            }
        }
    }
}
