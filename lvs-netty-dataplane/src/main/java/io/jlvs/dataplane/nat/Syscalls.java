package io.jlvs.dataplane.nat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;

/**
 * The socket system calls of the native TCP relay, made through FFM downcalls. Netty's socket
 * class offers most of them, but its constructor asks the kernel for the socket's address family
 * ({@code getsockname}) on every socket, two calls per proxied connection that the relay does not
 * need, and its {@code send} has no flags argument ({@code MSG_MORE}, see {@link FlowSocket#sendMore}).
 *
 * <p>One instance per event loop: the errno capture and the scratch for socket addresses and
 * options are reused without locking, so only that loop's thread may use it. Pointers to the
 * bytes being moved are passed as plain 64-bit integers (the x86-64/AArch64 C ABI passes both in
 * the same registers), so a call allocates nothing.
 *
 * <p>Calls return what the kernel returned, or {@code -errno} on failure ({@code EINTR} retried).
 */
@SuppressWarnings("restricted") // FFM downcalls; the data plane runs with --enable-native-access, as Netty's JNI needs
final class Syscalls {
    // Linux ABI constants
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SO_REUSEADDR = 2;
    static final int SO_ERROR = 4;
    static final int SO_LINGER = 13;
    static final int IPPROTO_TCP = 6;
    static final int TCP_NODELAY = 1;
    static final int SHUT_WR = 1;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int MSG_MORE = 0x8000;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EAFNOSUPPORT = 97;
    static final int EINPROGRESS = 115;

    private static final ValueLayout.OfShort NET_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfInt NET_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private static final MethodHandle SOCKET;
    private static final MethodHandle CONNECT;
    private static final MethodHandle BIND;
    private static final MethodHandle SETSOCKOPT;
    private static final MethodHandle GETSOCKOPT;
    private static final MethodHandle SHUTDOWN;
    private static final MethodHandle RECV;
    private static final MethodHandle SEND;
    private static final MethodHandle STRERROR;
    private static final MethodHandle PRCTL;
    private static final MethodHandle SCHED_SETSCHEDULER;
    private static final MethodHandle SCHED_GETSCHEDULER;
    /** Linux scheduling policies ({@code sched(7)}). */
    static final int SCHED_OTHER = 0;
    static final int SCHED_BATCH = 3;
    /** A {@code struct sched_param} with priority 0, the only one SCHED_OTHER and SCHED_BATCH take. */
    private static final MemorySegment PRIORITY_ZERO;
    private static final int PR_SET_TIMERSLACK = 29;
    private static final int PR_GET_TIMERSLACK = 30;
    private static final VarHandle ERRNO;
    private static final StructLayout CALL_STATE;
    /** Why the downcalls could not be linked (native access denied), or {@code null}. */
    private static final Throwable UNAVAILABILITY;

