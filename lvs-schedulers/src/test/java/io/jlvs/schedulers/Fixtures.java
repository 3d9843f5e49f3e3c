package io.jlvs.schedulers;

import io.jlvs.core.Protocol;
import io.jlvs.core.RealServer;
import io.jlvs.core.RealServerConfig;
import io.jlvs.core.ServiceKey;
import io.jlvs.core.Ticker;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.SchedulerContext;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.SplittableRandom;

/** Test helpers: detached real servers, addresses as host-order ints, requests. */
final class Fixtures {
    private Fixtures() {
    }

    static RealServer rs(String ip, int port, int weight) {
        return RealServer.detached(RealServerConfig.builder(new InetSocketAddress(inet(ip), port)).weight(weight).build());
    }

    /** An RS with address 10.x.y.z derived from {@code i}. */
    static RealServer rs(int i, int weight) {
        return rs("10." + ((i >>> 16) & 0xFF) + "." + ((i >>> 8) & 0xFF) + "." + (i & 0xFF), 80, weight);
    }

    static InetAddress inet(String ip) {
        try {
            return InetAddress.getByName(ip);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static int ip(String ip) {
        return ScheduleRequest.fold(inet(ip));
    }

    static ScheduleRequest client(String ip) {
        return client(ip(ip), 0);
    }

    static ScheduleRequest client(int addr, int port) {
        return new ScheduleRequest().setIpv4(Protocol.TCP, addr, port, ip("172.25.0.1"), 80);
    }

    static ScheduleRequest toDestination(int daddr) {
        return new ScheduleRequest().setIpv4(Protocol.TCP, ip("192.0.2.1"), 40000, daddr, 80);
    }

    /** Adds servers one by one like the director does (head insertion), calling {@code added}. */
    static Destinations addAll(io.jlvs.core.scheduler.Scheduler s, int flags, RealServer... inAddOrder) {
        Destinations d = Destinations.of(flags);
        s.init(d);
        for (RealServer r : inAddOrder) {
            d = d.withHead(r);
            s.added(d, r);
        }
        return d;
    }

    static SchedulerContext context(Ticker ticker) {
        return new SchedulerContext(ServiceKey.of(Protocol.TCP, inet("172.25.0.1"), 80), ticker, new SplittableRandom(1));
    }

    /** A manually advanced ticker. */
    static final class FakeTicker implements Ticker {
        volatile long now = 1_000_000_000L;

        @Override
        public long read() {
            return now;
        }

        void advanceSeconds(long s) {
            now += s * 1_000_000_000L;
        }
    }
}
