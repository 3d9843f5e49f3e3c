package io.jlvs.dataplane.nat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Encodes the PROXY protocol header (HAProxy's specification, versions 1 and 2) for the native
 * relay, which writes bytes straight to the backend socket without a Netty pipeline. The NIO relay
 * uses Netty's own encoder; both are checked by Netty's decoder in {@code ProxyProtocolTest}.
 */
final class ProxyHeader {
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private ProxyHeader() {
    }

    /**
     * @return the header announcing {@code client} → {@code virtualAddress}, in a buffer the caller
     *     releases; a mixed IPv4/IPv6 pair is announced as IPv6 with the IPv4 address mapped
     */
    static ByteBuf encode(ProxyProtocol version, InetSocketAddress client, InetSocketAddress virtualAddress,
            ByteBufAllocator alloc) {
        boolean v4 = client.getAddress() instanceof Inet4Address && virtualAddress.getAddress() instanceof Inet4Address;
        byte[] src = bytes(client.getAddress(), v4);
        byte[] dst = bytes(virtualAddress.getAddress(), v4);
        if (version == ProxyProtocol.V1) {
            String line = "PROXY " + (v4 ? "TCP4 " : "TCP6 ") + text(src) + " " + text(dst) + " "
                    + client.getPort() + " " + virtualAddress.getPort() + "\r\n";
            byte[] b = line.getBytes(StandardCharsets.US_ASCII);
            return alloc.directBuffer(b.length).writeBytes(b);
        }
        int addressLength = 2 * src.length + 4;
        ByteBuf b = alloc.directBuffer(16 + addressLength);
        b.writeBytes(V2_SIGNATURE);
        b.writeByte(0x21); // version 2, command PROXY
        b.writeByte(v4 ? 0x11 : 0x21); // TCP over IPv4 or IPv6
        b.writeShort(addressLength);
        b.writeBytes(src).writeBytes(dst);
        b.writeShort(client.getPort()).writeShort(virtualAddress.getPort());
        return b;
    }

    private static byte[] bytes(InetAddress a, boolean v4) {
        byte[] b = a.getAddress();
        if (v4 || b.length == 16) {
            return b;
        }
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        System.arraycopy(b, 0, mapped, 12, 4);
        return mapped;
    }

    /** Dotted quad, or eight full hex groups (no "::" compression and no scope: the v1 grammar). */
    private static String text(byte[] address) {
        StringBuilder s = new StringBuilder();
        if (address.length == 4) {
            for (int i = 0; i < 4; i++) {
                s.append(i > 0 ? "." : "").append(address[i] & 0xff);
            }
            return s.toString();
        }
        for (int i = 0; i < 16; i += 2) {
            s.append(i > 0 ? ":" : "").append(Integer.toHexString(((address[i] & 0xff) << 8) | (address[i + 1] & 0xff)));
        }
        return s.toString();
    }
}