    static {
        MethodHandle socket = null, connect = null, bind = null, setsockopt = null, getsockopt = null;
        MethodHandle shutdown = null, recv = null, send = null, strerror = null, prctl = null;
        MethodHandle setScheduler = null, getScheduler = null;
        MemorySegment priorityZero = null;
        VarHandle errno = null;
        StructLayout callState = null;
        Throwable cause = null;
        try {
            Linker linker = Linker.nativeLinker();
            callState = Linker.Option.captureStateLayout();
            Linker.Option errnoOption = Linker.Option.captureCallState("errno");
            ValueLayout i = ValueLayout.JAVA_INT;
            ValueLayout l = ValueLayout.JAVA_LONG;
            ValueLayout a = ValueLayout.ADDRESS;
            socket = link(linker, "socket", FunctionDescriptor.of(i, i, i, i), errnoOption);
            connect = link(linker, "connect", FunctionDescriptor.of(i, i, a, i), errnoOption);
            bind = link(linker, "bind", FunctionDescriptor.of(i, i, a, i), errnoOption);
            setsockopt = link(linker, "setsockopt", FunctionDescriptor.of(i, i, i, i, a, i), errnoOption);
            getsockopt = link(linker, "getsockopt", FunctionDescriptor.of(i, i, i, i, a, a), errnoOption);
            shutdown = link(linker, "shutdown", FunctionDescriptor.of(i, i, i), errnoOption);
            recv = link(linker, "recv", FunctionDescriptor.of(l, i, l, l, i), errnoOption);
            send = link(linker, "send", FunctionDescriptor.of(l, i, l, l, i), errnoOption);
            strerror = linker.downcallHandle(linker.defaultLookup().find("strerror").orElseThrow(),
                    FunctionDescriptor.of(a, i));
            prctl = linker.downcallHandle(linker.defaultLookup().find("prctl").orElseThrow(),
                    FunctionDescriptor.of(i, i, l), Linker.Option.firstVariadicArg(1));
            setScheduler = link(linker, "sched_setscheduler", FunctionDescriptor.of(i, i, i, a), errnoOption);
            getScheduler = linker.downcallHandle(linker.defaultLookup().find("sched_getscheduler").orElseThrow(),
                    FunctionDescriptor.of(i, i));
            priorityZero = Arena.global().allocate(ValueLayout.JAVA_INT); // zeroed
            errno = callState.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        } catch (RuntimeException | LinkageError e) {
            cause = e; // native access denied (--illegal-native-access=deny) or not Linux
        }
        SOCKET = socket;
        CONNECT = connect;
        BIND = bind;
        SETSOCKOPT = setsockopt;
        GETSOCKOPT = getsockopt;
        SHUTDOWN = shutdown;
        RECV = recv;
        SEND = send;
        STRERROR = strerror;
        PRCTL = prctl;
        SCHED_SETSCHEDULER = setScheduler;
        SCHED_GETSCHEDULER = getScheduler;
        PRIORITY_ZERO = priorityZero;
        ERRNO = errno;
        CALL_STATE = callState;
        UNAVAILABILITY = cause;
    }

    private static MethodHandle link(Linker linker, String name, FunctionDescriptor fd, Linker.Option option) {
        return linker.downcallHandle(linker.defaultLookup().find(name).orElseThrow(
                () -> new UnsatisfiedLinkError("no " + name + " in the C library")), fd, option);
    }

    /** @return why the relay's system calls are unavailable, or {@code null} when they are usable */
    static Throwable unavailabilityCause() {
        return UNAVAILABILITY;
    }

    /**
     * Sets the calling thread's timer slack ({@code prctl(PR_SET_TIMERSLACK)}): how much later than
     * asked the kernel may end its timed sleeps (default 50 µs).
     *
     * @return false when the kernel refused or the FFM calls are unavailable (the default slack stays)
     */
    static boolean setTimerSlack(long nanos) {
        if (PRCTL == null) {
            return false;
        }
        try {
            return (int) PRCTL.invokeExact(PR_SET_TIMERSLACK, nanos) == 0;
        } catch (Throwable e) {
            throw new IllegalStateException("prctl(PR_SET_TIMERSLACK) failed", e);
        }
    }

    /**
     * Sets the calling thread's scheduling policy ({@code sched_setscheduler(0, policy, {0})}):
     * {@link #SCHED_OTHER} or {@link #SCHED_BATCH}, which an unprivileged thread may switch between.
     *
     * @return 0, or the {@code errno} of the refusal ({@code -1} when the FFM calls are unavailable)
     */
    static int setSchedulingPolicy(int policy) {
        if (SCHED_SETSCHEDULER == null) {
            return -1;
        }
        try (Arena arena = Arena.ofConfined()) { // once per loop thread: the allocation does not matter
            MemorySegment state = arena.allocate(CALL_STATE);
            int r = (int) SCHED_SETSCHEDULER.invokeExact(state, 0, policy, PRIORITY_ZERO);
            return r == 0 ? 0 : (int) ERRNO.get(state, 0L);
        } catch (Throwable e) {
            throw new IllegalStateException("sched_setscheduler failed", e);
        }
    }

