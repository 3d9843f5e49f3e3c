package io.jlvs.core;

import java.util.Locale;

/** Encapsulation of a tunnelling ({@code -i}) real server, ipvsadm {@code --tun-type}. */
public enum TunnelType {
    /** IP in IP, the default. */
    IPIP,
    /** Generic UDP Encapsulation; needs {@code --tun-port}. */
    GUE,
    /** Generic Routing Encapsulation. */
    GRE;

    /** @return the ipvsadm spelling: {@code ipip}, {@code gue}, {@code gre} */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
