package io.jlvs.core.conn;

/**
 * Protocol states of a connection as {@code ipvsadm -Lnc} names them, with the kernel's default
 * timeouts and whether the state counts as active (§4.3). TCP ESTABLISHED, FIN_WAIT and the UDP
 * state take their timeouts from {@code --set}; the rest are fixed.
 */
public enum ConnectionState {
    /** TCP/template state before anything is known. */
    NONE("NONE", 2, false),
    /** TCP established. */
    ESTABLISHED("ESTABLISHED", 900, true),
    /** TCP SYN seen from the real server side. */
    SYN_SENT("SYN_SENT", 120, true),
    /** TCP SYN seen from the client. */
    SYN_RECV("SYN_RECV", 60, true),
    /** TCP FIN seen (one side closed). */
    FIN_WAIT("FIN_WAIT", 120, false),
    /** TCP both sides closed. */
    TIME_WAIT("TIME_WAIT", 120, false),
    /** TCP reset or closed. */
    CLOSE("CLOSE", 10, false),
    /** TCP client closed while the server still sends. */
    CLOSE_WAIT("CLOSE_WAIT", 60, false),
    /** TCP last ACK awaited. */
    LAST_ACK("LAST_ACK", 30, false),
    /** TCP listen. */
    LISTEN("LISTEN", 120, false),
    /** TCP SYN+ACK (secure_tcp). */
    SYNACK("SYNACK", 120, true),
    /** The single UDP state. */
    UDP("UDP", 300, false),
    /** A persistence template whose real server has seen an established connection. */
    ASSURED("ASSURED", 0, false);

    private final String label;
    private final int defaultTimeoutSeconds;
    private final boolean active;

    ConnectionState(String label, int defaultTimeoutSeconds, boolean active) {
        this.label = label;
        this.defaultTimeoutSeconds = defaultTimeoutSeconds;
        this.active = active;
    }

    /** @return the name ipvsadm prints */
    public String label() {
        return label;
    }

    /** @return the kernel's default timeout of this state in seconds */
    public int defaultTimeoutSeconds() {
        return defaultTimeoutSeconds;
    }

    /** @return true when a connection in this state counts in ActiveConn */
    public boolean isActive() {
        return active;
    }
}
