package io.jlvs.core.conn;

/**
 * The director's behaviour switches, named after the kernel's {@code net.ipv4.vs.*} sysctls, with
 * the kernel's defaults ({@link #DEFAULT}).
 *
 * @param expireNodestConn expire connections whose real server was deleted (and, for a new SYN,
 *     whose real server has weight 0) instead of dropping their packets
 * @param expireQuiescentTemplate invalidate persistence templates pointing to a weight-0 real server
 * @param connReuseMode bit 0: reschedule a SYN that reuses a TIME_WAIT/CLOSE entry; bit 1: also
 *     FIN_WAIT entries without output (DR/TUN); 0 = keep the old real server
 * @param sloppyTcp let any non-RST TCP packet create a connection (not only SYN)
 * @param secureTcp 0 off, 1 auto (active while the table is nearly full), 2 auto-active, 3 always
 * @param dropEntry 0 off, 1 auto, 2 auto-active, 3 always: randomly drop half-open and idle
 *     entries while the table is nearly full
 * @param dropPacket 0 off, 1 auto, 2 auto-active, 3 always: drop 1 of every {@code rate} new
 *     connections while the table is nearly full
 * @param amDroprate the drop_packet rate in mode 3
 */
public record Sysctls(boolean expireNodestConn, boolean expireQuiescentTemplate, int connReuseMode, boolean sloppyTcp,
        int secureTcp, int dropEntry, int dropPacket, int amDroprate) {
    /** The kernel's defaults: all off, conn_reuse_mode 1, am_droprate 10. */
    public static final Sysctls DEFAULT = new Sysctls(false, false, 1, false, 0, 0, 0, 10);

    /** Validates the ranges and names the field on error. */
    public Sysctls {
        range("conn_reuse_mode", connReuseMode, 0, 3);
        range("secure_tcp", secureTcp, 0, 3);
        range("drop_entry", dropEntry, 0, 3);
        range("drop_packet", dropPacket, 0, 3);
        range("am_droprate", amDroprate, 1, Integer.MAX_VALUE);
    }

    private static void range(String name, int v, int lo, int hi) {
        if (v < lo || v > hi) {
            throw new IllegalArgumentException(name + " must be " + lo + ".." + hi + ", was " + v);
        }
    }

    /** @return a copy with expire_nodest_conn set */
    public Sysctls withExpireNodestConn(boolean v) {
        return new Sysctls(v, expireQuiescentTemplate, connReuseMode, sloppyTcp, secureTcp, dropEntry, dropPacket, amDroprate);
    }

    /** @return a copy with expire_quiescent_template set */
    public Sysctls withExpireQuiescentTemplate(boolean v) {
        return new Sysctls(expireNodestConn, v, connReuseMode, sloppyTcp, secureTcp, dropEntry, dropPacket, amDroprate);
    }

    /** @return a copy with conn_reuse_mode set */
    public Sysctls withConnReuseMode(int v) {
        return new Sysctls(expireNodestConn, expireQuiescentTemplate, v, sloppyTcp, secureTcp, dropEntry, dropPacket, amDroprate);
    }

    /** @return a copy with sloppy_tcp set */
    public Sysctls withSloppyTcp(boolean v) {
        return new Sysctls(expireNodestConn, expireQuiescentTemplate, connReuseMode, v, secureTcp, dropEntry, dropPacket, amDroprate);
    }

    /** @return a copy with secure_tcp set */
    public Sysctls withSecureTcp(int v) {
        return new Sysctls(expireNodestConn, expireQuiescentTemplate, connReuseMode, sloppyTcp, v, dropEntry, dropPacket, amDroprate);
    }

    /** @return a copy with drop_entry set */
    public Sysctls withDropEntry(int v) {
        return new Sysctls(expireNodestConn, expireQuiescentTemplate, connReuseMode, sloppyTcp, secureTcp, v, dropPacket, amDroprate);
    }

    /** @return a copy with drop_packet set */
    public Sysctls withDropPacket(int v) {
        return new Sysctls(expireNodestConn, expireQuiescentTemplate, connReuseMode, sloppyTcp, secureTcp, dropEntry, v, amDroprate);
    }

    /** @return true when the secure TCP table is in use (mode 2 or 3) */
    public boolean secureTcpActive() {
        return secureTcp >= 2;
    }
}
