package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.Scheduler;

import java.util.IdentityHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/*
 * Shared machinery of lc, wlc, sed, nq, fo and ovf: the kernel scans every destination for each
 * new connection; on lists longer than INDEX_THRESHOLD we keep a tournament tree over list
 * positions instead, so a pick reads the root and a load change replays one leaf-to-root path.
 *
 * The tree's order is the kernel rule made total: an unusable destination loses to a usable one,
 * two usable ones compare by the rule (beats(later, earlier) is the kernel's "strictly better"
 * test), and a tie goes to the lower list index. A tournament over that order yields exactly the
 * destination the kernel's scan returns.
 */

/**
 * Base of the least-connection family. Subclasses give the rule ({@link #usable}, {@link #beats})
 * and the plain scan; this class chooses between the scan (short lists, or a list of another
 * generation than the index) and the tournament index.
 *
 * <h2>Index and concurrency</h2>
 * Internal node {@code k} of the tree holds, in one {@code long} of an {@link AtomicLongArray}, a
 * 32-bit stamp and the list position of the winner of its subtree; leaves are implicit (position
 * {@code p} is leaf {@code cap + p}). Comparisons read the live counters of the two candidates.
 * <ul>
 *   <li>{@link #schedule} reads the root (one volatile read) and re-checks that the winner is still
 *       usable; if not (a race, or nothing usable) it falls back to the exact scan. It never
 *       allocates or locks.</li>
 *   <li>{@link #loadChanged} finds the server's position in an identity map built with the index
 *       (no allocation) and refreshes each ancestor with the lock-free "double refresh": read the
 *       node, recompute it from its children, compare-and-set; if the CAS fails, do it once more.
 *       If both fail, another refresh that read the node after our first read — hence after our
 *       lower levels and our load change were visible — was installed, so it already reflects our
 *       change (the argument of Jayanti's f-arrays). The stamp rules out ABA. The walk stops early
 *       where our own CAS left a node's winner unchanged and that winner is not the changed server:
 *       nothing above can depend on the change. Concurrent updates
 *       of the same path therefore never lose an update: once counters are quiescent and every
 *       {@code loadChanged} call has returned, the root equals the scan's pick.</li>
 *   <li>Lifecycle callbacks build a fresh index for the new list, publish it through a volatile
 *       field, then refresh every node once more with the same protocol, so a load change that
 *       reached only the previous index while the new one was being built is not lost.</li>
 * </ul>
 */
abstract class LoadIndexedScheduler extends RebuildingScheduler {
    /** Lists up to this size are scanned: a scan of a few cache lines beats the tree. */
    static final int INDEX_THRESHOLD = 16;

    private volatile Index index;
    private final int threshold;

    LoadIndexedScheduler() {
        this(INDEX_THRESHOLD);
    }

    /** @param threshold lists longer than this are indexed (tests use 0 to index everything) */
    LoadIndexedScheduler(int threshold) {
        this.threshold = threshold;
    }

    /** @return true when the rule may pick {@code rs} at all (weight &gt; 0, not OVERLOAD, …) */
    abstract boolean usable(RealServer rs);

    /** @return true when usable {@code later} is strictly better than usable {@code earlier} */
    abstract boolean beats(RealServer later, RealServer earlier);

    /** @return the kernel's linear scan of the rule */
    abstract RealServer scan(Destinations destinations);


    @Override
    public final void done() {
        index = null;
    }

    @Override
    public final void loadChanged(RealServer server) {
        Index ix = index;
        if (ix != null) {
            ix.update(server);
        }
    }

    @Override
    public final RealServer schedule(Destinations destinations, ScheduleRequest request) {
        Index ix = index;
        if (ix != null && ix.list == destinations) {
            RealServer best = destinations.get(ix.root());
            if (usable(best)) {
                return best;
            }
        }
        return scan(destinations);
    }

    /** @return true when an index serves {@code destinations} (tests and benchmarks) */
    final boolean indexed(Destinations destinations) {
        Index ix = index;
        return ix != null && ix.list == destinations;
    }

    @Override
    void rebuild(Destinations destinations) {
        if (destinations.size() <= threshold) {
            index = null;
            return;
        }
        Index ix = new Index(destinations);
        index = ix;
        ix.refreshAll();
    }

    /** One generation of the tournament tree, for one list snapshot. */
    private final class Index {
        final Destinations list;
        final RealServer[] servers;
        final int n;
        final int cap;
        final AtomicLongArray tree;
        final IdentityHashMap<RealServer, Integer> positions;

        Index(Destinations list) {
            this.list = list;
            this.n = list.size();
            this.servers = list.asList().toArray(new RealServer[0]);
            int c = 2;
            while (c < n) {
                c <<= 1;
            }
            this.cap = c;
            this.tree = new AtomicLongArray(c);
            this.positions = new IdentityHashMap<>(n * 2);
            for (int i = 0; i < n; i++) {
                positions.putIfAbsent(servers[i], i);
            }
        }

        int root() {
            return (int) tree.get(1);
        }

        /** The winner (list position, -1 for padding) of node {@code k}; leaves are implicit. */
        private int winnerOf(int k) {
            if (k >= cap) {
                int p = k - cap;
                return p < n ? p : -1;
            }
            return (int) tree.get(k);
        }

        private int match(int i, int j) {
            if (j < 0) {
                return i;
            }
            if (i < 0) {
                return j;
            }
            RealServer later = servers[j];
            if (!usable(later)) {
                return i;
            }
            RealServer earlier = servers[i];
            return !usable(earlier) || beats(later, earlier) ? j : i;
        }

        /**
         * Refreshes node {@code k} by the double-refresh protocol.
         *
         * @param changed the list position whose load changed, or -1
         * @return true when the ancestors cannot depend on the change: our own CAS installed a
         *     winner equal to the previous one and it is not {@code changed} (the winner's load did
         *     not move, so no comparison above this node moves either)
         */
        private boolean refresh(int k, int changed) {
            for (int attempt = 0; attempt < 2; attempt++) {
                long old = tree.get(k);
                int w = match(winnerOf(2 * k), winnerOf(2 * k + 1));
                long next = ((old >>> 32) + 1) << 32 | (w & 0xFFFF_FFFFL);
                if (tree.compareAndSet(k, old, next)) {
                    return changed >= 0 && w != changed && w == (int) old;
                }
            }
            return false;
        }

        void update(RealServer server) {
            Integer p = positions.get(server);
            if (p == null) {
                return;
            }
            for (int k = (p + cap) >>> 1; k >= 1; k >>>= 1) {
                if (refresh(k, p)) {
                    return;
                }
            }
        }

        void refreshAll() {
            for (int k = cap - 1; k >= 1; k--) {
                refresh(k, -1);
            }
        }
    }
}
