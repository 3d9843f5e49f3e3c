package io.jlvs.dataplane.nat;

import io.netty.channel.unix.FileDescriptor;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;

/**
 * A TCP socket of the native relay ({@link EpollTcpFlow}): Netty's {@link FileDescriptor}, so that
 * it registers with Netty's epoll loop and closes through Netty, with its socket calls made through
 * the event loop's {@link Syscalls}. Results follow Netty's socket API (a receive returns -1 at end
 * of stream and 0 when nothing is there; a send returns 0 when the buffer is full), so the relay
 * reads the same way on either; failures are {@link IOException}s naming the call and the error.
 * Event-loop thread only.
 */
final class FlowSocket extends FileDescriptor {
    private final Syscalls sys;
    private final boolean ipv6;

    private FlowSocket(int fd, boolean ipv6, Syscalls sys) {
        super(fd);
        this.sys = sys;
        this.ipv6 = ipv6;
    }

    /** Wraps a descriptor from {@code accept} on a listener of the given family. */
    static FlowSocket accepted(int fd, boolean ipv6, Syscalls sys) {
        return new FlowSocket(fd, ipv6, sys);
    }

    /** Opens a non-blocking TCP socket of the family of {@code to}'s address. */
    static FlowSocket openFor(InetSocketAddress to, Syscalls sys) throws IOException {
        boolean ipv6 = !(to.getAddress() instanceof Inet4Address);
        int fd = sys.socket(ipv6);
        if (fd < 0) {
            throw Syscalls.error("socket", -fd);
        }
        return new FlowSocket(fd, ipv6, sys);
    }

    /** @return true when connected at once, false while the handshake goes on (EPOLLOUT tells) */
    boolean connect(InetSocketAddress to) throws IOException {
        int rc = sys.connect(intValue(), ipv6, to);
        if (rc == 0) {
            return true;
        }
        if (rc == -Syscalls.EINPROGRESS || rc == -Syscalls.EINTR) {
            return false;
        }
        throw Syscalls.error("connect", -rc);
    }

    void bind(InetSocketAddress at) throws IOException {
        check("bind", sys.bind(intValue(), ipv6, at));
    }

    void setIntOpt(int level, int option, int value) throws IOException {
        check("setsockopt", sys.setInt(intValue(), level, option, value));
    }

    void setTcpNoDelay() throws IOException {
        setIntOpt(Syscalls.IPPROTO_TCP, Syscalls.TCP_NODELAY, 1);
    }

    void setReuseAddress() throws IOException {
        setIntOpt(Syscalls.SOL_SOCKET, Syscalls.SO_REUSEADDR, 1);
    }

    /** {@code close} will reset the connection instead of ending it with a FIN. */
    void lingerZero() throws IOException {
        check("setsockopt", sys.lingerZero(intValue()));
    }

    /** @return the pending socket error (0 for none), read and cleared */
    int pendingError() throws IOException {
        int rc = sys.pendingError(intValue());
        if (rc < 0) {
            throw Syscalls.error("getsockopt", -rc);
        }
        return rc;
    }

    /** Shuts the output: the peer reads end of stream after the bytes already sent. */
    void shutdownOutput() throws IOException {
        check("shutdown", sys.shutdownOutput(intValue()));
    }

    /** @return bytes received into native memory at {@code address}, -1 at end of stream, 0 when none */
    int recv(long address, int length) throws IOException {
        long n = sys.recv(intValue(), address, length);
        if (n > 0) {
            return (int) n;
        }
        if (n == 0) {
            return -1;
        }
        if (n == -Syscalls.EAGAIN) {
            return 0;
        }
        throw Syscalls.error("recv", (int) -n);
    }

    /** @return bytes taken from native memory at {@code address}, 0 when the socket buffer is full */
    int send(long address, int length) throws IOException {
        return send(address, length, 0);
    }

    /**
     * Sends with {@code MSG_MORE}: the kernel holds the bytes back, so the {@code shutdown} or
     * {@code close} that follows sends them with the FIN in one segment, as HAProxy does (a short
     * response then costs the client side 8 segments instead of 10).
     *
     * @return bytes taken, 0 when the socket buffer is full
     */
    int sendMore(long address, int length) throws IOException {
        return send(address, length, Syscalls.MSG_MORE);
    }

    private int send(long address, int length, int flags) throws IOException {
        long n = sys.send(intValue(), address, length, flags);
        if (n >= 0) {
            return (int) n;
        }
        if (n == -Syscalls.EAGAIN) {
            return 0;
        }
        throw Syscalls.error("send", (int) -n);
    }

    private static void check(String call, int rc) throws IOException {
        if (rc < 0) {
            throw Syscalls.error(call, -rc);
        }
    }
}
