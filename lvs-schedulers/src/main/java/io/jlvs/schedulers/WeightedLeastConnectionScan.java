/*
 * The wlc pick that lblc and lblcr fall back to (kernel: __ip_vs_lblc_schedule in ip_vs_lblc.c and
 * __ip_vs_lblcr_schedule in ip_vs_lblcr.c, both the wlc rule of ip_vs_wlc.c): scan the list in list
 * order, skip OVERLOAD and weight-0 servers, and keep the server with the least
 * overhead / weight, where overhead = active * 256 + inactive; B replaces the best A only when
 * overhead(A) * weight(B) > overhead(B) * weight(A) (64-bit, strictly greater: ties keep the
 * earlier server). Also the "overloaded" test both locality schedulers use on a cached server.
 */
package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;

/** A plain O(n) weighted-least-connection scan and the lblc overload test. Stateless; allocation-free. */
final class WeightedLeastConnectionScan {
    private WeightedLeastConnectionScan() {
    }

    /** @return the weighted least-connection server of {@code destinations}, or {@code null} */
    static RealServer pick(Destinations destinations) {
        RealServer least = null;
        long leastOverhead = 0;
        long leastWeight = 0;
        for (int i = 0, n = destinations.size(); i < n; i++) {
            RealServer rs = destinations.get(i);
            long w = rs.weight(); // read once: the writer may change it concurrently
            if (w <= 0 || rs.isOverloaded() || !rs.isAvailable()) {
                continue;
            }
            long overhead = rs.connectionOverhead();
            if (least == null || leastOverhead * w > overhead * leastWeight) {
                least = rs;
                leastOverhead = overhead;
                leastWeight = w;
            }
        }
        return least;
    }

    /**
     * The locality schedulers' "overloaded": {@code server} has more active connections than its
     * weight while some server of the service is below half its weight in active connections.
     */
    static boolean isOverloaded(RealServer server, Destinations destinations) {
        if (server.activeConnections() <= server.weight()) {
            return false;
        }
        for (int i = 0, n = destinations.size(); i < n; i++) {
            RealServer m = destinations.get(i);
            if ((long) m.activeConnections() * 2 < m.weight()) {
                return true;
            }
        }
        return false;
    }
}
