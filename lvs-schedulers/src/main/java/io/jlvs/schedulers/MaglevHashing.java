/*
 * mh - Maglev hashing (kernel: net/netfilter/ipvs/ip_vs_mh.c; Eisenbud et al., NSDI 2016).
 *
 * Lookup table of M slots, M a prime (default 4093). Hash H_K(x) = 64-bit hsiphash (SipHash-1-3,
 * low 32 bits) of the 32-bit value x with fixed key K1 = (2654435761, 2654435761) or
 * K2 = (2654446892, 2654446892).
 * Per destination, in list order: offset = H_K1(addr + port) mod M,
 * skip = H_K2(addr + port) mod (M - 1) + 1, perm = offset.
 * Turns come from last_weight (the last non-zero weight ever set): g = gcd of the positive
 * last_weights, shift = max(0, bitlength(max_last_weight / g) - TAB_BITS) with TAB_BITS = index / 2
 * (6 for the default index 12), turns = (last_weight / g) >> shift, raised to 1 if that is 0 and
 * last_weight != 0; a destination whose last_weight is 0 gets no turns and no slot.
 * Population: rounds over the list; in each round each destination places `turns` entries, each at
 * its perm slot, first advancing perm by skip (mod M) while that slot is taken; stop when all M
 * slots are filled.
 * Lookup: slot H_K1(port + addr) mod M (port = client source port with mh-port, else 0); the slot's
 * destination is used if it has weight > 0 and is not overloaded, else none - unless mh-fallback:
 * probe slots H_K1(((ihash + i) mod M) + port + addr) mod M for i = 0 .. M-1 (a fresh hash each)
 * and take the first usable destination; an empty slot stops the search.
 * Rebuilt on add, delete and edit; since weights come from last_weight, quiescing (weight 0) does
 * not change the table.
 */
package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.ServiceConfig;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;

import java.util.Arrays;

/**
 * The {@code mh} scheduler: Maglev consistent hashing of the client address (and optionally port)
 * into a prime-sized lookup table, populated entry for entry as the kernel does.
 *
 * <ul>
 *   <li><b>Thread safety:</b> the lifecycle callbacks (single writer) build a new immutable table
 *       and publish it through a volatile field; {@link #schedule} reads it once and neither
 *       allocates, locks nor logs.</li>
 *   <li><b>Weight 0:</b> the table is built from {@link RealServer#lastWeight()}, so a quiesced
 *       server keeps its slots (other clients are not remapped) but is never returned; its clients
 *       get none, or a fallback pick with mh-fallback. A server that never had a non-zero weight
 *       gets no slot.</li>
 *   <li><b>Overload:</b> an OVERLOAD (or deleted) server is never returned, like weight 0.</li>
 *   <li><b>Empty set:</b> an empty table; {@code null}. If no server ever had a non-zero weight the
 *       table stays empty too.</li>
 *   <li><b>Too many servers:</b> the kernel refuses to rebuild when there are more servers than
 *       slots; here the previous table is kept (and the new servers get no slot).</li>
 *   <li><b>Rebuild triggers:</b> {@link #init}, {@link #added}, {@link #removed} and
 *       {@link #updated}.</li>
 *   <li><b>Flags:</b> read from {@link Destinations#schedulerFlags()} at each pick:
 *       {@link ServiceConfig#SCHED_FLAG_1} = mh-fallback, {@link ServiceConfig#SCHED_FLAG_2} = mh-port.</li>
 * </ul>
 */
public final class MaglevHashing extends RebuildingScheduler {
    /** The table sizes the kernel offers, indexed by {@code CONFIG_IP_VS_MH_TAB_INDEX - 8}. */
    private static final int[] KERNEL_PRIMES = {251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071};
    /** The kernel's default table size (index 12). */
    public static final int DEFAULT_TABLE_SIZE = 4093;

    /** First hash key (offset, lookups): both 64-bit words 2654435761. */
    static final long K1 = 2654435761L;
    /** Second hash key (skip): both 64-bit words 2654446892. */
    static final long K2 = 2654446892L;

    private final int size;
    private final int tabBits;
    private volatile RealServer[] lookup;

    /** An mh scheduler with the kernel's default 4093-slot table. */
    public MaglevHashing() {
        this(DEFAULT_TABLE_SIZE);
    }

    /**
     * @param tableSize one of the kernel's primes 251, 509, 1021, 2039, 4093, 8191, 16381, 32749,
     *     65521, 131071
     * @throws IllegalArgumentException for any other size
     */
    public MaglevHashing(int tableSize) {
        int index = Arrays.binarySearch(KERNEL_PRIMES, tableSize);
        if (index < 0) {
            throw new IllegalArgumentException("mh table size must be one of " + Arrays.toString(KERNEL_PRIMES)
                    + ", got " + tableSize);
        }
        this.size = tableSize;
        this.tabBits = (index + 8) / 2;
        this.lookup = new RealServer[tableSize];
    }

    /** @return the table sizes the kernel supports, ascending */
    public static int[] kernelTableSizes() {
        return KERNEL_PRIMES.clone();
    }