    /** @return the calling thread's scheduling policy ({@code sched_getscheduler(0)}) */
    static int schedulingPolicy() {
        try {
            return (int) SCHED_GETSCHEDULER.invokeExact(0);
        } catch (Throwable e) {
            throw new IllegalStateException("sched_getscheduler failed", e);
        }
    }

    /** @return the calling thread's timer slack in nanoseconds ({@code prctl(PR_GET_TIMERSLACK)}) */
    static long timerSlack() {
        try {
            return (int) PRCTL.invokeExact(PR_GET_TIMERSLACK, 0L);
        } catch (Throwable e) {
            throw new IllegalStateException("prctl(PR_GET_TIMERSLACK) failed", e);
        }
    }

    private final MemorySegment callState;
    /** sockaddr_in/sockaddr_in6, struct linger, an int option and its length. */
    private final MemorySegment scratch;
    /** The option length {@code getsockopt} reads and writes: the scratch at offset 8. */
    private final MemorySegment optionLength;

    Syscalls() {
        if (UNAVAILABILITY != null) {
            throw new IllegalStateException("FFM system calls unavailable", UNAVAILABILITY);
        }
        Arena arena = Arena.ofAuto();
        this.callState = arena.allocate(CALL_STATE);
        this.scratch = arena.allocate(64, 8);
        this.optionLength = scratch.asSlice(8, 4);
    }

    private int errno() {
        return (int) ERRNO.get(callState, 0L);
    }

