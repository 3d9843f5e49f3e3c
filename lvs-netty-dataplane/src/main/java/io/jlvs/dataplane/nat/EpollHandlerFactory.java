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

import java.util.concurrent.locks.LockSupport;

/**
 * The data plane's epoll handlers: Netty's, with adaptive event coalescing
 * ({@link NatDataplane.Builder#coalesce}, {@link EventCoalescing}) or busy polling
 * ({@link NatDataplane.Builder#busyPoll}), and kept from losing {@code EPOLLOUT} (used by the UDP
 * relay's channels and by every Netty channel on the data plane's event loops; the native TCP
 * relay, {@link EpollTcpFlow}, never submits an empty set).
 *
 * <p>When a channel's interest set becomes empty, {@code EpollIoHandler}'s registration removes the
 * descriptor from the epoll set ({@code EPOLL_CTL_DEL}) but keeps its state "added"; the next
 * interest ({@code EPOLLOUT} when a write finds the socket full) is then sent as
 * {@code EPOLL_CTL_MOD}, which fails with {@code ENOENT}. Netty treats that as a write error and
 * shuts the channel's output, failing every pending write. A channel-based TCP proxy meets it
 * whenever one side has half-closed (its {@code EPOLLIN} is cleared after the EOF) while the other
 * direction still sends more than the socket buffer holds: the client got a premature FIN (found by
 * {@code TransparentNamespaceTest} across veth, when TCP still ran on Netty channels).
 *
 * <p>The fix wraps the epoll handler's registrations: an empty set is submitted as {@code EPOLLET}
 * alone, so the descriptor stays in the epoll set with no read/write interest (what Netty 4.1 always
 * did; only {@code EPOLLERR}/{@code EPOLLHUP}, which epoll reports regardless, can wake it), and
 * later interests are valid {@code EPOLL_CTL_MOD}s.
 */
final class EpollHandlerFactory implements IoHandlerFactory {
    private final IoHandlerFactory delegate = EpollIoHandler.newFactory();
    /** Timer slack of a coalescing loop's thread: a nap of 10 µs must not last the default 50 µs more. */
    private static final long NAP_TIMER_SLACK_NANOS = 1_000;
    private final long busyPollNanos;
    private final long coalesceNanos;
    private final EventCoalescing.Gate coalesceGate;
    private final boolean batchScheduling;
    private static final System.Logger LOG = System.getLogger(EpollHandlerFactory.class.getName());

    /**
     * @param busyPollNanos how long a loop polls without blocking after its last event (0: not at all)
     * @param coalesceNanos how long a loop naps before blocking while events are dense (0: never);
     *     busy polling, when on, takes its place
     * @param coalesceGate what a loop's traffic must look like before it naps
     * @param batchScheduling whether the loop threads run as {@code SCHED_BATCH}
     *     ({@link NatDataplane.Builder#batchScheduling})
     */
    EpollHandlerFactory(long busyPollNanos, long coalesceNanos, EventCoalescing.Gate coalesceGate, boolean batchScheduling) {
        this.busyPollNanos = busyPollNanos;
        this.coalesceNanos = busyPollNanos > 0 ? 0 : coalesceNanos;
        this.coalesceGate = coalesceGate;
        this.batchScheduling = batchScheduling;
    }

    @Override
    public IoHandler newHandler(ThreadAwareExecutor executor) {
        IoHandler h = delegate.newHandler(executor);
        EventCoalescing coalescing = coalesceNanos > 0 ? new EventCoalescing(coalesceNanos, coalesceGate, System.nanoTime()) : null;
        return new IoHandler() {
            @Override
            public void initialize() {
                h.initialize();
                if (batchScheduling) {
                    // on the loop's thread: the policy is per thread. Refused (a seccomp filter), the
                    // loop only runs as SCHED_OTHER, as Netty's do.
                    int errno = Syscalls.setSchedulingPolicy(Syscalls.SCHED_BATCH);
                    if (errno != 0) {
                        LOG.log(System.Logger.Level.WARNING, "event loop " + Thread.currentThread().getName()
                                + " stays SCHED_OTHER: sched_setscheduler(SCHED_BATCH) refused: "
                                + (errno > 0 ? Syscalls.describe(errno) : "no FFM system calls"));
                    }
                }
                if (coalescing != null) {
                    // on the loop's thread: slack is per thread. Refused, naps only last longer.
                    Syscalls.setTimerSlack(NAP_TIMER_SLACK_NANOS);
                    coalescing.attachToCurrentThread(); // EpollLoop keeps its flow count
                }
            }

            @Override
            public int run(IoHandlerContext context) {
                if (coalescing != null) {
                    return runCoalescing(context);
                }
                if (busyPollNanos > 0 && context.canBlock()) {
                    // busy polling: epoll_wait(0) until events come or the window ends; yielding
                    // between polls leaves the CPU to any thread that wants it
                    long deadline = System.nanoTime() + busyPollNanos;
                    do {
                        int handled = h.run(NOW);
                        if (handled > 0) {
                            return handled;
                        }
                        Thread.yield();
                    } while (context.canBlock() && System.nanoTime() - deadline < 0);
                }
                return h.run(context);
            }

            private int runCoalescing(IoHandlerContext context) {
                if (context.canBlock() && coalescing.napBeforeBlocking()) {
                    int handled = h.run(NOW); // what is ready is handled without delay
                    if (handled == 0 && context.canBlock()) {
                        // out of events while they are dense: nap on a timer, not in epoll_wait, so
                        // the senders do not wake the loop; tasks handed over meanwhile wait for the
                        // nap too
                        LockSupport.parkNanos(coalescing.napNanos());
                        if (context.canBlock()) {
                            handled = h.run(NOW);
                            coalescing.napped(handled > 0);
                        }
                    }
                    if (handled > 0 || !context.canBlock()) {
                        coalescing.handled(handled, System.nanoTime());
                        return handled;
                    }
                }
                int handled = h.run(context); // blocks when there is nothing to do
                coalescing.handled(handled, System.nanoTime());
                return handled;
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
                return new Registration(h.register(handle));
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

    /** Asks the epoll handler for a poll that does not block ({@code epoll_wait} with timeout 0). */
    private static final IoHandlerContext NOW = new IoHandlerContext() {
        @Override
        public boolean canBlock() {
            return false;
        }

        @Override
        public long delayNanos(long currentTimeNanos) {
            return 0;
        }

        @Override
        public long deadlineNanos() {
            return -1;
        }
    };

    @Override
    public boolean isChangingThreadSupported() {
        return delegate.isChangingThreadSupported();
    }

    private record Registration(IoRegistration r) implements IoRegistration {
        @Override
        public <T> T attachment() {
            return r.attachment();
        }

        @Override
        public long submit(IoOps ops) {
            if (ops instanceof EpollIoOps e && e.value() == EpollIoOps.NONE.value()) {
                ops = EpollIoOps.EPOLLET;
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
