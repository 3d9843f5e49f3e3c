package io.jlvs.dataplane.nat;

import io.jlvs.core.Connection;
import io.jlvs.core.Protocol;
import io.jlvs.core.ServiceKey;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * One proxied TCP flow on Netty channels (the NIO relay; epoll uses {@link EpollTcpFlow}): the accepted client channel, the backend channel to the real server, and
 * the director's {@link Connection}. Both channels share the client's event loop, which is the only
 * thread that touches this object's mutable state (the control thread only calls
 * {@link #sweep(boolean)}, which hops onto the event loop).
 */
final class TcpFlow implements RelayFlow {
    private final NatDataplane dp;
    private final ServiceKey key;
    private final InetSocketAddress vip;
    private final Channel client;
    private final Side clientSide = new Side(true);
    private final Side serverSide = new Side(false);
    private InetSocketAddress clientAddress;
    private Channel backend;
    private volatile Connection conn;
    private int attempts;
    private boolean clientEof;
    private boolean serverEof;
    private boolean clientOutputShut;
    private boolean serverOutputShut;
    private boolean done;
    private boolean backendUp;
    /** Client bytes read before the backend connection was up (only after an early RDHUP). */
    private final java.util.ArrayDeque<ByteBuf> early = new java.util.ArrayDeque<>();

    TcpFlow(NatDataplane dp, ServiceKey key, InetSocketAddress vip, Channel client) {
        this.dp = dp;
        this.key = key;
        this.vip = vip;
        this.client = client;
        client.pipeline().addLast("relay", clientSide);
    }

    // ------------------------------------------------------------------ setup

    private void accepted() {
        clientAddress = (InetSocketAddress) client.remoteAddress();
        Optional<Connection> c = dp.director.connect(Protocol.TCP, clientAddress, vip);
        if (c.isEmpty()) {
            // no real server (or a dropped packet): the client sees a reset, as after an ICMP unreachable
            done = true;
            reset(client);
            return;
        }
        conn = c.get();
        dp.tcpFlows.add(this);
        connectBackend();
    }

    private void connectBackend() {
        attempts++;
        Bootstrap b = new Bootstrap()
                .group(client.eventLoop())
                .channel(dp.transport.socketChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, dp.connectTimeoutMillis)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, dp.waterMark)
                .handler(serverSide);
        ChannelFuture f = b.connect(conn.destination());
        backend = f.channel();
        f.addListener((ChannelFutureListener) this::backendConnected);
    }

    private void backendConnected(ChannelFuture f) {
        if (done) {
            f.channel().close();
            return;
        }
        if (!f.isSuccess()) {
            Connection failed = conn;
            Optional<Connection> again = client.isActive()
                    ? dp.rescheduleAfterFailedConnect(failed, attempts, clientAddress, vip) : Optional.empty();
            if (again.isPresent()) {
                conn = again.get();
                connectBackend();
                return;
            }
            // kernel NAT: the client's SYN found a dead real server; the client sees a reset
            failed.reset(false);
            finish(true);
            return;
        }
        backendUp = true;
        conn.established();
        ProxyProtocol pp = dp.proxyProtocol(key, conn.realServer().address());
        if (pp != ProxyProtocol.NONE) {
            backend.pipeline().addFirst("proxy-protocol", HAProxyMessageEncoder.INSTANCE);
            backend.writeAndFlush(pp.header(clientAddress, vip), backend.voidPromise());
        }
        for (ByteBuf b; (b = early.poll()) != null; ) {
            backend.write(b, backend.voidPromise());
        }
        backend.flush();
        if (clientEof) {
            shutdownOutputAfterPending(backend, true);
        } else {
            readMore(true);
        }
        readMore(false);
    }

    // ------------------------------------------------------------------ relay

    /** The handler of one side; {@code isClient} tells which. */
    private final class Side extends ChannelInboundHandlerAdapter {
        private final boolean isClient;
        /** This side stopped reading because the other side's outbound buffer is over the high watermark. */
        private boolean waiting;

        Side(boolean isClient) {
            this.isClient = isClient;
        }

        @Override
        public boolean isSharable() {
            return true; // the server side is added again to the channel of a retried connection
        }

        private Channel peer() {
            return isClient ? backend : client;
        }

        private Side peerSide() {
            return isClient ? serverSide : clientSide;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (isClient) {
                accepted();
            }
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf buf = (ByteBuf) msg;
            if (done || (!isClient && ctx.channel() != backend)) {
                buf.release();
                return;
            }
            int n = buf.readableBytes();
            Connection c = conn;
            if (isClient) {
                c.countIn(1, n);
            } else {
                c.countOut(1, n);
            }
            c.touch();
            if (isClient && !backendUp) {
                early.add(buf); // an early RDHUP made the channel read before the backend was up
                return;
            }
            Channel out = peer();
            if (!out.isActive()) {
                buf.release();
                return;
            }
            out.writeAndFlush(buf, out.voidPromise());
            dp.notePending(out);
            if (out.isWritable()) {
                readMore(isClient);
            } else {
                waiting = true;
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            // this channel drained below the low watermark: let the other side read again
            Side other = peerSide();
            if (ctx.channel().isWritable() && other.waiting && !done) {
                other.waiting = false;
                readMore(!isClient);
            }
            ctx.fireChannelWritabilityChanged();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownEvent && !done && (isClient || ctx.channel() == backend)) {
                halfClosed(isClient);
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // a reset (ECONNRESET) or another socket error on this side: pass it on as a reset
            if (!done && conn != null) {
                conn.reset(isClient);
            }
            finish(true);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!done && (isClient || backend == ctx.channel())) {
                // closed without an orderly end seen on our side: abort the other side too
                if (conn != null && !(clientEof && serverEof)) {
                    conn.reset(isClient);
                }
                finish(!(clientEof && serverEof));
            }
            ctx.fireChannelInactive();
        }
    }

    /** Asks one side for one more buffered read. */
    private void readMore(boolean fromClient) {
        Channel src = fromClient ? client : backend;
        if (!done && src != null) {
            src.read();
        }
    }

    /** End of stream read from one side: shut the other side's output once its pending bytes are out. */
    private void halfClosed(boolean fromClient) {
        Connection c = conn;
        Channel out;
        if (fromClient) {
            if (clientEof) {
                return;
            }
            clientEof = true;
            c.clientClosed();
            out = backend;
        } else {
            if (serverEof) {
                return;
            }
            serverEof = true;
            c.serverClosed();
            out = client;
        }
        if (fromClient && !backendUp) {
            return; // propagated once the backend is up
        }
        shutdownOutputAfterPending(out, fromClient);
    }

    private void shutdownOutputAfterPending(Channel out, boolean fromClient) {
        if (!out.isActive()) {
            finish(true);
            return;
        }
        out.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((ChannelFutureListener) f -> {
            if (done) {
                return;
            }
            if (!f.isSuccess()) {
                finish(true);
                return;
            }
            ((DuplexChannel) out).shutdownOutput().addListener((ChannelFutureListener) g -> {
                if (fromClient) {
                    serverOutputShut = true;
                } else {
                    clientOutputShut = true;
                }
                if (clientEof && serverEof && clientOutputShut && serverOutputShut) {
                    finish(false);
                }
            });
        });
    }

    /** Ends the flow: both channels closed (reset when {@code abort}); the connection told so. */
    private void finish(boolean abort) {
        if (done) {
            return;
        }
        done = true;
        for (ByteBuf b; (b = early.poll()) != null; ) {
            b.release();
        }
        Connection c = conn;
        if (c != null) {
            c.close();
            dp.tcpFlows.remove(this);
        }
        if (abort) {
            reset(client);
            if (backend != null) {
                reset(backend);
            }
        } else {
            client.close();
            if (backend != null) {
                backend.close();
            }
        }
    }

    private static void reset(Channel ch) {
        if (ch.isOpen()) {
            try {
                ch.config().setOption(ChannelOption.SO_LINGER, 0);
            } catch (RuntimeException ignored) {
                // already closing
            }
            ch.close();
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
        if (c.isExpired() || nodest) {
            client.eventLoop().execute(() -> {
                if (conn != c || done) {
                    return;
                }
                if (nodest) {
                    dp.expire(c);
                }
                finish(true);
            });
        }
    }

    @Override
    public void abort() {
        client.eventLoop().execute(() -> {
            Connection c = conn;
            finish(true);
            if (c != null) {
                dp.expire(c);
            }
        });
    }
}
