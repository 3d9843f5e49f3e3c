package io.jlvs.dataplane.nat;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * {@code send(2)} with {@code MSG_MORE}, which Netty's socket API does not offer. The relay uses it
 * for the last bytes before an end of stream it already knows of: the kernel holds them back, and
 * the {@code shutdown} or {@code close} that follows sends them with the FIN in one segment, as
 * HAProxy does. A short response then costs the client side 8 segments instead of 10 (no separate
 * FIN, no ACK of the data before it), which is kernel time on both ends of every short connection.
 * One instance per event loop: the errno capture segment is reused and is not thread-safe.
 */
@SuppressWarnings("restricted") // FFM downcalls; the data plane runs with --enable-native-access, as Netty's JNI needs
final class MoreSender {
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int MSG_MORE = 0x8000;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;

    private static final MethodHandle SEND;
    private static final VarHandle ERRNO;
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();

    static {
        MethodHandle send = null;
        VarHandle errno = null;
        try {
            Linker linker = Linker.nativeLinker();
            send = linker.downcallHandle(linker.defaultLookup().find("send").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
                    Linker.Option.captureCallState("errno"));
            errno = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        } catch (RuntimeException | LinkageError e) {
            // native access denied (--illegal-native-access=deny) or no libc send: plain sends, a FIN of its own
            send = null;
        }
        SEND = send;
        ERRNO = errno;
    }

    private final MemorySegment callState;

    MoreSender() {
        this.callState = SEND == null ? null : Arena.ofAuto().allocate(CALL_STATE);
    }

    /** @return whether {@link #sendMore} can be used; otherwise the caller sends as usual */
    boolean available() {
        return callState != null;
    }

    /**
     * Sends {@code length} bytes at native {@code address} on socket {@code fd} with {@code MSG_MORE}.
     *
     * @return the bytes taken (0 when the socket buffer is full), or a negative errno on failure
     */
    int sendMore(int fd, long address, int length) {
        try {
            for (;;) {
                long n = (long) SEND.invokeExact(callState, fd, MemorySegment.ofAddress(address), (long) length,
                        MSG_MORE | MSG_NOSIGNAL);
                if (n >= 0) {
                    return (int) n;
                }
                int errno = (int) ERRNO.get(callState, 0L);
                if (errno == EAGAIN) {
                    return 0;
                }
                if (errno != EINTR) {
                    return -errno;
                }
            }
        } catch (Throwable t) {
            throw new IllegalStateException("send(2) through FFM failed", t);
        }
    }
}