    /** @return a new non-blocking, close-on-exec TCP socket's descriptor, or -errno */
    int socket(boolean ipv6) {
        try {
            for (;;) {
                int fd = (int) SOCKET.invokeExact(callState, ipv6 ? AF_INET6 : AF_INET,
                        SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
                if (fd >= 0 || errno() != EINTR) {
                    return fd >= 0 ? fd : -errno();
                }
            }
        } catch (Throwable t) {
            throw downcallFailed("socket", t);
        }
    }

    /** @return 0 when connected at once, {@code -EINPROGRESS} while the handshake runs, or another -errno */
    int connect(int fd, boolean ipv6Socket, InetSocketAddress to) {
        int length = sockaddr(ipv6Socket, to);
        if (length < 0) {
            return length;
        }
        try {
            int rc = (int) CONNECT.invokeExact(callState, fd, scratch, length);
            return rc == 0 ? 0 : -errno(); // EINTR: the connect goes on in the background, as EINPROGRESS
        } catch (Throwable t) {
            throw downcallFailed("connect", t);
        }
    }

    /** @return 0 or -errno */
    int bind(int fd, boolean ipv6Socket, InetSocketAddress at) {
        int length = sockaddr(ipv6Socket, at);
        if (length < 0) {
            return length;
        }
        try {
            int rc = (int) BIND.invokeExact(callState, fd, scratch, length);
            return rc == 0 ? 0 : -errno();
        } catch (Throwable t) {
            throw downcallFailed("bind", t);
        }
    }

    /** @return 0 or -errno */
    int setInt(int fd, int level, int option, int value) {
        scratch.set(ValueLayout.JAVA_INT, 0, value);
        return setsockopt(fd, level, option, 4);
    }

    /** {@code SO_LINGER} on with a zero timeout: {@code close} then resets the connection. @return 0 or -errno */
    int lingerZero(int fd) {
        scratch.set(ValueLayout.JAVA_INT, 0, 1);
        scratch.set(ValueLayout.JAVA_INT, 4, 0);
        return setsockopt(fd, SOL_SOCKET, SO_LINGER, 8);
    }

    private int setsockopt(int fd, int level, int option, int length) {
        try {
            int rc = (int) SETSOCKOPT.invokeExact(callState, fd, level, option, scratch, length);
            return rc == 0 ? 0 : -errno();
        } catch (Throwable t) {
            throw downcallFailed("setsockopt", t);
        }
    }

    /** @return the socket's pending error ({@code SO_ERROR}, 0 for none; read and cleared), or -errno */
    int pendingError(int fd) {
        scratch.set(ValueLayout.JAVA_INT, 0, 0);
        scratch.set(ValueLayout.JAVA_INT, 8, 4);
        try {
            int rc = (int) GETSOCKOPT.invokeExact(callState, fd, SOL_SOCKET, SO_ERROR, scratch, optionLength);
            return rc == 0 ? scratch.get(ValueLayout.JAVA_INT, 0) : -errno();
        } catch (Throwable t) {
            throw downcallFailed("getsockopt", t);
        }
    }

    /** @return 0 or -errno */
    int shutdownOutput(int fd) {
        try {
            int rc = (int) SHUTDOWN.invokeExact(callState, fd, SHUT_WR);
            return rc == 0 ? 0 : -errno();
        } catch (Throwable t) {
            throw downcallFailed("shutdown", t);
        }
    }

    /** @return the bytes received (0 at end of stream), or -errno ({@code -EAGAIN}: nothing there) */
    long recv(int fd, long address, int length) {
        try {
            for (;;) {
                long n = (long) RECV.invokeExact(callState, fd, address, (long) length, 0);
                if (n >= 0 || errno() != EINTR) {
                    return n >= 0 ? n : -errno();
                }
            }
        } catch (Throwable t) {
            throw downcallFailed("recv", t);
        }
    }

    /** @return the bytes taken, or -errno ({@code -EAGAIN}: the socket buffer is full) */
    long send(int fd, long address, int length, int flags) {
        try {
            for (;;) {
                long n = (long) SEND.invokeExact(callState, fd, address, (long) length, flags | MSG_NOSIGNAL);
                if (n >= 0 || errno() != EINTR) {
                    return n >= 0 ? n : -errno();
                }
            }
        } catch (Throwable t) {
            throw downcallFailed("send", t);
        }
    }

    /**
     * Writes {@code address} as a sockaddr for a socket of the given family into the scratch (an
     * IPv4 address on an IPv6 socket as v4-mapped, as the kernel expects). @return its length, or -errno
     */
    private int sockaddr(boolean ipv6Socket, InetSocketAddress address) {
        if (address.isUnresolved()) {
            return -EAFNOSUPPORT;
        }
        MemorySegment s = scratch;
        s.fill((byte) 0);
        short port = (short) address.getPort();
        if (address.getAddress() instanceof Inet4Address v4) {
            int ip = v4.hashCode(); // the address as an int, without copying its bytes
            if (!ipv6Socket) {
                s.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET);
                s.set(NET_SHORT, 2, port);
                s.set(NET_INT, 4, ip);
                return 16;
            }
            s.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET6);
            s.set(NET_SHORT, 2, port);
            s.set(ValueLayout.JAVA_SHORT_UNALIGNED, 18, (short) 0xFFFF); // ::ffff:a.b.c.d
            s.set(NET_INT, 20, ip);
            return 28;
        }
        if (!ipv6Socket) {
            return -EAFNOSUPPORT; // an IPv6 address for an IPv4 socket
        }
        java.net.Inet6Address v6 = (java.net.Inet6Address) address.getAddress();
        s.set(ValueLayout.JAVA_SHORT, 0, (short) AF_INET6);
        s.set(NET_SHORT, 2, port);
        MemorySegment.copy(v6.getAddress(), 0, s, ValueLayout.JAVA_BYTE, 8, 16);
        s.set(ValueLayout.JAVA_INT_UNALIGNED, 24, v6.getScopeId());
        return 28;
    }

    /** @return the C library's text for {@code errno} (error paths only) */
    static String describe(int errno) {
        try {
            MemorySegment text = (MemorySegment) STRERROR.invokeExact(errno);
            return text.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** @return an IOException for a failed call, worded like Netty's: "{@code call(..) failed: text}" */
    static IOException error(String call, int errno) {
        return new IOException(call + "(..) failed: " + describe(errno));
    }

    private static IllegalStateException downcallFailed(String call, Throwable t) {
        return new IllegalStateException(call + "(2) through FFM failed", t);
    }
}
