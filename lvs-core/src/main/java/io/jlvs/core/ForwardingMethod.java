package io.jlvs.core;

/**
 * How packets reach a real server (ipvsadm's "packet-forwarding method"); the kernel's
 * connection-flag codes are kept so listings and sync messages can use them.
 */
public enum ForwardingMethod {
    /** NAT ({@code -m}): destination rewritten to the real server, replies come back through the director. */
    MASQ("Masq", 0, "-m"),
    /** Delivered to the director's own stack. Only listed by very old kernels; saved as {@code -g}. */
    LOCAL("Local", 1, "-g"),
    /** IP-in-IP (or GUE/GRE) tunnelling ({@code -i}). */
    TUNNEL("Tunnel", 2, "-i"),
    /** Direct routing ({@code -g}): only the Ethernet destination changes. ipvsadm's default. */
    ROUTE("Route", 3, "-g");

    private final String displayName;
    private final int code;
    private final String option;

    ForwardingMethod(String displayName, int code, String option) {
        this.displayName = displayName;
        this.code = code;
        this.option = option;
    }

    /** @return the name in the {@code Forward} column of {@code ipvsadm -L} ({@code Masq}, {@code Route}, …) */
    public String displayName() {
        return displayName;
    }

    /** @return the kernel's forwarding code (low three bits of the connection flags) */
    public int code() {
        return code;
    }

    /** @return the ipvsadm switch that selects this method ({@code -m}, {@code -g}, {@code -i}) */
    public String option() {
        return option;
    }
}
