package io.jlvs.dataplane.nat;

import io.netty.channel.Channel;
import io.netty.channel.unix.UnixChannel;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * {@code ioctl(fd, FIONREAD)} through the FFM API: how many bytes wait in a socket's receive
 * queue. The splice relay splices exactly that many, so every splice completes and its bytes can
 * be counted exactly (Netty's {@code spliceTo} reports only completion of a requested length).
 */
final class Fionread {
    private static final long FIONREAD = 0x541B; // Linux (x86, arm, most arches)
    private static final MethodHandle IOCTL;
    private static final ThreadLocal<MemorySegment> OUT = ThreadLocal.withInitial(
            () -> Arena.global().allocate(ValueLayout.JAVA_INT));

    static {
        MethodHandle h = null;
        try {
            Linker linker = Linker.nativeLinker();
            h = linker.downcallHandle(linker.defaultLookup().find("ioctl").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                            ValueLayout.ADDRESS),
                    Linker.Option.firstVariadicArg(2));
        } catch (RuntimeException | Error e) {
            h = null;
        }
        IOCTL = h;
    }

    private Fionread() {
    }

    /** @return true when the ioctl could be linked */
    static boolean available() {
        return IOCTL != null;
    }

    /** @return bytes readable now on the channel's socket, or -1 if unknown */
    static int readable(Channel ch) {
        if (IOCTL == null || !(ch instanceof UnixChannel u)) {
            return -1;
        }
        MemorySegment out = OUT.get();
        try {
            int rc = (int) IOCTL.invokeExact(u.fd().intValue(), FIONREAD, out);
            return rc == 0 ? out.get(ValueLayout.JAVA_INT, 0) : -1;
        } catch (Throwable t) {
            return -1;
        }
    }
}
