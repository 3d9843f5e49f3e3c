package io.jlvs.core;

/** Checksum option of a GUE or GRE tunnel ({@code --tun-nocsum}, {@code --tun-csum}, {@code --tun-remcsum}). */
public enum TunnelChecksum {
    /** No checksum, the default; listed as {@code -c}. */
    NOCSUM("--tun-nocsum", "-c"),
    /** Outer checksum; listed as {@code +c}. */
    CSUM("--tun-csum", "+c"),
    /** Remote checksum offload (GUE only); listed as {@code r+c}. */
    REMCSUM("--tun-remcsum", "r+c");

    private final String option;
    private final String listing;

    TunnelChecksum(String option, String listing) {
        this.option = option;
        this.listing = listing;
    }

    /** @return the ipvsadm option that selects it */
    public String option() {
        return option;
    }

    /** @return the short form used in {@code ipvsadm -L --tun-info} */
    public String listing() {
        return listing;
    }
}
