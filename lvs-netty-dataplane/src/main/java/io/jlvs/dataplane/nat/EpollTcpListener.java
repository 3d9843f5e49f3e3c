package io.jlvs.dataplane.nat;

import io.jlvs.core.ServiceKey;
import io.netty.channel.IoEvent;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.epoll.LinuxSocket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.NativeInetAddress;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A TCP service's listening socket on one epoll event loop. Every event loop of the data plane has
 * its own, bound to the same address with {@code SO_REUSEPORT}: the kernel spreads new connections
 * over the loops, and a flow lives on the loop that accepted it unless that loop is much busier
 * than another ({@link NatDataplane#loopFor}). Level-triggered, so an accept burst can stop after a
 * bounded number of connections.
 *
 * <p><b>Established flows first.</b> When {@code epoll_wait} reports the listener, the loop does not
 * accept at once: it queues a task, which Netty runs after the rest of that batch of events. Setting
 * a flow up (scheduling, {@code accept}, {@code socket}, {@code connect}, two registrations) costs
 * many times what relaying a response does; accepting in the order epoll reported the listener put
 * a burst of set-ups in front of the responses that were ready in the same batch. Deferred, one
 * thread's paced new connections (1 ms think time) went from a p99 16 % over HAProxy's to 4 % under,
 * and two threads' saturated new connections from 1.095× HAProxy to 1.159× ({@code
 * benchmarks/RESULTS.md}, tenth session). {@code AcceptOrderTest} holds the order.
 */
final class EpollTcpListener implements EpollIoHandle {
    private static final System.Logger LOG = System.getLogger(EpollTcpListener.class.getName());
    /** Connections accepted per turn before the loop serves its flows again. */
    private static final int ACCEPTS_PER_TURN = 64;
    /** How long accepting pauses after an error such as running out of descriptors. */
    private static final long ERROR_PAUSE_MILLIS = 50;

    private final NatDataplane dp;
    private final EpollLoop loop;
    private final ServiceKey key;
    private final InetSocketAddress vip;
    private final LinuxSocket socket;
    /** The listener's (and so its connections') address family. */
    private final boolean ipv6;
    /** Netty's native address encoding: length, address bytes, scope, port. */
    private final byte[] address = new byte[26];
    private IoRegistration registration;
    private long lastErrorLog;
    /** {@link #acceptTurn} is in the loop's task queue. */
    private boolean acceptQueued;
    private final Runnable acceptTurn = this::acceptTurn;

    private EpollTcpListener(NatDataplane dp, EpollLoop loop, ServiceKey key, InetSocketAddress vip, LinuxSocket socket,
            boolean ipv6) {
        this.dp = dp;
        this.loop = loop;
        this.key = key;
        this.vip = vip;
        this.socket = socket;
        this.ipv6 = ipv6;
    }

    /** Binds and registers a listener on {@code loop}. Control thread. */
    static EpollTcpListener open(NatDataplane dp, EpollLoop loop, ServiceKey key, InetSocketAddress vip,
            InetSocketAddress at, int backlog) throws IOException, InterruptedException {
        boolean ipv6 = !(at.getAddress() instanceof Inet4Address);
        LinuxSocket s = LinuxSocket.newSocketStream(ipv6 ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET);
        EpollTcpListener l = new EpollTcpListener(dp, loop, key, vip, s, ipv6);
        try {
            s.setReuseAddress(true);
            s.setReusePort(true);
            s.setTcpNoDelay(true); // accepted sockets inherit it: one setsockopt less per connection
            s.bind(at);
            s.listen(backlog);
            loop.loop.submit(() -> {
                l.registration = loop.loop.register(l).getNow();
                l.registration.submit(EpollIoOps.EPOLLIN);
                return null;
            }).get(5, TimeUnit.SECONDS);
        } catch (IOException | ExecutionException | java.util.concurrent.TimeoutException e) {
            s.close();
            throw e instanceof IOException io ? io : new IOException("cannot register the listener of " + key, e);
        }
        return l;
    }

    /** @return the bound address (the port chosen when bound to port 0) */
    InetSocketAddress localAddress() {
        return socket.localAddress();
    }

    @Override
    public FileDescriptor fd() {
        return socket;
    }

    @Override
    public void handle(IoRegistration r, IoEvent event) {
        if (!acceptQueued) {
            // after this batch's other events (see the class comment); on the loop's own thread,
            // execute neither wakes the loop nor allocates
            acceptQueued = true;
            try {
                loop.loop.execute(acceptTurn);
            } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                // the loop is closing, and this listener with it: nothing may escape into its batch
            }
        }
    }

    /** Accepts up to {@link #ACCEPTS_PER_TURN} connections; the rest wait for the next report. */
    private void acceptTurn() {
        acceptQueued = false;
        if (!socket.isOpen()) {
            return; // unbound after the turn was queued
        }
        for (int i = 0; i < ACCEPTS_PER_TURN; i++) {
            int fd;
            try {
                fd = socket.accept(address);
            } catch (IOException | RuntimeException e) {
                acceptFailed(e);
                return;
            }
            if (fd < 0) {
                return; // EAGAIN: the backlog is empty
            }
            InetSocketAddress from = NativeInetAddress.address(address, 1, address[0]);
            EpollLoop target = dp.loopFor(loop);
            if (target != loop) {
                handOver(target, fd, from);
            } else if (!EpollTcpFlow.accepted(dp, loop, key, vip, FlowSocket.accepted(fd, ipv6, loop.sys), from)) {
                return; // logged by the flow; the next connections wait for the next turn
            }
        }
    }

    /** Moves a new connection to a less loaded loop: the socket is wrapped there, with that loop's system calls. */
    private void handOver(EpollLoop target, int fd, InetSocketAddress from) {
        try {
            target.loop.execute(() -> EpollTcpFlow.accepted(dp, target, key, vip, FlowSocket.accepted(fd, ipv6, target.sys), from));
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            try {
                new FileDescriptor(fd).close();
            } catch (IOException ignored) {
                // the data plane is closing anyway
            }
        }
    }

    /**
     * accept(2) failed (EMFILE, ENFILE, ENOBUFS...): the connection stays in the backlog, so a
     * level-triggered listener would spin. Stop listening for a moment and log at most once a second.
     */
    private void acceptFailed(Exception e) {
        long now = System.nanoTime();
        if (now - lastErrorLog > TimeUnit.SECONDS.toNanos(1)) {
            lastErrorLog = now;
            LOG.log(System.Logger.Level.WARNING, "accept on " + key + " failed: " + e.getMessage()
                    + " (pausing " + ERROR_PAUSE_MILLIS + " ms)");
        }
        registration.submit(EpollIoOps.EPOLLET);
        loop.loop.schedule(() -> {
            if (registration.isValid()) {
                registration.submit(EpollIoOps.EPOLLIN);
            }
        }, ERROR_PAUSE_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Stops listening (connections waiting in this socket's backlog are reset). Control thread. */
    void unbind() {
        try {
            loop.loop.submit(this::close).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            close();
        }
    }

    @Override
    public void close() {
        if (socket.isOpen()) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing more to do
            }
        }
        if (registration != null) {
            registration.cancel();
        }
    }
}
