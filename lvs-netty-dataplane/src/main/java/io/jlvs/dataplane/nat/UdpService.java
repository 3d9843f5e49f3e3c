package io.jlvs.dataplane.nat;

import io.jlvs.core.Connection;
import io.jlvs.core.Protocol;
import io.jlvs.core.ServiceKey;
import io.jlvs.core.VirtualService;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;

import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The UDP side of one virtual service: the listener socket on the VIP:port and its client flows.
 * Everything runs on the listener's event loop; the control thread's {@link #sweep} hops onto it.
 *
 * <p>A normal flow is keyed by the client address and bound to one {@link Connection}; while that
 * connection is in the director's table the flow's datagrams go to its real server without
 * rescheduling (a deleted real server keeps its flows unless {@code expire_nodest_conn} is on). A
 * one-packet ({@code -o}) service schedules every datagram: {@link io.jlvs.core.Director#connect}
 * then {@link io.jlvs.core.Director#expire} right after sending; its replies return through a reply
 * path per (client, real server) that lives for the UDP timeout after its last use.
 */
final class UdpService {
    private static final int MAX_EARLY_DATAGRAMS = 64;

    private final NatDataplane dp;
    private final ServiceKey key;
    private final InetSocketAddress vip;
    private Channel listener;
    private final Map<InetSocketAddress, UdpFlow> flows = new ConcurrentHashMap<>();
    private final Map<OpsKey, UdpFlow> opsPaths = new ConcurrentHashMap<>();

    private record OpsKey(InetSocketAddress client, InetSocketAddress destination) {
    }

    UdpService(NatDataplane dp, ServiceKey key, InetSocketAddress vip) {
        this.dp = dp;
        this.key = key;
        this.vip = vip;
    }

    Channel bind(InetSocketAddress at) throws InterruptedException {
        Bootstrap b = new Bootstrap()
                .group(dp.group)
                .channel(dp.transport.datagramChannel())
                .handler(new Inbound());
        listener = b.bind(at).sync().channel();
        return listener;
    }

    int flowCount() {
        return flows.size() + opsPaths.size();
    }

    /** Datagrams from clients to the VIP:port. */
    private final class Inbound extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            DatagramPacket pkt = (DatagramPacket) msg;
            try {
                received(pkt.sender(), pkt.content());
            } finally {
                pkt.release();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // e.g. ICMP errors surfaced on the socket: UDP keeps going
        }
    }

    private void received(InetSocketAddress client, ByteBuf data) {
        int n = data.readableBytes();
        VirtualService svc = dp.director.service(key).orElse(null);
        if (svc != null && svc.config().onePacket()) {
            Optional<Connection> oc = dp.director.connect(Protocol.UDP, client, vip);
            if (oc.isEmpty()) {
                return;
            }
            Connection c = oc.get();
            c.countIn(1, n);
            OpsKey k = new OpsKey(client, c.destination());
            UdpFlow path = opsPaths.get(k);
            if (path == null) {
                path = new UdpFlow(client, c, true);
                opsPaths.put(k, path);
            }
            path.conn = c;
            path.send(data.retain());
            dp.expire(c); // one-packet scheduling: the entry ends with its datagram
            return;
        }
        UdpFlow flow = flows.get(client);
        if (flow != null && flow.conn.isExpired()) {
            flows.remove(client);
            flow.close();
            flow = null;
        }
        if (flow == null) {
            Optional<Connection> oc = dp.director.connect(Protocol.UDP, client, vip);
            if (oc.isEmpty()) {
                return; // no real server, or the flow's real server is gone: the kernel drops it
            }
            flow = new UdpFlow(client, oc.get(), false);
            flows.put(client, flow);
        }
        Connection c = flow.conn;
        c.countIn(1, n);
        c.touch();
        flow.send(data.retain());
    }

    /** Control thread: closes expired flows and idle one-packet reply paths. */
    void sweep(boolean expireNodestConn, long nowNanos, long udpTimeoutNanos) {
        EventLoop loop = listener.eventLoop();
        for (Map.Entry<InetSocketAddress, UdpFlow> e : flows.entrySet()) {
            UdpFlow f = e.getValue();
            Connection c = f.conn;
            boolean nodest = expireNodestConn && !c.realServer().isAvailable();
            if (c.isExpired() || nodest) {
                loop.execute(() -> {
                    if (flows.remove(e.getKey(), f)) {
                        if (nodest) {
                            dp.expire(c);
                        }
                        f.close();
                    }
                });
            }
        }
        for (Map.Entry<OpsKey, UdpFlow> e : opsPaths.entrySet()) {
            UdpFlow f = e.getValue();
            if (nowNanos - f.lastUsedNanos >= udpTimeoutNanos) {
                loop.execute(() -> {
                    if (dp.director.ticker().read() - f.lastUsedNanos >= udpTimeoutNanos && opsPaths.remove(e.getKey(), f)) {
                        f.close();
                    }
                });
            }
        }
    }

    /** Closes every flow (the listener is gone or the data plane closes). */
    void closeFlows() {
        Runnable task = () -> {
            for (UdpFlow f : flows.values()) {
                f.close();
                dp.expire(f.conn);
            }
            flows.clear();
            for (UdpFlow f : opsPaths.values()) {
                f.close();
            }
            opsPaths.clear();
        };
        EventLoop loop = listener.eventLoop();
        if (loop.inEventLoop()) {
            task.run();
        } else if (!loop.isShuttingDown()) {
            loop.execute(task);
        }
    }

    /** One backend UDP socket, connected to the real server, relaying replies to one client. */
    private final class UdpFlow extends ChannelInboundHandlerAdapter {
        private final InetSocketAddress client;
        private final boolean ops;
        private final Channel backend;
        private final ArrayDeque<ByteBuf> early = new ArrayDeque<>();
        private boolean up;
        private boolean closed;
        volatile Connection conn;
        volatile long lastUsedNanos;

        UdpFlow(InetSocketAddress client, Connection conn, boolean ops) {
            this.client = client;
            this.conn = conn;
            this.ops = ops;
            this.lastUsedNanos = dp.director.ticker().read();
            Bootstrap b = new Bootstrap()
                    .group(listener.eventLoop())
                    .channel(dp.transport.datagramChannel())
                    .handler(this);
            ChannelFuture f;
            if (dp.transparent) {
                b.option(EpollChannelOption.IP_TRANSPARENT, true).option(ChannelOption.SO_REUSEADDR, true);
                f = b.connect(conn.destination(), client);
            } else {
                f = b.connect(conn.destination());
            }
            backend = f.channel();
            f.addListener((ChannelFutureListener) this::connected);
        }

        private void connected(ChannelFuture f) {
            if (closed) {
                return;
            }
            if (!f.isSuccess()) {
                close();
                return;
            }
            up = true;
            for (ByteBuf b; (b = early.poll()) != null; ) {
                backend.write(b, backend.voidPromise());
            }
            backend.flush();
        }

        void send(ByteBuf data) {
            lastUsedNanos = dp.director.ticker().read();
            if (closed) {
                data.release();
            } else if (up) {
                backend.writeAndFlush(data, backend.voidPromise());
            } else if (early.size() < MAX_EARLY_DATAGRAMS) {
                early.add(data);
            } else {
                data.release();
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf content = msg instanceof DatagramPacket p ? p.content() : (ByteBuf) msg;
            try {
                if (closed || !listener.isActive()) {
                    return;
                }
                Connection c = conn;
                c.countOut(1, content.readableBytes());
                if (!ops) {
                    c.touch();
                }
                lastUsedNanos = dp.director.ticker().read();
                listener.writeAndFlush(new DatagramPacket(content.retain(), client), listener.voidPromise());
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // ICMP port unreachable (ECONNREFUSED) and the like: UDP keeps the flow until it expires
        }

        @Override
        public boolean isSharable() {
            return false;
        }

        void close() {
            if (closed) {
                return;
            }
            closed = true;
            for (ByteBuf b; (b = early.poll()) != null; ) {
                b.release();
            }
            backend.close();
        }
    }
}