    /** @return the number of lookup slots M */
    public int tableSize() {
        return size;
    }

    /** {@code H_K1(x) mod M}, the offset of a destination key and the lookup slot of a client key. */
    static int offset(int key, int m) {
        return Integer.remainderUnsigned(KernelHash.hsiphash32(key, K1, K1), m);
    }

    /** {@code H_K2(x) mod (M - 1) + 1}, a destination's skip. */
    static int skip(int key, int m) {
        return Integer.remainderUnsigned(KernelHash.hsiphash32(key, K2, K2), m - 1) + 1;
    }

    /** @return the per-destination turns from last_weight, as the kernel computes them */
    static int[] turns(Destinations destinations, int tabBits) {
        int n = destinations.size();
        int g = 0;
        int max = 0;
        int[] lw = new int[n];
        for (int i = 0; i < n; i++) {
            int w = destinations.get(i).lastWeight();
            lw[i] = w;
            if (w > 0) {
                g = g == 0 ? w : KernelHash.gcd(w, g);
                max = Math.max(max, w);
            }
        }
        if (g == 0) {
            g = 1;
        }
        int shift = Math.max(0, (32 - Integer.numberOfLeadingZeros(max / g)) - tabBits);
        int[] turns = new int[n];
        for (int i = 0; i < n; i++) {
            int t = (lw[i] / g) >> shift;
            turns[i] = t != 0 ? t : (lw[i] != 0 ? 1 : 0);
        }
        return turns;
    }

    /**
     * Builds a lookup table for {@code destinations} by the kernel's population procedure (pure;
     * tests and benchmarks).
     *
     * @return the table, or {@code null} when there are more destinations than slots
     */
    static RealServer[] buildTable(Destinations destinations, int m, int tabBits) {
        int n = destinations.size();
        RealServer[] table = new RealServer[m];
        if (n > m) {
            return null;
        }
        if (n == 0) {
            return table;
        }
        int[] turns = turns(destinations, tabBits);
        int[] perm = new int[n];
        int[] skip = new int[n];
        long totalTurns = 0;
        for (int i = 0; i < n; i++) {
            RealServer rs = destinations.get(i);
            int key = KernelHash.foldedAddress(rs) + rs.address().getPort();
            perm[i] = offset(key, m);
            skip[i] = skip(key, m);
            totalTurns += turns[i];
        }
        if (totalTurns == 0) {
            return table; // nobody ever had a weight: nothing to place (the kernel would spin)
        }
        int filled = 0;
        while (true) {
            for (int i = 0; i < n; i++) {
                RealServer rs = destinations.get(i);
                int s = skip[i];
                for (int t = turns[i]; t > 0; t--) {
                    int c = perm[i];
                    while (table[c] != null) {
                        c += s;
                        if (c >= m) {
                            c -= m;
                        }
                    }
                    perm[i] = c;
                    table[c] = rs;
                    if (++filled == m) {
                        return table;
                    }
                }
            }
        }
    }

    @Override
    void rebuild(Destinations destinations) {
        RealServer[] next = buildTable(destinations, size, tabBits);
        if (next != null) {
            lookup = next;
        }
    }


    @Override
    public void done() {
        lookup = new RealServer[size];
    }

    /** @return the destination in slot {@code index} of the current table (tests) */
    RealServer slot(int index) {
        return lookup[index];
    }

    @Override
    public RealServer schedule(Destinations destinations, ScheduleRequest request) {
        RealServer[] table = lookup;
        int m = table.length;
        int flags = destinations.schedulerFlags();
        int key = ((flags & ServiceConfig.SCHED_FLAG_2) != 0 ? request.clientPort() : 0) + request.clientAddress();
        int ihash = offset(key, m);
        RealServer rs = table[ihash];
        if (rs != null && rs.isSchedulable()) {
            return rs;
        }
        if ((flags & ServiceConfig.SCHED_FLAG_1) == 0 || rs == null) {
            return null;
        }
        for (int i = 0; i < m; i++) {
            int roffset = ihash + i;
            if (roffset >= m) {
                roffset -= m;
            }
            RealServer probe = table[offset(roffset + key, m)];
            if (probe == null) {
                return null;
            }
            if (probe.isSchedulable()) {
                return probe;
            }
        }
        return null;
    }

    /** Makes {@code mh} schedulers with a table of 4093 slots, or the size given. */
    public static final class Provider implements SchedulerProvider {
        private final int tableSize;

        /** The kernel default, 4093 slots. */
        public Provider() {
            this(DEFAULT_TABLE_SIZE);
        }

        /** @param tableSize one of the kernel's primes (see {@link MaglevHashing#kernelTableSizes()}) */
        public Provider(int tableSize) {
            new MaglevHashing(tableSize); // validate now
            this.tableSize = tableSize;
        }

        @Override
        public String name() {
            return "mh";
        }

        @Override
        public String description() {
            return "Maglev hashing";
        }

        @Override
        public Scheduler create(SchedulerContext context) {
            return new MaglevHashing(tableSize);
        }
    }
}
