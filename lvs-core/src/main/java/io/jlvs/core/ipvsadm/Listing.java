package io.jlvs.core.ipvsadm;

import io.jlvs.core.Connection;
import io.jlvs.core.Director;
import io.jlvs.core.ForwardingMethod;
import io.jlvs.core.Protocol;
import io.jlvs.core.RealServer;
import io.jlvs.core.RealServerConfig;
import io.jlvs.core.ServiceConfig;
import io.jlvs.core.ServiceKey;
import io.jlvs.core.Timeouts;
import io.jlvs.core.TunnelType;
import io.jlvs.core.VirtualService;
import io.jlvs.core.stats.RateSnapshot;
import io.jlvs.core.stats.StatsSnapshot;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The text ipvsadm 1.31 prints: the {@code -L} views, the connection table, {@code --timeout} and
 * the {@code -S} rule format, byte for byte (trailing blanks of left-justified last columns kept).
 */
final class Listing {
    static final String VERSION_LINE_PREFIX = "IP Virtual Server version 1.2.1 (size=";

    /** Which columns a service listing shows; the first set flag wins in this order. */
    enum View { STATS, RATE, THRESHOLDS, PERSISTENT_CONN, TUN_INFO, DEFAULT }

    private final NameResolver resolver;
    private final boolean numeric;

    Listing(NameResolver resolver, boolean numeric) {
        this.resolver = resolver;
        this.numeric = numeric;
    }

    // ------------------------------------------------------------------ helpers

    static String left(String s, int width) {
        if (s.length() >= width) {
            return s;
        }
        StringBuilder sb = new StringBuilder(width).append(s);
        while (sb.length() < width) {
            sb.append(' ');
        }
        return sb.toString();
    }

    static String right(String s, int width) {
        if (s.length() >= width) {
            return s;
        }
        StringBuilder sb = new StringBuilder(width);
        for (int i = s.length(); i < width; i++) {
            sb.append(' ');
        }
        return sb.append(s).toString();
    }

    /**
     * One counter column of {@code --stats}/{@code --rate}: a blank and the number, scaled with
     * K/M/G/T (powers of 1000, integer division) so that it fits 8 characters; {@code exact}
     * prints the number as is.
     */
    static String largeNumber(long n, boolean exact) {
        if (exact) {
            return " " + right(Long.toUnsignedString(n), 8);
        }
        if (Long.compareUnsigned(n, 100_000_000L) < 0) {
            return right(Long.toString(n), 9);
        }
        if (Long.compareUnsigned(n, 1_000_000_000L) < 0) {
            return right(Long.toUnsignedString(Long.divideUnsigned(n, 1000L)), 8) + "K";
        }
        if (Long.compareUnsigned(n, 100_000_000_000L) < 0) {
            return right(Long.toUnsignedString(Long.divideUnsigned(n, 1_000_000L)), 8) + "M";
        }
        if (Long.compareUnsigned(n, 100_000_000_000_000L) < 0) {
            return right(Long.toUnsignedString(Long.divideUnsigned(n, 1_000_000_000L)), 8) + "G";
        }
        return right(Long.toUnsignedString(Long.divideUnsigned(n, 1_000_000_000_000L)), 8) + "T";
    }

    /** A plain counter column: a blank and the number right-justified in 8. */
    static String plainNumber(long n) {
        return " " + right(Long.toUnsignedString(n), 8);
    }

    static String protocolName(Protocol p) {
        return p.name();
    }

    private static String protoLower(Protocol p) {
        return p == null ? "tcp" : p.name().toLowerCase(Locale.ROOT);
    }

    String host(InetAddress a) {
        if (!numeric) {
            String name = resolver.addressToHost(a);
            if (name != null) {
                return name;
            }
        }
        return Addresses.numeric(a);
    }

    String port(int port, Protocol protocol) {
        if (!numeric) {
            String name = resolver.portToService(port, protoLower(protocol));
            if (name != null) {
                return name;
            }
        }
        return Integer.toString(port);
    }

    /** {@code a.b.c.d:port} or {@code [v6]:port}, names resolved unless numeric. */
    String endpoint(InetAddress a, int port, Protocol protocol) {
        String h = host(a);
        if (Addresses.isIpv6(a)) {
            h = "[" + h + "]";
        }
        return h + ":" + port(port, protocol);
    }

