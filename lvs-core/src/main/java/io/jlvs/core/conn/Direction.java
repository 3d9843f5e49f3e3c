package io.jlvs.core.conn;

/** Which way a packet of a connection travels, as the kernel's TCP state machine sees it. */
public enum Direction {
    /** Client to director (the request direction). */
    INPUT,
    /** Real server to client through the director (replies; NAT only). */
    OUTPUT,
    /** Client to director on a connection whose replies bypass the director (DR, TUN) until a reply is seen. */
    INPUT_ONLY
}
