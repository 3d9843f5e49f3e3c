package io.jlvs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.SplittableRandom;

/** {@link Connection#ipv4(InetAddress)} relies on Inet4Address.hashCode() being the address: this pins it down. */
class ConnectionAddressTest {
    @Test
    void ipv4OfAnAddressIsItsBigEndianValue() throws Exception {
        SplittableRandom r = new SplittableRandom(7);
        int[] fixed = {0, 0x7f000001, 0xffffffff, 0x80000000, 0x0a010203, 0xc0a80001};
        for (int i = 0; i < 1000; i++) {
            int v = i < fixed.length ? fixed[i] : r.nextInt();
            byte[] b = {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
            InetAddress a = InetAddress.getByAddress(b);
            assertEquals(v, Connection.ipv4(a), a.getHostAddress());
            assertEquals(a, Connection.ipv4(v));
        }
    }
}
