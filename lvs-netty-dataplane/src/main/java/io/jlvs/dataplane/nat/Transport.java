package io.jlvs.dataplane.nat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The Netty transport a data plane runs on: native epoll where it is available (Linux), NIO
 * elsewhere. {@link #best()} chooses; {@link #toString()} reports the choice and, for NIO, why
 * epoll was not usable.
 */
public enum Transport {
    /** Linux epoll (native): needed for splice and IP_TRANSPARENT. */
    EPOLL,
    /** Java NIO, portable. */
    NIO;

    /**
     * @return epoll when Netty's native library loads and the relay's FFM system calls link (both
     *     need native access), otherwise NIO
     */
    public static Transport best() {
        return epollUnavailabilityCause() == null ? EPOLL : NIO;
    }

    /** @return why epoll is unavailable, or {@code null} when it is available */
    public static Throwable epollUnavailabilityCause() {
        Throwable cause = Epoll.unavailabilityCause();
        return cause != null ? cause : Syscalls.unavailabilityCause();
    }

    /** @return an event loop group of {@code threads} threads on this transport */
    public EventLoopGroup newEventLoopGroup(int threads) {
        return newEventLoopGroup(threads, 0, 0);
    }

    /**
     * @param busyPollNanos epoll only: how long a loop polls without blocking after its last event
     *     ({@link NatDataplane.Builder#busyPoll}); 0 blocks at once
     * @param coalesceNanos epoll only: how long a loop naps before blocking while events are dense
     *     and connections churn ({@link NatDataplane.Builder#coalesce}); 0 never naps;
     *     ignored when busy polling
     * @return an event loop group of {@code threads} threads on this transport, scheduled as
     *     {@code SCHED_OTHER} (the data plane's own loops may run as {@code SCHED_BATCH},
     *     {@link NatDataplane.Builder#batchScheduling})
     */
    public EventLoopGroup newEventLoopGroup(int threads, long busyPollNanos, long coalesceNanos) {
        return newEventLoopGroup(threads, busyPollNanos, coalesceNanos, EventCoalescing.Gate.DEFAULT, false);
    }

    /**
     * As above, with the traffic a loop needs before it naps (tests nap without a gate) and whether
     * the loop threads run as {@code SCHED_BATCH} ({@link NatDataplane.Builder#batchScheduling}).
     */
    EventLoopGroup newEventLoopGroup(int threads, long busyPollNanos, long coalesceNanos,
                                     EventCoalescing.Gate coalesceGate, boolean batchScheduling) {
        IoHandlerFactory factory = this == EPOLL
                ? new EpollHandlerFactory(busyPollNanos, coalesceNanos, coalesceGate, batchScheduling)
                : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, factory);
    }

    /** @return the server socket channel class of this transport */
    public Class<? extends ServerChannel> serverSocketChannel() {
        return this == EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** @return the client socket channel class of this transport */
    public Class<? extends SocketChannel> socketChannel() {
        return this == EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** @return the datagram channel class of this transport */
    public Class<? extends DatagramChannel> datagramChannel() {
        return this == EPOLL ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }

    @Override
    public String toString() {
        if (this == NIO && epollUnavailabilityCause() != null) {
            return "nio (epoll unavailable: " + epollUnavailabilityCause().getMessage() + ")";
        }
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
