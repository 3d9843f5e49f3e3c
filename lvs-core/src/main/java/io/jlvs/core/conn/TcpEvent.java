package io.jlvs.core.conn;

/** The event a TCP segment means to the state machine, classified by its flags (first match wins). */
public enum TcpEvent {
    /** SYN (also SYN+ACK). */
    SYN,
    /** FIN (also FIN+ACK). */
    FIN,
    /** ACK only. */
    ACK,
    /** RST. */
    RST,
    /** None of SYN, FIN, ACK, RST: the kernel moves the connection to CLOSE. */
    NONE;

    /** TCP header flag bits. */
    public static final int FLAG_FIN = 0x01;
    /** SYN flag bit. */
    public static final int FLAG_SYN = 0x02;
    /** RST flag bit. */
    public static final int FLAG_RST = 0x04;
    /** ACK flag bit. */
    public static final int FLAG_ACK = 0x10;

    /** @return the event of a segment with these TCP flags: RST, then SYN, then FIN, then ACK */
    public static TcpEvent of(int tcpFlags) {
        if ((tcpFlags & FLAG_RST) != 0) {
            return RST;
        }
        if ((tcpFlags & FLAG_SYN) != 0) {
            return SYN;
        }
        if ((tcpFlags & FLAG_FIN) != 0) {
            return FIN;
        }
        if ((tcpFlags & FLAG_ACK) != 0) {
            return ACK;
        }
        return NONE;
    }
}
