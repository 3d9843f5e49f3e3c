package io.jlvs.schedulers;

import io.jlvs.core.RealServer;
import io.jlvs.core.RealServerConfig;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.Scheduler;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** Named detached real servers and pick-sequence helpers for scheduler tests. */
final class Fixture {
    private final Map<RealServer, String> names = new IdentityHashMap<>();
    private int next = 1;
    final ScheduleRequest request = new ScheduleRequest();

    RealServer rs(String name, int weight) {
        int i = next++;
        RealServer rs = RealServer.detached(RealServerConfig.builder(
                new InetSocketAddress("10.0." + (i >> 8) + "." + (i & 0xFF), 80)).weight(weight).build());
        names.put(rs, name);
        return rs;
    }

    String name(RealServer rs) {
        return rs == null ? "-" : names.getOrDefault(rs, rs.toString());
    }

    /** @return {@code servers} as a list in the given order (index 0 = head) */
    static Destinations list(RealServer... servers) {
        return Destinations.of(0, servers);
    }

    /** Picks {@code count} times; with {@code accumulate}, each pick adds an active connection. */
    String run(Scheduler s, Destinations d, int count, boolean accumulate) {
        List<String> out = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            RealServer rs = s.schedule(d, request);
            out.add(name(rs));
            if (accumulate && rs != null) {
                addActive(s, rs, 1);
            }
        }
        return String.join(" ", out);
    }

    static void addActive(Scheduler s, RealServer rs, int delta) {
        rs.setLoad(rs.activeConnections() + delta, rs.inactiveConnections(), rs.isOverloaded());
        s.loadChanged(rs);
    }

    static void setLoad(Scheduler s, RealServer rs, int active, int inactive, boolean overloaded) {
        rs.setLoad(active, inactive, overloaded);
        s.loadChanged(rs);
    }
}
