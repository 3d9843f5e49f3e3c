/*
 * dh - destination hashing (kernel: net/netfilter/ipvs/ip_vs_dh.c).
 *
 * A table of 256 buckets is filled round-robin with the destinations in list order (newest
 * first), one bucket each, ignoring weights: bucket i holds destination i mod n. A packet lands in
 * bucket hash_32(daddr, 8), daddr being the host-order (IPv6: XOR-folded) destination address the
 * client used. If that destination is missing, deleted, of weight 0 or overloaded the result is
 * none; there is no fallback. The table is rebuilt on add and delete, not on weight edits.
 */
package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;

/**
 * The {@code dh} scheduler: the packet's destination address picks one of 256 buckets filled
 * round-robin with the real servers. Meant for fwmark services in front of cache clusters, where
 * the destination address varies.
 *
 * <ul>
 *   <li><b>Thread safety:</b> the lifecycle callbacks (single writer) publish a new immutable bucket
 *       array through a volatile field; {@link #schedule} reads it once, never allocates, locks or
 *       logs.</li>
 *   <li><b>Weight 0 / overload / deleted:</b> the bucket still points to the server, which is not
 *       returned: the result is {@code null} (no fallback, as in the kernel).</li>
 *   <li><b>Empty set:</b> {@code null}.</li>
 *   <li><b>Rebuild triggers:</b> {@link #init}, {@link #added}, {@link #removed}; {@link #updated}
 *       does not rebuild (weights do not shape the table).</li>
 * </ul>
 */
public final class DestinationHashing implements Scheduler {
    /** The kernel's {@code CONFIG_IP_VS_DH_TAB_BITS}. */
    public static final int TABLE_BITS = 8;
    /** Number of buckets. */
    public static final int TABLE_SIZE = 1 << TABLE_BITS;

    private volatile RealServer[] buckets = new RealServer[TABLE_SIZE];

    /** Creates a dh scheduler with an empty table. */
    public DestinationHashing() {
    }

    /** Builds a bucket table for {@code destinations} by the kernel's rule (pure; tests, benchmarks). */
    static RealServer[] buildTable(Destinations destinations) {
        RealServer[] table = new RealServer[TABLE_SIZE];
        int n = destinations.size();
        if (n == 0) {
            return table;
        }
        int d = 0;
        for (int i = 0; i < TABLE_SIZE; i++) {
            table[i] = destinations.get(d);
            if (++d == n) {
                d = 0;
            }
        }
        return table;
    }

    @Override
    public void init(Destinations destinations) {
        buckets = buildTable(destinations);
    }

    @Override
    public void added(Destinations destinations, RealServer added) {
        buckets = buildTable(destinations);
    }

    @Override
    public void removed(Destinations destinations, RealServer removed, int formerIndex) {
        buckets = buildTable(destinations);
    }

    @Override
    public void done() {
        buckets = new RealServer[TABLE_SIZE];
    }

    /** @return the bucket of a destination address, {@code hash_32(daddr, 8)} */
    static int bucketOf(int destinationAddress) {
        return KernelHash.hash32(destinationAddress, TABLE_BITS);
    }

    /** @return the destination in bucket {@code index} of the current table (tests) */
    RealServer bucket(int index) {
        return buckets[index];
    }

    @Override
    public RealServer schedule(Destinations destinations, ScheduleRequest request) {
        RealServer rs = buckets[KernelHash.hash32(request.destinationAddress(), TABLE_BITS)];
        return rs != null && rs.isSchedulable() ? rs : null;
    }

    /** Makes {@code dh} schedulers. */
    public static final class Provider implements SchedulerProvider {
        /** Public no-arg constructor for {@link java.util.ServiceLoader}. */
        public Provider() {
        }

        @Override
        public String name() {
            return "dh";
        }

        @Override
        public String description() {
            return "destination hashing";
        }

        @Override
        public Scheduler create(SchedulerContext context) {
            return new DestinationHashing();
        }
    }
}
