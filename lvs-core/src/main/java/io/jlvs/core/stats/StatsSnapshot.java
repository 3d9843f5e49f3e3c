package io.jlvs.core.stats;

/**
 * Counter values at one moment (since the last {@code -Z}): what {@code ipvsadm -L --stats} shows.
 *
 * @param connections connections scheduled
 * @param inPackets client-to-server packets (a proxy counts reads, see the dataplane's docs)
 * @param outPackets server-to-client packets
 * @param inBytes client-to-server bytes
 * @param outBytes server-to-client bytes
 */
public record StatsSnapshot(long connections, long inPackets, long outPackets, long inBytes, long outBytes) {
    /** All zero. */
    public static final StatsSnapshot ZERO = new StatsSnapshot(0, 0, 0, 0, 0);

    /** @return the component-wise difference {@code this - other} */
    public StatsSnapshot minus(StatsSnapshot other) {
        return new StatsSnapshot(connections - other.connections, inPackets - other.inPackets,
                outPackets - other.outPackets, inBytes - other.inBytes, outBytes - other.outBytes);
    }

    /** @return the component-wise sum */
    public StatsSnapshot plus(StatsSnapshot other) {
        return new StatsSnapshot(connections + other.connections, inPackets + other.inPackets,
                outPackets + other.outPackets, inBytes + other.inBytes, outBytes + other.outBytes);
    }
}
