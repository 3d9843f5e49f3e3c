package io.jlvs.core;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Persistence granularity: the client network a template is keyed on. */
final class Netmasks {
    private Netmasks() {
    }

    /**
     * @param netmask IPv4: the 32-bit mask; IPv6: the prefix length
     * @return {@code address} with the bits outside the mask cleared
     */
    static InetAddress apply(InetAddress address, int netmask) {
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            if (netmask == -1) {
                return address;
            }
            for (int i = 0; i < 4; i++) {
                b[i] &= (byte) (netmask >>> (24 - 8 * i));
            }
        } else {
            if (netmask >= 128) {
                return address;
            }
            for (int bit = netmask; bit < 128; bit++) {
                b[bit >> 3] &= (byte) ~(0x80 >>> (bit & 7));
            }
        }
        return byAddress(b);
    }

    /** @return the firewall mark written as an IPv4 address, as the kernel stores it in a template */
    static InetAddress markAddress(long mark) {
        return byAddress(new byte[] {(byte) (mark >>> 24), (byte) (mark >>> 16), (byte) (mark >>> 8), (byte) mark});
    }

    private static InetAddress byAddress(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes always make an address", e);
        }
    }
}