    /** The {@code Prot LocalAddress:Port} column: {@code TCP  172.25.0.10:80}, {@code FWM  1 IPv6}. */
    String serviceName(ServiceKey k) {
        if (k.isFwmark()) {
            return "FWM  " + k.fwmark() + (k.isIpv6() ? " IPv6" : "");
        }
        String s = left(protocolName(k.protocol()), 4) + " " + endpoint(k.address(), k.port(), k.protocol());
        if (!k.isIpv6() && s.length() > 33) {
            s = s.substring(0, 33);
        }
        return s;
    }

    String serverName(ServiceKey k, InetSocketAddress a) {
        String s = endpoint(a.getAddress(), a.getPort(), k.protocol());
        if (!Addresses.isIpv6(a.getAddress()) && s.length() > 28) {
            s = s.substring(0, 28);
        }
        return s;
    }

    static String schedulerFlags(ServiceConfig c) {
        int f = c.schedulerFlags();
        String prefix = c.scheduler().equals("sh") || c.scheduler().equals("mh") ? c.scheduler() + "-" : null;
        List<String> names = new ArrayList<>();
        if ((f & ServiceConfig.SCHED_FLAG_1) != 0) {
            names.add(prefix != null ? prefix + "fallback" : "flag-1");
        }
        if ((f & ServiceConfig.SCHED_FLAG_2) != 0) {
            names.add(prefix != null ? prefix + "port" : "flag-2");
        }
        if ((f & ServiceConfig.SCHED_FLAG_3) != 0) {
            names.add("flag-3");
        }
        return String.join(",", names);
    }

    static String netmaskText(ServiceConfig c) {
        return c.key().isIpv6() ? Integer.toString(c.netmask()) : Addresses.dotted(c.netmask());
    }

    /** {@code TCP  172.25.0.10:80 wrr (flag-1) persistent 360 mask 255.255.255.0 pe sip ops}. */
    String serviceLine(VirtualService svc) {
        ServiceConfig c = svc.config();
        StringBuilder sb = new StringBuilder(serviceName(c.key())).append(' ').append(c.scheduler());
        if (c.schedulerFlags() != 0) {
            sb.append(" (").append(schedulerFlags(c)).append(')');
        }
        if (c.persistent()) {
            sb.append(" persistent ").append(c.persistenceTimeout());
            if (!c.hasDefaultNetmask()) {
                sb.append(" mask ").append(netmaskText(c));
            }
            if (c.persistenceEngine() != null) {
                sb.append(" pe ").append(c.persistenceEngine());
            }
        }
        if (c.onePacket()) {
            sb.append(" ops");
        }
        return sb.toString();
    }

    static String tunnelInfo(RealServerConfig c) {
        if (c.method() != ForwardingMethod.TUNNEL) {
            return "n/a";
        }
        return switch (c.tunnelType()) {
            case IPIP -> "ipip";
            case GUE -> "gue:" + c.tunnelPort() + ":" + c.tunnelChecksum().listing();
            case GRE -> "gre:" + c.tunnelChecksum().listing();
        };
    }

    // ------------------------------------------------------------------ sort order

    /** ipvsadm's service order: fwmark, family, protocol, address, port, each as a signed 32-bit difference. */
    static int compareServices(ServiceKey a, ServiceKey b) {
        int r = (int) a.fwmark() - (int) b.fwmark();
        if (r != 0) {
            return r;
        }
        r = (a.isIpv6() ? 10 : 2) - (b.isIpv6() ? 10 : 2);
        if (r != 0) {
            return r;
        }
        if (a.isFwmark()) {
            return 0;
        }
        r = a.protocol().number() - b.protocol().number();
        if (r != 0) {
            return r;
        }
        r = compareAddresses(a.address(), b.address());
        if (r != 0) {
            return r;
        }
        return a.port() - b.port();
    }

    static int compareServers(InetSocketAddress a, InetSocketAddress b) {
        boolean a6 = Addresses.isIpv6(a.getAddress());
        boolean b6 = Addresses.isIpv6(b.getAddress());
        int r = (a6 ? 10 : 2) - (b6 ? 10 : 2);
        if (r != 0) {
            return r;
        }
        r = compareAddresses(a.getAddress(), b.getAddress());
        if (r != 0) {
            return r;
        }
        return a.getPort() - b.getPort();
    }

