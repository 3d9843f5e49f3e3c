package io.jlvs.dataplane.nat;

/**
 * A proxied TCP flow as the control thread sees it: {@link EpollTcpFlow} on epoll, {@link TcpFlow}
 * (Netty channels) on NIO. Both methods are called from the control thread and hop onto the flow's
 * event loop.
 */
interface RelayFlow {
    /**
     * Closes the flow with a reset if its connection expired, its real server is gone under
     * {@code expire_nodest_conn}, or its backend connection attempt ran past the connect timeout.
     */
    void sweep(boolean expireNodestConn);

    /** The data plane is closing: reset both sides and drop the connection. */
    void abort();
}
