/*
 * The "overloaded" test lblc and lblcr apply to a cached server (kernel: is_overloaded in
 * ip_vs_lblc.c and ip_vs_lblcr.c). Their fallback pick is the wlc rule, served by the indexed
 * WeightedLeastConnection scheduler.
 */
package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;

/** The locality schedulers' overload test. Stateless; allocation-free. */
final class LocalityOverload {
    private LocalityOverload() {
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