    /** IPv4: {@code ntohl(a) - ntohl(b)} kept in a signed int (so 200.0.0.1 sorts before 10.0.0.1); IPv6: memcmp. */
    static int compareAddresses(InetAddress a, InetAddress b) {
        byte[] x = a.getAddress();
        byte[] y = b.getAddress();
        if (x.length == 4 && y.length == 4) {
            return Addresses.toInt(a) - Addresses.toInt(b);
        }
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int d = (x[i] & 0xff) - (y[i] & 0xff);
            if (d != 0) {
                return d;
            }
        }
        return x.length - y.length;
    }

    /**
     * A top-down merge sort like the C library's {@code qsort}: it never checks the comparator for
     * consistency, so the signed-difference quirk gives the same order as ipvsadm.
     */
    static <T> List<T> sort(List<T> in, Comparator<T> cmp) {
        List<T> list = new ArrayList<>(in);
        if (list.size() > 1) {
            @SuppressWarnings("unchecked")
            T[] a = (T[]) list.toArray();
            @SuppressWarnings("unchecked")
            T[] tmp = (T[]) new Object[a.length];
            mergeSort(a, tmp, 0, a.length, cmp);
            return List.of(a);
        }
        return list;
    }

    private static <T> void mergeSort(T[] a, T[] tmp, int from, int to, Comparator<T> cmp) {
        int n = to - from;
        if (n <= 1) {
            return;
        }
        int mid = from + n / 2;
        mergeSort(a, tmp, from, mid, cmp);
        mergeSort(a, tmp, mid, to, cmp);
        int i = from;
        int j = mid;
        int k = from;
        while (i < mid && j < to) {
            tmp[k++] = cmp.compare(a[i], a[j]) <= 0 ? a[i++] : a[j++];
        }
        while (i < mid) {
            tmp[k++] = a[i++];
        }
        while (j < to) {
            tmp[k++] = a[j++];
        }
        System.arraycopy(tmp, from, a, from, n);
    }

    static List<VirtualService> services(Director d, boolean nosort) {
        List<VirtualService> all = d.services();
        return nosort ? all : sort(all, (x, y) -> compareServices(x.key(), y.key()));
    }

    static List<RealServer> servers(VirtualService svc, boolean nosort) {
        List<RealServer> all = svc.realServers();
        return nosort ? all : sort(all, (x, y) -> compareServers(x.address(), y.address()));
    }

    // ------------------------------------------------------------------ -L views

    static String versionLine(Director d) {
        return VERSION_LINE_PREFIX + d.connectionTableSize() + ")\n";
    }

    static String header(View view) {
        String prot = left("Prot LocalAddress:Port", 33);
        return switch (view) {
            case STATS -> prot + " " + right("Conns", 8) + " " + right("InPkts", 8) + " " + right("OutPkts", 8) + " "
                    + right("InBytes", 8) + " " + right("OutBytes", 8) + "\n  -> RemoteAddress:Port\n";
            case RATE -> prot + " " + right("CPS", 8) + " " + right("InPPS", 8) + " " + right("OutPPS", 8) + " "
                    + right("InBPS", 8) + " " + right("OutBPS", 8) + "\n  -> RemoteAddress:Port\n";
            case THRESHOLDS -> prot + " " + left("Uthreshold", 10) + " " + left("Lthreshold", 10) + " "
                    + left("ActiveConn", 10) + " " + left("InActConn", 10) + "\n  -> RemoteAddress:Port\n";
            case PERSISTENT_CONN -> prot + " " + left("Weight", 9) + " " + left("PersistConn", 11) + " "
                    + left("ActiveConn", 10) + " " + left("InActConn", 10) + "\n  -> RemoteAddress:Port\n";
            case TUN_INFO -> "Prot LocalAddress:Port Scheduler Flags\n  -> " + left("RemoteAddress:Port", 28)
                    + " Forward TunnelInfo    Weight ActiveConn InActConn\n";
            case DEFAULT -> "Prot LocalAddress:Port Scheduler Flags\n  -> " + left("RemoteAddress:Port", 28)
                    + " Forward Weight ActiveConn InActConn\n";
        };
    }

    void service(StringBuilder out, VirtualService svc, View view, boolean exact, boolean nosort) {
        ServiceKey k = svc.key();
        switch (view) {
            case STATS -> out.append(left(serviceName(k), 33)).append(stats(svc.stats().snapshot(), exact)).append('\n');
            case RATE -> out.append(left(serviceName(k), 33)).append(rates(svc.stats().rates(), exact)).append('\n');
            default -> out.append(serviceLine(svc)).append('\n');
        }
        for (RealServer rs : servers(svc, nosort)) {
            out.append("  -> ").append(left(serverName(k, rs.address()), 28));
            switch (view) {
                case STATS -> out.append(stats(rs.stats().snapshot(), exact));
                case RATE -> out.append(serverRates(rs.stats().rates(), exact));
                case THRESHOLDS -> out.append(' ').append(left(Integer.toString(rs.config().upperThreshold()), 10))
                        .append(' ').append(left(Integer.toString(rs.config().lowerThreshold()), 10))
                        .append(' ').append(left(Integer.toString(rs.activeConnections()), 10))
                        .append(' ').append(left(Integer.toString(rs.inactiveConnections()), 10));
                case PERSISTENT_CONN -> out.append(' ').append(left(Integer.toString(rs.weight()), 9))
                        .append(' ').append(left(Integer.toString(rs.persistentConnections()), 11))
                        .append(' ').append(left(Integer.toString(rs.activeConnections()), 10))
                        .append(' ').append(left(Integer.toString(rs.inactiveConnections()), 10));
                case TUN_INFO -> out.append(' ').append(left(rs.method().displayName(), 7))
                        .append(' ').append(left(tunnelInfo(rs.config()), 13))
                        .append(' ').append(left(Integer.toString(rs.weight()), 6))
                        .append(' ').append(left(Integer.toString(rs.activeConnections()), 10))
                        .append(' ').append(left(Integer.toString(rs.inactiveConnections()), 10));
                case DEFAULT -> out.append(' ').append(left(rs.method().displayName(), 7))
                        .append(' ').append(left(Integer.toString(rs.weight()), 6))
                        .append(' ').append(left(Integer.toString(rs.activeConnections()), 10))
                        .append(' ').append(left(Integer.toString(rs.inactiveConnections()), 10));
            }
            out.append('\n');
        }
    }

    /** The five counters of {@code --stats}. */
    static String stats(StatsSnapshot s, boolean exact) {
        return largeNumber(s.connections(), exact) + largeNumber(s.inPackets(), exact)
                + largeNumber(s.outPackets(), exact) + largeNumber(s.inBytes(), exact) + largeNumber(s.outBytes(), exact);
    }

    /** The five rates of a service line of {@code --rate}. */
    static String rates(RateSnapshot r, boolean exact) {
        return largeNumber(r.cps(), exact) + largeNumber(r.inPps(), exact) + largeNumber(r.outPps(), exact)
                + largeNumber(r.inBps(), exact) + largeNumber(r.outBps(), exact);
    }

    /** A real-server line of {@code --rate}: CPS and PPS never scaled, BPS by the large-number rule. */
    static String serverRates(RateSnapshot r, boolean exact) {
        return plainNumber(r.cps()) + plainNumber(r.inPps()) + plainNumber(r.outPps())
                + largeNumber(r.inBps(), exact) + largeNumber(r.outBps(), exact);
    }

    String list(Director d, View view, boolean exact, boolean nosort) {
        StringBuilder out = new StringBuilder(versionLine(d)).append(header(view));
        for (VirtualService svc : services(d, nosort)) {
            service(out, svc, view, exact, nosort);
        }
        return out.toString();
    }

    String listOne(VirtualService svc, View view, boolean exact, boolean nosort) {
        StringBuilder out = new StringBuilder(header(view));
        service(out, svc, view, exact, nosort);
        return out.toString();
    }

    // ------------------------------------------------------------------ -c, --timeout

    static String expire(long remainingNanos) {
        long secs = Math.max(0, remainingNanos / 1_000_000_000L);
        long m = secs / 60;
        long s = secs % 60;
        return (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
    }

    String connections(Director d, boolean persistentConn) {
        StringBuilder out = new StringBuilder("IPVS connection entries\n");
        out.append("pro expire ").append(left("state", 11)).append(' ').append(left("source", 18)).append(' ')
                .append(left("virtual", 18)).append(' ');
        if (persistentConn) {
            out.append(left("destination", 18)).append(' ').append(left("pe name", 16)).append(' ').append("pe_data");
        } else {
            out.append("destination");
        }
        out.append('\n');
        long now = d.ticker().read();
        for (Connection c : d.connections()) {
            if (c.isExpired()) {
                continue;
            }
            Protocol p = c.protocol();
            out.append(left(c.protocolName(), 3)).append(' ').append(left(expire(c.remainingNanos(now)), 6)).append(' ')
                    .append(left(c.state().label(), 11)).append(' ')
                    .append(left(endpoint(c.client().getAddress(), c.client().getPort(), p), 18)).append(' ')
                    .append(left(endpoint(c.virtualAddress().getAddress(), c.virtualAddress().getPort(), p), 18))
                    .append(' ').append(endpoint(c.destination().getAddress(), c.destination().getPort(), p))
                    .append('\n');
        }
        return out.toString();
    }

    static String timeouts(Timeouts t) {
        return "Timeout (tcp tcpfin udp): " + t.tcp() + " " + t.tcpFin() + " " + t.udp() + "\n";
    }

    // ------------------------------------------------------------------ -S

    /** {@code -t 172.25.0.10:80}, {@code -f 1 -6}, names resolved unless numeric. */
    String serviceSpec(ServiceKey k) {
        if (k.isFwmark()) {
            return "-f " + k.fwmark() + (k.isIpv6() ? " -6" : "");
        }
        String opt = switch (k.protocol()) {
            case TCP -> "-t";
            case UDP -> "-u";
            case SCTP -> "--sctp-service";
        };
        return opt + " " + endpoint(k.address(), k.port(), k.protocol());
    }

    String saveService(ServiceConfig c, boolean lossless) {
        StringBuilder sb = new StringBuilder("-A ").append(serviceSpec(c.key())).append(" -s ").append(c.scheduler());
        if (c.persistent()) {
            sb.append(" -p ").append(c.persistenceTimeout());
        }
        if ((c.persistent() || lossless) && !c.hasDefaultNetmask()) {
            sb.append(" -M ").append(netmaskText(c));
        }
        if (c.persistenceEngine() != null) {
            sb.append(" --pe ").append(c.persistenceEngine());
        }
        if (c.onePacket()) {
            sb.append(" -o");
        }
        if (c.schedulerFlags() != 0) {
            sb.append(" -b ").append(schedulerFlags(c));
        }
        return sb.append('\n').toString();
    }

    String saveServer(ServiceKey k, RealServer rs, boolean lossless) {
        RealServerConfig c = rs.config();
        StringBuilder sb = new StringBuilder("-a ").append(serviceSpec(k)).append(" -r ")
                .append(endpoint(rs.address().getAddress(), rs.address().getPort(), k.protocol()))
                .append(' ').append(c.method().option()).append(" -w ").append(lossless ? c.weight() : rs.weight());
        if (c.method() == ForwardingMethod.TUNNEL) {
            sb.append(" --tun-type ").append(c.tunnelType().label());
            if (c.tunnelType() == TunnelType.GUE) {
                sb.append(" --tun-port ").append(c.tunnelPort());
            }
            if (c.tunnelType() != TunnelType.IPIP) {
                sb.append(' ').append(c.tunnelChecksum().option());
            }
        }
        if (lossless && (c.upperThreshold() != 0 || c.lowerThreshold() != 0)) {
            sb.append(" -x ").append(c.upperThreshold()).append(" -y ").append(c.lowerThreshold());
        }
        return sb.append('\n').toString();
    }

    String save(Director d) {
        StringBuilder out = new StringBuilder();
        for (VirtualService svc : services(d, false)) {
            out.append(saveService(svc.config(), false));
            for (RealServer rs : servers(svc, false)) {
                out.append(saveServer(svc.key(), rs, false));
            }
        }
        return out.toString();
    }

    /** Services in insertion order, real servers oldest first, so a restore rebuilds the same list order. */
    String export(Director d) {
        StringBuilder out = new StringBuilder();
        for (VirtualService svc : d.services()) {
            out.append(saveService(svc.config(), true));
            List<RealServer> rss = svc.realServers();
            for (int i = rss.size() - 1; i >= 0; i--) {
                out.append(saveServer(svc.key(), rss.get(i), true));
            }
        }
        return out.toString();
    }
}
