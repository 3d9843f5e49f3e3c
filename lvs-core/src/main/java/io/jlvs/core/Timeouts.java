package io.jlvs.core;

/**
 * The three timeouts {@code ipvsadm --set tcp tcpfin udp} changes, in seconds: TCP ESTABLISHED,
 * TCP FIN_WAIT and UDP. Kernel defaults 900, 120, 300.
 *
 * @param tcp TCP ESTABLISHED timeout
 * @param tcpFin TCP FIN_WAIT timeout
 * @param udp UDP timeout
 */
public record Timeouts(int tcp, int tcpFin, int udp) {
    /** The kernel's defaults: 900 120 300. */
    public static final Timeouts DEFAULT = new Timeouts(900, 120, 300);

    /** Validates each value: 0..2678400 (0 means "keep the current value" when applied). */
    public Timeouts {
        check("tcp", tcp);
        check("tcpfin", tcpFin);
        check("udp", udp);
    }

    private static void check(String name, int value) {
        if (value < 0 || value > ServiceConfig.MAX_TIMEOUT) {
            throw IpvsadmException.parse("invalid " + name + " timeout value: " + value + " (0.." + ServiceConfig.MAX_TIMEOUT + ")");
        }
    }

    /** @return these timeouts with every 0 replaced by the value in {@code current}, as {@code --set} does */
    public Timeouts over(Timeouts current) {
        return new Timeouts(tcp != 0 ? tcp : current.tcp, tcpFin != 0 ? tcpFin : current.tcpFin,
                udp != 0 ? udp : current.udp);
    }
}
