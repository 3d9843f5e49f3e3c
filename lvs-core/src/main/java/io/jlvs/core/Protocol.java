package io.jlvs.core;

/** Transport protocol of a virtual service or connection, with its IP protocol number. */
public enum Protocol {
    /** TCP, IP protocol 6. */
    TCP(6),
    /** UDP, IP protocol 17. */
    UDP(17),
    /** SCTP, IP protocol 132. */
    SCTP(132);

    private final int number;

    Protocol(int number) {
        this.number = number;
    }

    /** @return the IP protocol number (used, among others, in ipvsadm's sort order) */
    public int number() {
        return number;
    }
}
