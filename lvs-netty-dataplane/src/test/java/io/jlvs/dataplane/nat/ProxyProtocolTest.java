package io.jlvs.dataplane.nat;

import static io.jlvs.dataplane.nat.Support.addMasq;
import static io.jlvs.dataplane.nat.Support.freeAddress;
import static io.jlvs.dataplane.nat.Support.loopback;
import static io.jlvs.dataplane.nat.Support.tcpService;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jlvs.core.Director;
import io.jlvs.core.ServiceKey;
import io.jlvs.dataplane.nat.Support.ShiftTicker;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** Real servers parse the header with Netty's own {@link HAProxyMessageDecoder}. */
@ExtendWith(LeakCheck.class)
class ProxyProtocolTest {
    private final ShiftTicker ticker = new ShiftTicker();
    private final Director director = Support.director(ticker);
    private final EventLoopGroup serverGroup = Transport.best().newEventLoopGroup(1);
    private NatDataplane nat;

    /** What a real server learned: the header fields, then the first payload byte. */
    private record Seen(HAProxyProtocolVersion version, HAProxyProxiedProtocol protocol, String source, int sourcePort,
            String destination, int destinationPort) {
    }

    @AfterEach
    void tearDown() throws Exception {
        if (nat != null) {
            nat.close();
        }
        serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        director.close();
    }

    private InetSocketAddress realServer(BlockingQueue<Seen> seen) throws InterruptedException {
        Channel ch = new ServerBootstrap().group(serverGroup).channel(Transport.best().serverSocketChannel())
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HAProxyMessageDecoder(), new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                if (msg instanceof HAProxyMessage m) {
                                    seen.add(new Seen(m.protocolVersion(), m.proxiedProtocol(), m.sourceAddress(),
                                            m.sourcePort(), m.destinationAddress(), m.destinationPort()));
                                    m.release();
                                } else {
                                    ctx.writeAndFlush((ByteBuf) msg); // echo the payload
                                }
                            }
                        });
                    }
                }).bind(new InetSocketAddress(loopback(), 0)).sync().channel();
        return (InetSocketAddress) ch.localAddress();
    }

    private static InetSocketAddress roundTrip(InetSocketAddress vip) throws Exception {
        try (Socket c = new Socket(vip.getAddress(), vip.getPort())) {
            c.setSoTimeout(3000);
            c.getOutputStream().write(9);
            assertEquals(9, c.getInputStream().read());
            return (InetSocketAddress) c.getLocalSocketAddress();
        }
    }

    @Test
    void versionOneAndTwoPerServiceAndPerRealServer() throws Exception {
        BlockingQueue<Seen> seenV1 = new LinkedBlockingQueue<>();
        BlockingQueue<Seen> seenV2 = new LinkedBlockingQueue<>();
        InetSocketAddress rs1 = realServer(seenV1);
        InetSocketAddress rs2 = realServer(seenV2);
        InetSocketAddress vip1 = freeAddress();
        InetSocketAddress vip2 = freeAddress();
        ServiceKey key1 = tcpService(director, vip1, "rr");
        ServiceKey key2 = tcpService(director, vip2, "rr");
        addMasq(director, key1, rs1, 1);
        addMasq(director, key2, rs2, 1);
        nat = NatDataplane.builder(director).workerThreads(1)
                .proxyProtocol(key1, ProxyProtocol.V1)
                .proxyProtocol(key2, rs2, ProxyProtocol.V2)
                .start();

        InetSocketAddress c1 = roundTrip(vip1);
        assertEquals(new Seen(HAProxyProtocolVersion.V1, HAProxyProxiedProtocol.TCP4, c1.getAddress().getHostAddress(),
                c1.getPort(), vip1.getAddress().getHostAddress(), vip1.getPort()), seenV1.poll(3, TimeUnit.SECONDS));
        InetSocketAddress c2 = roundTrip(vip2);
        assertEquals(new Seen(HAProxyProtocolVersion.V2, HAProxyProxiedProtocol.TCP4, c2.getAddress().getHostAddress(),
                c2.getPort(), vip2.getAddress().getHostAddress(), vip2.getPort()), seenV2.poll(3, TimeUnit.SECONDS));
    }
}
