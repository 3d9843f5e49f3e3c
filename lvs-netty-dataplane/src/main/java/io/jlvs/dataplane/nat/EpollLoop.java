package io.jlvs.dataplane.nat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.IoEventLoop;
import io.netty.channel.unix.Buffer;
import io.netty.channel.unix.FileDescriptor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * What the native TCP relay keeps per epoll event loop: one scratch buffer every flow of the loop
 * reads into (bytes leave it in the same call, so one suffices), and a pool of pipes for
 * {@code splice(2)}. A direction takes a pipe only while it splices and gives it back as soon as
 * the pipe is empty, so idle flows hold no pipe and no buffer. Event-loop thread only.
 */
final class EpollLoop {
    /** Pipes kept for reuse; more are closed when given back. */
    private static final int POOLED_PIPES = 32;

    final IoEventLoop loop;
    /** The scratch buffer: native memory the kernel copies received bytes into. */
    final long scratchAddress;
    /** The same memory as a Netty buffer, to copy a partly sent remainder out of. */
    final ByteBuf scratch;
    final int scratchSize;
    /** The relay's socket system calls (this loop's errno capture and address scratch). */
    final Syscalls sys = new Syscalls();
    private final ArrayDeque<FileDescriptor[]> pipes = new ArrayDeque<>();
    /**
     * Open flows on this loop. Written only by the loop's thread (so {@code ++} is safe), read by
     * the other loops' listeners to even out SO_REUSEPORT's hash spread.
     */
    private volatile int flows;
    /** The loop's event coalescing (null when it does not coalesce), told the flow count. */
    private EventCoalescing coalescing;
    private boolean coalescingLooked;

    EpollLoop(IoEventLoop loop, int scratchSize) {
        this.loop = loop;
        this.scratchSize = scratchSize;
        ByteBuffer direct = ByteBuffer.allocateDirect(scratchSize);
        this.scratchAddress = Buffer.memoryAddress(direct);
        this.scratch = Unpooled.wrappedBuffer(direct);
    }

    /** @return an empty pipe: {@code [0]} the read end, {@code [1]} the write end */
    FileDescriptor[] takePipe() throws IOException {
        FileDescriptor[] p = pipes.poll();
        return p != null ? p : FileDescriptor.pipe();
    }

    /** Takes back a pipe that holds no bytes. */
    void returnPipe(FileDescriptor[] p) {
        if (pipes.size() < POOLED_PIPES) {
            pipes.push(p);
        } else {
            closePipe(p);
        }
    }

    static void closePipe(FileDescriptor[] p) {
        for (FileDescriptor fd : p) {
            try {
                fd.close();
            } catch (IOException ignored) {
                // nothing to do about a failed close of a pipe end
            }
        }
    }

    int flows() {
        return flows;
    }

    /** A flow started on this loop. Loop thread only. */
    @SuppressWarnings("NonAtomicOperationOnVolatileField") // single writer
    void flowStarted() {
        flows++;
        EventCoalescing c = coalescing();
        if (c != null) {
            c.flowStarted(flows);
        }
    }

    /** A flow of this loop ended. Loop thread only. */
    @SuppressWarnings("NonAtomicOperationOnVolatileField") // single writer
    void flowEnded() {
        flows--;
        EventCoalescing c = coalescing();
        if (c != null) {
            c.openFlows(flows);
        }
    }

    private EventCoalescing coalescing() {
        if (!coalescingLooked) { // on the loop's thread, which the coalescing is attached to
            coalescing = EventCoalescing.ofCurrentThread();
            coalescingLooked = true;
        }
        return coalescing;
    }

    /** Closes the pooled pipes (the loop is shutting down). */
    void close() {
        for (FileDescriptor[] p; (p = pipes.poll()) != null; ) {
            closePipe(p);
        }
    }
}
