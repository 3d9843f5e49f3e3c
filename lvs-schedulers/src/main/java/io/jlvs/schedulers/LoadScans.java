package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.Scheduler;

/*
 * The kernel's linear scans for the least-connection family, written as plainly as the rules in
 * reference/ipvs.md §3.4-3.9: one pass in list order (newest first), strict comparisons, so ties
 * keep the earlier destination. They are the small-list path of each scheduler and the reference
 * the indexed path is tested and benchmarked against.
 */

/**
 * Plain O(n) scans of the kernel rules for lc, wlc, sed, nq, fo and ovf — what the kernel does on
 * every new connection. Stateless, allocation-free and thread-safe. Public as the reference for
 * benchmarks and tests ({@link #linearScan(String)}); the schedulers use the same scans for short
 * lists.
 */
public final class LoadScans {
    private LoadScans() {
    }

    /**
     * A scheduler that always runs the plain scan of {@code name}'s rule (no index): the kernel's
     * cost model, for comparison.
     *
     * @return the scanning scheduler, or {@code null} when {@code name} is not of the lc family
     */
    public static Scheduler linearScan(String name) {
        return switch (name) {
            case "lc" -> (d, r) -> leastConnection(d);
            case "wlc" -> (d, r) -> weightedLeastConnection(d);
            case "sed" -> (d, r) -> shortestExpectedDelay(d);
            case "nq" -> (d, r) -> neverQueue(d);
            case "fo" -> (d, r) -> weightedFailover(d);
            case "ovf" -> (d, r) -> weightedOverflow(d);
            default -> null;
        };
    }

    /**
     * Like {@link #linearScan(String)}, and also {@code twos} as the kernel's two-pass walk drawing
     * from {@code random}.
     */
    public static Scheduler linearScan(String name, java.util.random.RandomGenerator random) {
        return name.equals("twos") ? new WeightedTwoChoices(random, Integer.MAX_VALUE) : linearScan(name);
    }

    /** @return true when a scheduler may pick {@code rs}: weight &gt; 0, not OVERLOAD, still linked */
    public static boolean usable(RealServer rs) {
        return rs.weight() > 0 && !rs.isOverloaded() && rs.isAvailable();
    }

    /** lc: smallest {@code active*256 + inactive} among usable dests. */
    public static RealServer leastConnection(Destinations d) {
        RealServer least = null;
        long loh = 0;
        for (int i = 0, n = d.size(); i < n; i++) {
            RealServer rs = d.get(i);
            if (!usable(rs)) {
                continue;
            }
            long doh = rs.connectionOverhead();
            if (least == null || doh < loh) {
                least = rs;
                loh = doh;
            }
        }
        return least;
    }

    /** wlc: smallest overhead/weight, by {@code oh(best)*w(d) > oh(d)*w(best)}. */
    public static RealServer weightedLeastConnection(Destinations d) {
        RealServer least = null;
        long loh = 0;
        long lw = 0;
        for (int i = 0, n = d.size(); i < n; i++) {
            RealServer rs = d.get(i);
            int w = rs.weight();
            if (w <= 0 || rs.isOverloaded() || !rs.isAvailable()) {
                continue;
            }
            long doh = rs.connectionOverhead();
            if (least == null || loh * w > doh * lw) {
                least = rs;
                loh = doh;
                lw = w;
            }
        }
        return least;
    }

    /** sed: smallest (active+1)/weight. */
    public static RealServer shortestExpectedDelay(Destinations d) {
        RealServer least = null;
        long loh = 0;
        long lw = 0;
        for (int i = 0, n = d.size(); i < n; i++) {
            RealServer rs = d.get(i);
            int w = rs.weight();
            if (w <= 0 || rs.isOverloaded() || !rs.isAvailable()) {
                continue;
            }
            long doh = rs.activeConnections() + 1L;
            if (least == null || loh * w > doh * lw) {
                least = rs;
                loh = doh;
                lw = w;
            }
        }
        return least;
    }

    /** nq: the first usable idle dest (active == 0), else the sed choice. */
    public static RealServer neverQueue(Destinations d) {
        RealServer least = null;
        long loh = 0;
        long lw = 0;
        for (int i = 0, n = d.size(); i < n; i++) {
            RealServer rs = d.get(i);
            int w = rs.weight();
            if (w <= 0 || rs.isOverloaded() || !rs.isAvailable()) {
                continue;
            }
            int active = rs.activeConnections();
            if (active == 0) {
                return rs;
            }
            long doh = active + 1L;
            if (least == null || loh * w > doh * lw) {
                least = rs;
                loh = doh;
                lw = w;
            }
        }
        return least;
    }

    /** fo: the highest weight among usable dests. */
    public static RealServer weightedFailover(Destinations d) {
        RealServer best = null;
        int hw = 0;
        for (int i = 0, n = d.size(); i < n; i++) {
            RealServer rs = d.get(i);
            int w = rs.weight();
            if (!rs.isOverloaded() && rs.isAvailable() && w > hw) {
                best = rs;
                hw = w;
            }
        }
        return best;
    }

    /** ovf: the highest weight among usable dests with {@code active <= weight}. */
    public static RealServer weightedOverflow(Destinations d) {
        RealServer best = null;
        int hw = 0;
        for (int i = 0, n = d.size(); i < n; i++) {
            RealServer rs = d.get(i);
            int w = rs.weight();
            if (w == 0 || rs.isOverloaded() || !rs.isAvailable() || rs.activeConnections() > w) {
                continue;
            }
            if (best == null || w > hw) {
                best = rs;
                hw = w;
            }
        }
        return best;
    }
}
