/*
 * sh - source hashing (kernel: net/netfilter/ipvs/ip_vs_sh.c).
 *
 * A table of 2^bits buckets (default 256) is filled by walking the destination list in list order
 * (newest first), wrapping around, giving each destination `weight` consecutive buckets; a
 * destination of weight 0 still gets exactly one. A client lands in bucket
 * k = hash_32((port + addr) mod 2^32, bits), where addr is the host-order (IPv6: XOR-folded) client
 * address and port is the client's source port if sh-port (flag-2) is set, else 0. The bucket's
 * destination is used if it has weight > 0 and is not overloaded; otherwise none, unless
 * sh-fallback (flag-1) is set: then buckets (k + (i + k) mod size) mod size, i.e. (2k + i) mod size,
 * are probed for i = 0, 1, ..., size-1 and the first usable destination wins; an empty bucket stops
 * the search. The table is rebuilt on add, delete and edit (a weight change remaps clients).
 */
package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.ServiceConfig;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;

/**
 * The {@code sh} scheduler: the client's source address (and optionally port) picks a bucket of a
 * weighted 256-bucket table.
 *
 * <ul>
 *   <li><b>Thread safety:</b> the lifecycle callbacks (single writer) build a new bucket array and
 *       publish it through a volatile field; {@link #schedule} reads that array once and neither
 *       allocates, locks nor logs. Any number of threads may call {@code schedule}.</li>
 *   <li><b>Weight 0:</b> a quiescent destination keeps one bucket (so its clients get none, or a
 *       fallback pick with sh-fallback) but is never returned.</li>
 *   <li><b>Overload:</b> an OVERLOAD destination, or one already deleted, is never returned; it is
 *       treated like weight 0.</li>
 *   <li><b>Empty set:</b> all buckets are empty and {@code schedule} returns {@code null}.</li>
 *   <li><b>Rebuild triggers:</b> {@link #init}, {@link #added}, {@link #removed} and
 *       {@link #updated} (the kernel's add/del/upd_dest), from the current weights.</li>
 *   <li><b>Flags:</b> read from {@link Destinations#schedulerFlags()} at each pick:
 *       {@link ServiceConfig#SCHED_FLAG_1} = sh-fallback, {@link ServiceConfig#SCHED_FLAG_2} = sh-port.</li>
 * </ul>
 */
public final class SourceHashing extends RebuildingScheduler {
    /** The kernel's default {@code CONFIG_IP_VS_SH_TAB_BITS}. */
    public static final int DEFAULT_TABLE_BITS = 8;
    /** Smallest table bits the kernel's Kconfig allows. */
    public static final int MIN_TABLE_BITS = 4;
    /** Largest table bits the kernel's Kconfig allows. */
    public static final int MAX_TABLE_BITS = 20;

    private final int bits;
    private final int size;
    private volatile RealServer[] buckets;

    /** An sh scheduler with the kernel's default 256 buckets. */
    public SourceHashing() {
        this(DEFAULT_TABLE_BITS);
    }

    /**
     * @param tableBits log2 of the bucket count, 4..20 (the kernel's {@code CONFIG_IP_VS_SH_TAB_BITS})
     * @throws IllegalArgumentException outside that range
     */
    public SourceHashing(int tableBits) {
        if (tableBits < MIN_TABLE_BITS || tableBits > MAX_TABLE_BITS) {
            throw new IllegalArgumentException("sh table bits must be 4..20, got " + tableBits);
        }
        this.bits = tableBits;
        this.size = 1 << tableBits;
        this.buckets = new RealServer[size];
    }

    /** @return the number of buckets */
    public int tableSize() {
        return size;
    }

    /**
     * Builds a bucket table for {@code destinations} by the kernel's rule (pure; for tests and
     * benchmarks).
     */
    static RealServer[] buildTable(Destinations destinations, int size) {
        RealServer[] table = new RealServer[size];
        int n = destinations.size();
        if (n == 0) {
            return table;
        }
        int d = 0;
        int given = 0;
        for (int i = 0; i < size; i++) {
            RealServer rs = destinations.get(d);
            table[i] = rs;
            if (++given >= rs.weight()) {
                given = 0;
                if (++d == n) {
                    d = 0;
                }
            }
        }
        return table;
    }

    @Override
    void rebuild(Destinations destinations) {
        buckets = buildTable(destinations, size);
    }


    @Override
    public void done() {
        buckets = new RealServer[size];
    }

    /** @return the bucket a client key lands in, {@code hash_32((port + addr), bits)} */
    int bucketOf(int clientAddress, int port) {
        return KernelHash.hash32(port + clientAddress, bits);
    }

    /** @return the destination in bucket {@code index} of the current table (tests) */
    RealServer bucket(int index) {
        return buckets[index];
    }

    @Override
    public RealServer schedule(Destinations destinations, ScheduleRequest request) {
        RealServer[] table = buckets;
        int flags = destinations.schedulerFlags();
        int port = (flags & ServiceConfig.SCHED_FLAG_2) != 0 ? request.clientPort() : 0;
        int k = KernelHash.hash32(port + request.clientAddress(), bits);
        RealServer rs = table[k];
        if (rs != null && rs.isSchedulable()) {
            return rs;
        }
        if ((flags & ServiceConfig.SCHED_FLAG_1) == 0 || rs == null) {
            return null;
        }
        int mask = size - 1;
        for (int i = 0; i < size; i++) {
            // the kernel adds the probe offset to the already-offset hash: (((i + k) & mask) + k) & mask
            RealServer probe = table[(((i + k) & mask) + k) & mask];
            if (probe == null) {
                return null;
            }
            if (probe.isSchedulable()) {
                return probe;
            }
        }
        return null;
    }

    /** Makes {@code sh} schedulers (256 buckets, or the bits given to the constructor). */
    public static final class Provider implements SchedulerProvider {
        private final int tableBits;

        /** The kernel default, 256 buckets. */
        public Provider() {
            this(DEFAULT_TABLE_BITS);
        }

        /** @param tableBits log2 of the bucket count, 4..20 */
        public Provider(int tableBits) {
            new SourceHashing(tableBits); // validate now, not at first service creation
            this.tableBits = tableBits;
        }

        @Override
        public String name() {
            return "sh";
        }

        @Override
        public String description() {
            return "source hashing";
        }

        @Override
        public Scheduler create(SchedulerContext context) {
            return new SourceHashing(tableBits);
        }
    }
}
