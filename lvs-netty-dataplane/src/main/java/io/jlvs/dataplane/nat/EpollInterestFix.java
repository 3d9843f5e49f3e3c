package io.jlvs.dataplane.nat;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoOps;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.util.concurrent.ThreadAwareExecutor;

/**
 * Adjusts the epoll interest sets Netty 4.2.18 asks for, for two problems of a relay.
 *
 * <p><b>1. No EPOLLRDHUP: backpressure holds up to the end of the stream.</b> Once epoll reports
 * {@code EPOLLRDHUP} (the peer sent its FIN), Netty's read loop ignores auto-read and the
 * messages-per-read limit and reads the socket's whole receive queue ({@code
 * EpollRecvByteAllocatorHandle.continueReading} is true while {@code receivedRdHup}). A paused
 * side whose peer finishes with a FIN was thus drained at once into the other side's outbound
 * buffer: the receive queue, hundreds of KB to MB, far past the write-buffer high watermark (the
 * slow-reader test saw 430-690 KB with and without splice). Without {@code EPOLLRDHUP} in the
 * interest set the end of stream is found by an ordinary read (0 bytes), which happens only when
 * the relay asks for more, so memory stays within the watermarks. A reset still wakes the channel
 * ({@code EPOLLERR}/{@code EPOLLHUP} are always reported). Not applied with
 * {@link NatDataplane.Builder#zeroCopy}: without {@code EPOLLRDHUP} the splice relay sometimes
 * stalls at the end of a stream (the FIN waits in the backend socket, no read or splice is pending,
 * nothing is waiting for writability; the RDHUP wake-up had been hiding a lost read on Netty's splice
 * path), so zero-copy keeps Netty's RDHUP drain and is not memory-bounded yet.
 *
 * <p><b>2. No empty interest set: EPOLLOUT is never lost.</b> When a channel's interest set becomes empty, {@code EpollIoHandler}'s registration removes the
 * descriptor from the epoll set ({@code EPOLL_CTL_DEL}) but keeps its state "added"; the next
 * interest ({@code EPOLLOUT} when a write finds the socket full) is then sent as
 * {@code EPOLL_CTL_MOD}, which fails with {@code ENOENT}. Netty treats that as a write error and
 * shuts the channel's output, failing every pending write. A proxy meets it whenever one side has
 * half-closed (its {@code EPOLLIN} and {@code EPOLLRDHUP} are cleared after the EOF) while the
 * other direction still sends more than the socket buffer holds: the client gets a premature FIN.
 * On loopback the send buffer rarely fills, across veth it does (found by
 * {@code TransparentNamespaceTest}).
 *
 * <p>Both are done by wrapping the epoll handler's registrations: {@code EPOLLRDHUP} is removed
 * from every submitted interest set, and an empty set is submitted as
 * {@code EPOLLET} alone: the descriptor stays in the epoll set with no read/write interest (what
 * Netty 4.1 always did; only {@code EPOLLERR}/{@code EPOLLHUP}, which epoll reports regardless, can
 * wake it), and later interests are valid {@code EPOLL_CTL_MOD}s.
 */
final class EpollInterestFix implements IoHandlerFactory {
    private final IoHandlerFactory delegate = EpollIoHandler.newFactory();
    private final boolean withoutRdHup;

    EpollInterestFix(boolean withoutRdHup) {
        this.withoutRdHup = withoutRdHup;
    }

    @Override
    public IoHandler newHandler(ThreadAwareExecutor executor) {
        IoHandler h = delegate.newHandler(executor);
        return new IoHandler() {
            @Override
            public void initialize() {
                h.initialize();
            }

            @Override
            public int run(IoHandlerContext context) {
                return h.run(context);
            }

            @Override
            public void prepareToDestroy() {
                h.prepareToDestroy();
            }

            @Override
            public void destroy() {
                h.destroy();
            }

            @Override
            public IoRegistration register(IoHandle handle) throws Exception {
                return new Registration(h.register(handle), withoutRdHup);
            }

            @Override
            public void wakeup() {
                h.wakeup();
            }

            @Override
            public boolean isCompatible(Class<? extends IoHandle> handleType) {
                return h.isCompatible(handleType);
            }
        };
    }

    @Override
    public boolean isChangingThreadSupported() {
        return delegate.isChangingThreadSupported();
    }

    private record Registration(IoRegistration r, boolean withoutRdHup) implements IoRegistration {
        @Override
        public <T> T attachment() {
            return r.attachment();
        }

        @Override
        public long submit(IoOps ops) {
            if (ops instanceof EpollIoOps e) {
                EpollIoOps o = withoutRdHup ? e.without(EpollIoOps.EPOLLRDHUP) : e;
                ops = o.value() == EpollIoOps.NONE.value() ? EpollIoOps.EPOLLET : o;
            }
            return r.submit(ops);
        }

        @Override
        public boolean isValid() {
            return r.isValid();
        }

        @Override
        public boolean cancel() {
            return r.cancel();
        }
    }
}
