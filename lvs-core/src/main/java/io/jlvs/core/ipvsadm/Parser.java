package io.jlvs.core.ipvsadm;

import io.jlvs.core.ForwardingMethod;
import io.jlvs.core.IpvsadmException;
import io.jlvs.core.Protocol;
import io.jlvs.core.ServiceConfig;
import io.jlvs.core.TunnelChecksum;
import io.jlvs.core.TunnelType;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * ipvsadm's command line, popt style: short options (bundled, {@code -Lnc}), long options with
 * {@code =value} or a separate value, {@code -p} with an optional value, positional values for
 * {@code --set}. Checks the command×option legality matrix with ipvsadm's messages. Produces a
 * {@link Parsed} that {@link Ipvsadm} turns into director calls.
 */
final class Parser {

    /** The commands, in ipvsadm's order; the label is what error messages print. */
    enum Cmd {
        ADD("add-service"), EDIT("edit-service"), DEL("delete-service"), FLUSH("flush"), LIST("list"),
        ADDDEST("add-server"), DELDEST("delete-server"), EDITDEST("edit-server"), TIMEOUT("set"),
        STARTDAEMON("start-daemon"), STOPDAEMON("stop-daemon"), RESTORE("restore"), SAVE("save"), ZERO("zero"),
        HELP("help"), VERSION("version");

        final String label;

        Cmd(String label) {
            this.label = label;
        }
    }

    /** The options, in ipvsadm's order (which decides which error is reported first). */
    enum Opt {
        NUMERIC("numeric"), CONNECTION("connection"), SERVICE("service-address"), SCHEDULER("scheduler"),
        PERSISTENT("persistent"), NETMASK("netmask"), SERVER("real-server"), FORWARD("forwarding-method"),
        WEIGHT("weight"), UTHRESHOLD("u-threshold"), LTHRESHOLD("l-threshold"), MCAST("mcast-interface"),
        TIMEOUT("timeout"), DAEMON("daemon"), STATS("stats"), RATE("rate"), THRESHOLDS("thresholds"),
        PERSISTENTCONN("persistent-conn"), NOSORT("nosort"), SYNCID("syncid"), EXACT("exact"), ONEPACKET("ops"),
        PE("pe"), SCHED_FLAGS("sched-flags"), MCAST_GROUP("mcast-group"), MCAST_PORT("mcast-port"),
        MCAST_TTL("mcast-ttl"), SYNC_MAXLEN("sync-maxlen"), TUN_INFO("tun-info"), TUN_TYPE("tun-type"),
        TUN_PORT("tun-port"), TUN_NOCSUM("tun-nocsum"), TUN_CSUM("tun-csum"), TUN_REMCSUM("tun-remcsum");

        final String label;

        Opt(String label) {
            this.label = label;
        }
    }

    private static final Set<Opt> TUNNEL_OPTS = EnumSet.of(Opt.TUN_TYPE, Opt.TUN_PORT, Opt.TUN_NOCSUM, Opt.TUN_CSUM,
            Opt.TUN_REMCSUM);
    private static final Set<Opt> DAEMON_OPTS = EnumSet.of(Opt.MCAST, Opt.SYNCID, Opt.MCAST_GROUP, Opt.MCAST_PORT,
            Opt.MCAST_TTL, Opt.SYNC_MAXLEN);

    /** What each command allows (' '), requires ('+') or allows once among a group ('1'); the rest is illegal. */
    private static char legality(Cmd cmd, Opt opt) {
        switch (cmd) {
            case ADD, EDIT:
                if (opt == Opt.SERVICE) {
                    return '+';
                }
                return EnumSet.of(Opt.SCHEDULER, Opt.PERSISTENT, Opt.NETMASK, Opt.ONEPACKET, Opt.PE, Opt.SCHED_FLAGS)
                        .contains(opt) ? ' ' : 'x';
            case DEL:
                return opt == Opt.SERVICE ? '+' : 'x';
            case ADDDEST, EDITDEST:
                if (opt == Opt.SERVICE || opt == Opt.SERVER) {
                    return '+';
                }
                return EnumSet.of(Opt.FORWARD, Opt.WEIGHT, Opt.UTHRESHOLD, Opt.LTHRESHOLD).contains(opt)
                        || TUNNEL_OPTS.contains(opt) ? ' ' : 'x';
            case DELDEST:
                return opt == Opt.SERVICE || opt == Opt.SERVER ? '+' : 'x';
            case LIST:
                if (EnumSet.of(Opt.CONNECTION, Opt.SERVICE, Opt.TIMEOUT, Opt.DAEMON).contains(opt)) {
                    return '1';
                }
                return EnumSet.of(Opt.NUMERIC, Opt.STATS, Opt.RATE, Opt.THRESHOLDS, Opt.PERSISTENTCONN, Opt.NOSORT,
                        Opt.EXACT, Opt.TUN_INFO).contains(opt) ? ' ' : 'x';
            case SAVE:
                return opt == Opt.NUMERIC ? ' ' : 'x';
            case ZERO:
                return opt == Opt.SERVICE ? ' ' : 'x';
            case STARTDAEMON:
                return DAEMON_OPTS.contains(opt) ? ' ' : 'x';
            case STOPDAEMON:
                return opt == Opt.MCAST || opt == Opt.SYNCID ? ' ' : 'x';
            default:
                return 'x';
        }
    }

    /** The result of parsing one command line. */
    static final class Parsed {
        Cmd cmd;
        final EnumSet<Opt> options = EnumSet.noneOf(Opt.class);
        // virtual service
        Protocol protocol;
        InetAddress vaddr;
        int vport;
        long fwmark;
        boolean ipv6Fwmark;
        // service parameters
        String scheduler;
        int persistence;
        String netmaskText;
        String pe;
        String schedFlagsText;
        // real server
        InetAddress raddr;
        int rport;
        boolean rportGiven;
        String rtext;
        ForwardingMethod method;
        int weight = 1;
        int uthreshold;
        int lthreshold;
        TunnelType tunType;
        int tunPort;
        TunnelChecksum tunChecksum;
        // --set and daemons
        int[] timeouts;
        String daemonRole;

        boolean has(Opt o) {
            return options.contains(o);
        }
    }

    private enum Arg { NONE, REQUIRED, OPTIONAL }

    private record Spec(char shortName, String longName, Arg arg, Object target) {
    }

    private static final List<Spec> SPECS = List.of(
            new Spec('A', "add-service", Arg.NONE, Cmd.ADD),
            new Spec('E', "edit-service", Arg.NONE, Cmd.EDIT),
            new Spec('D', "delete-service", Arg.NONE, Cmd.DEL),
            new Spec('C', "clear", Arg.NONE, Cmd.FLUSH),
            new Spec('L', "list", Arg.NONE, Cmd.LIST),
            new Spec('l', null, Arg.NONE, Cmd.LIST),
            new Spec('a', "add-server", Arg.NONE, Cmd.ADDDEST),
            new Spec('d', "delete-server", Arg.NONE, Cmd.DELDEST),
            new Spec('e', "edit-server", Arg.NONE, Cmd.EDITDEST),
            new Spec('\0', "set", Arg.NONE, Cmd.TIMEOUT),
            new Spec('\0', "start-daemon", Arg.REQUIRED, Cmd.STARTDAEMON),
            new Spec('\0', "stop-daemon", Arg.REQUIRED, Cmd.STOPDAEMON),
            new Spec('R', "restore", Arg.NONE, Cmd.RESTORE),
            new Spec('S', "save", Arg.NONE, Cmd.SAVE),
            new Spec('Z', "zero", Arg.NONE, Cmd.ZERO),
            new Spec('h', "help", Arg.NONE, Cmd.HELP),
            new Spec('v', "version", Arg.NONE, Cmd.VERSION),
            new Spec('t', "tcp-service", Arg.REQUIRED, "t"),
            new Spec('u', "udp-service", Arg.REQUIRED, "u"),
            new Spec('\0', "sctp-service", Arg.REQUIRED, "sctp"),
            new Spec('f', "fwmark-service", Arg.REQUIRED, "f"),
            new Spec('s', "scheduler", Arg.REQUIRED, Opt.SCHEDULER),
            new Spec('p', "persistent", Arg.OPTIONAL, Opt.PERSISTENT),
            new Spec('M', "netmask", Arg.REQUIRED, Opt.NETMASK),
            new Spec('r', "real-server", Arg.REQUIRED, Opt.SERVER),
            new Spec('g', "gatewaying", Arg.NONE, ForwardingMethod.ROUTE),
            new Spec('i', "ipip", Arg.NONE, ForwardingMethod.TUNNEL),
            new Spec('m', "masquerading", Arg.NONE, ForwardingMethod.MASQ),
            new Spec('w', "weight", Arg.REQUIRED, Opt.WEIGHT),
            new Spec('x', "u-threshold", Arg.REQUIRED, Opt.UTHRESHOLD),
            new Spec('y', "l-threshold", Arg.REQUIRED, Opt.LTHRESHOLD),
            new Spec('6', "ipv6", Arg.NONE, "6"),
            new Spec('o', "ops", Arg.NONE, Opt.ONEPACKET),
            new Spec('\0', "pe", Arg.REQUIRED, Opt.PE),
            new Spec('b', "sched-flags", Arg.REQUIRED, Opt.SCHED_FLAGS),
            new Spec('n', "numeric", Arg.NONE, Opt.NUMERIC),
            new Spec('c', "connection", Arg.NONE, Opt.CONNECTION),
            new Spec('X', "exact", Arg.NONE, Opt.EXACT),
            new Spec('\0', "timeout", Arg.NONE, Opt.TIMEOUT),
            new Spec('\0', "daemon", Arg.NONE, Opt.DAEMON),
            new Spec('\0', "stats", Arg.NONE, Opt.STATS),
            new Spec('\0', "rate", Arg.NONE, Opt.RATE),
            new Spec('\0', "thresholds", Arg.NONE, Opt.THRESHOLDS),
            new Spec('\0', "persistent-conn", Arg.NONE, Opt.PERSISTENTCONN),
            new Spec('\0', "tun-info", Arg.NONE, Opt.TUN_INFO),
            new Spec('\0', "nosort", Arg.NONE, Opt.NOSORT),
            new Spec('\0', "sort", Arg.NONE, "sort"),
            new Spec('\0', "mcast-interface", Arg.REQUIRED, Opt.MCAST),
            new Spec('\0', "syncid", Arg.REQUIRED, Opt.SYNCID),
            new Spec('\0', "mcast-group", Arg.REQUIRED, Opt.MCAST_GROUP),
            new Spec('\0', "mcast-port", Arg.REQUIRED, Opt.MCAST_PORT),
            new Spec('\0', "mcast-ttl", Arg.REQUIRED, Opt.MCAST_TTL),
            new Spec('\0', "sync-maxlen", Arg.REQUIRED, Opt.SYNC_MAXLEN),
            new Spec('\0', "tun-type", Arg.REQUIRED, Opt.TUN_TYPE),
            new Spec('\0', "tun-port", Arg.REQUIRED, Opt.TUN_PORT),
            new Spec('\0', "tun-nocsum", Arg.NONE, Opt.TUN_NOCSUM),
            new Spec('\0', "tun-csum", Arg.NONE, Opt.TUN_CSUM),
            new Spec('\0', "tun-remcsum", Arg.NONE, Opt.TUN_REMCSUM));

    private final NameResolver resolver;
    private final Parsed p = new Parsed();
    private final List<String> positional = new ArrayList<>();

    private Parser(NameResolver resolver) {
        this.resolver = resolver;
    }

    /** Parses and checks one command line; throws {@link IpvsadmException} (exit 2) on any error. */
    static Parsed parse(NameResolver resolver, String... args) {
        return new Parser(resolver).run(args);
    }

    private static IpvsadmException fail(String message) {
        return IpvsadmException.parse(message);
    }

    private Parsed run(String[] args) {
        if (args.length == 0) {
            p.cmd = Cmd.LIST;
            return p;
        }
        boolean onlyPositional = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a == null) {
                throw fail("null argument");
            }
            if (onlyPositional || !a.startsWith("-") || a.equals("-")) {
                positional.add(a);
                continue;
            }
            if (a.equals("--")) {
                onlyPositional = true;
                continue;
            }
            if (a.startsWith("--")) {
                String name = a.substring(2);
                String value = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                Spec spec = byLong(name);
                if (spec == null) {
                    throw fail("--" + name + ": unknown option");
                }
                if (spec.arg == Arg.NONE && value != null) {
                    throw fail("--" + name + ": option does not take an argument");
                }
                if (spec.arg == Arg.REQUIRED && value == null) {
                    if (i + 1 >= args.length) {
                        throw fail("--" + name + ": missing argument");
                    }
                    value = args[++i];
                }
                if (spec.arg == Arg.OPTIONAL && value == null && i + 1 < args.length && !args[i + 1].startsWith("-")) {
                    value = args[++i];
                }
                if (apply(spec, value)) {
                    return p;
                }
                continue;
            }
            // a bundle of short options
            for (int k = 1; k < a.length(); k++) {
                char c = a.charAt(k);
                Spec spec = byShort(c);
                if (spec == null) {
                    throw fail("-" + c + ": unknown option");
                }
                String value = null;
                if (spec.arg != Arg.NONE) {
                    String rest = a.substring(k + 1);
                    if (!rest.isEmpty()) {
                        value = rest;
                    } else if (spec.arg == Arg.REQUIRED) {
                        if (i + 1 >= args.length) {
                            throw fail("-" + c + ": missing argument");
                        }
                        value = args[++i];
                    } else if (i + 1 < args.length && !args[i + 1].startsWith("-")) {
                        value = args[++i];
                    }
                    k = a.length();
                }
                if (apply(spec, value)) {
                    return p;
                }
            }
        }
        if (p.cmd == null) {
            throw fail("no command specified");
        }
        if (p.rtext != null) {
            Endpoint e = endpoint(p.rtext, p.protocol, "illegal real server address[:port] specified");
            p.raddr = e.address;
            p.rport = e.port;
            p.rportGiven = e.portGiven;
        }
        int next = 0;
        if (p.cmd == Cmd.TIMEOUT) {
            if (positional.size() < 3) {
                throw fail("--set option requires 3 timeout values");
            }
            p.timeouts = new int[3];
            for (int k = 0; k < 3; k++) {
                p.timeouts[k] = number(positional.get(k), 0, ServiceConfig.MAX_TIMEOUT, "illegal timeout value specified");
            }
            next = 3;
        }
        if (positional.size() > next) {
            throw fail("unexpected argument " + positional.get(next));
        }
        if (p.cmd == Cmd.LIST) {
            boolean connTimeoutDaemon = p.has(Opt.CONNECTION) || p.has(Opt.TIMEOUT) || p.has(Opt.DAEMON);
            boolean views = p.has(Opt.STATS) || p.has(Opt.RATE) || p.has(Opt.THRESHOLDS);
            if ((connTimeoutDaemon && views)
                    || ((p.has(Opt.TIMEOUT) || p.has(Opt.DAEMON)) && p.has(Opt.PERSISTENTCONN))) {
                throw fail("options conflicts in the list command");
            }
        }
        checkLegality();
        return p;
    }

    private void checkLegality() {
        Opt first = null;
        for (Opt o : Opt.values()) {
            char rule = legality(p.cmd, o);
            if (!p.has(o)) {
                if (rule == '+') {
                    throw fail("You need to supply the '" + o.label + "' option for the '" + p.cmd.label + "' command");
                }
            } else if (rule == 'x') {
                throw fail("Illegal '" + o.label + "' option with the '" + p.cmd.label + "' command");
            } else if (rule == '1') {
                if (first == null) {
                    first = o;
                } else {
                    throw fail("The option '" + o.label + "' conflicts with the '" + first.label + "' option in the '"
                            + p.cmd.label + "' command");
                }
            }
        }
    }

    private static Spec byLong(String name) {
        for (Spec s : SPECS) {
            if (name.equals(s.longName)) {
                return s;
            }
        }
        return null;
    }

    private static Spec byShort(char c) {
        if (c == '\0') {
            return null;
        }
        for (Spec s : SPECS) {
            if (s.shortName == c) {
                return s;
            }
        }
        return null;
    }

    private void option(Opt o) {
        if (!p.options.add(o)) {
            throw fail("multiple '" + o.label + "' options specified");
        }
    }

    /** @return true when parsing stops here ({@code -h}, {@code -v}) */
    private boolean apply(Spec spec, String value) {
        Object t = spec.target;
        if (t instanceof Cmd cmd) {
            if (cmd == Cmd.HELP || cmd == Cmd.VERSION) {
                p.cmd = cmd;
                return true;
            }
            if (p.cmd != null) {
                throw fail("multiple commands specified");
            }
            p.cmd = cmd;
            if (cmd == Cmd.STARTDAEMON || cmd == Cmd.STOPDAEMON) {
                if (!value.equals("master") && !value.equals("backup")) {
                    throw fail("illegal " + cmd.label + " parameter specified");
                }
                p.daemonRole = value;
            }
            return false;
        }
        if (t instanceof ForwardingMethod m) {
            option(Opt.FORWARD);
            p.method = m;
            return false;
        }
        if (t instanceof String s) {
            switch (s) {
                case "t", "u", "sctp" -> {
                    option(Opt.SERVICE);
                    p.protocol = s.equals("t") ? Protocol.TCP : s.equals("u") ? Protocol.UDP : Protocol.SCTP;
                    Endpoint e = endpoint(value, p.protocol, "illegal virtual server address[:port] specified");
                    p.vaddr = e.address;
                    p.vport = e.portGiven ? e.port : 0;
                }
                case "f" -> {
                    option(Opt.SERVICE);
                    p.fwmark = longNumber(value, 1, 0xFFFF_FFFFL, "illegal virtual server fwmark specified");
                    p.protocol = null;
                }
                case "6" -> {
                    if (p.fwmark == 0) {
                        throw fail("-6 used before -f");
                    }
                    p.ipv6Fwmark = true;
                }
                default -> {
                    // --sort: accepted for compatibility, does nothing
                }
            }
            return false;
        }
        Opt o = (Opt) t;
        option(o);
        switch (o) {
            case SCHEDULER -> p.scheduler = value.length() > 15 ? value.substring(0, 15) : value;
            case PERSISTENT -> p.persistence = value == null ? ServiceConfig.DEFAULT_PERSISTENCE_TIMEOUT
                    : number(value, 1, ServiceConfig.MAX_TIMEOUT, "illegal timeout for persistent service specified");
            case NETMASK -> p.netmaskText = value;
            case PE -> p.pe = value.length() > 15 ? value.substring(0, 15) : value;
            case SCHED_FLAGS -> p.schedFlagsText = value;
            case SERVER -> p.rtext = value;
            case WEIGHT -> p.weight = number(value, 0, 65535, "illegal weight specified");
            case UTHRESHOLD -> p.uthreshold = number(value, 0, Integer.MAX_VALUE, "illegal u_threshold specified");
            case LTHRESHOLD -> p.lthreshold = number(value, 0, Integer.MAX_VALUE, "illegal l_threshold specified");
            case TUN_TYPE -> p.tunType = switch (value) {
                case "ipip" -> TunnelType.IPIP;
                case "gue" -> TunnelType.GUE;
                case "gre" -> TunnelType.GRE;
                default -> throw fail("illegal tunnel type specified");
            };
            case TUN_PORT -> p.tunPort = number(value, 1, 65535, "illegal tunnel port specified");
            case TUN_NOCSUM, TUN_CSUM, TUN_REMCSUM -> {
                for (Opt other : List.of(Opt.TUN_NOCSUM, Opt.TUN_CSUM, Opt.TUN_REMCSUM)) {
                    if (other != o && p.has(other)) {
                        throw fail("The option '" + o.label + "' conflicts with the '" + other.label
                                + "' option" + (p.cmd != null ? " in the '" + p.cmd.label + "' command" : ""));
                    }
                }
                p.tunChecksum = o == Opt.TUN_NOCSUM ? TunnelChecksum.NOCSUM
                        : o == Opt.TUN_CSUM ? TunnelChecksum.CSUM : TunnelChecksum.REMCSUM;
            }
            case MCAST -> {
                if (value.isEmpty() || value.length() > 15) {
                    throw fail("illegal multicast interface name specified");
                }
            }
            case SYNCID -> number(value, 0, 255, "illegal syncid specified");
            case MCAST_GROUP -> {
                if (Addresses.parseIpv4(value) == null && Addresses.parseIpv6(value) == null) {
                    throw fail("illegal IPv4/IPv6 multicast group specified");
                }
            }
            case MCAST_PORT -> number(value, 1, 65535, "illegal multicast port specified");
            case MCAST_TTL -> number(value, 1, 255, "illegal multicast ttl specified");
            case SYNC_MAXLEN -> number(value, 1, 65507, "illegal sync-maxlen specified");
            default -> {
                // flags without a value: numeric, connection, views, exact, nosort, ops, timeout, daemon
            }
        }
        return false;
    }

    static int number(String s, int min, int max, String message) {
        return (int) longNumber(s, min, max, message);
    }

    static long longNumber(String s, long min, long max, String message) {
        if (s == null || s.isEmpty() || s.length() > 12) {
            throw fail(message);
        }
        long v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw fail(message);
            }
            v = v * 10 + (c - '0');
        }
        if (v < min || v > max) {
            throw fail(message);
        }
        return v;
    }

    record Endpoint(InetAddress address, int port, boolean portGiven) {
    }

    /** {@code host[:port]} or {@code [v6][:port]}; host names and service names are resolved. */
    Endpoint endpoint(String text, Protocol protocol, String message) {
        String host;
        String port = null;
        InetAddress addr;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw fail(message);
            }
            host = text.substring(1, close);
            String rest = text.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw fail(message);
                }
                port = rest.substring(1);
            }
            addr = Addresses.parseIpv6(host);
        } else {
            int colon = text.indexOf(':');
            if (colon >= 0) {
                if (text.indexOf(':', colon + 1) >= 0) {
                    throw fail(message);
                }
                host = text.substring(0, colon);
                port = text.substring(colon + 1);
            } else {
                host = text;
            }
            addr = Addresses.parseIpv4(host);
            if (addr == null && isHostName(host)) {
                addr = resolver.hostToAddress(host);
            }
        }
        if (addr == null) {
            throw fail(message);
        }
        if (port == null) {
            return new Endpoint(addr, 0, false);
        }
        return new Endpoint(addr, port(port, protocol, message), true);
    }

    private int port(String s, Protocol protocol, String message) {
        if (s.isEmpty()) {
            throw fail(message);
        }
        if (Character.isDigit(s.charAt(0))) {
            return number(s, 0, 65535, message);
        }
        String proto = protocol == null ? "tcp" : protocol.name().toLowerCase(Locale.ROOT);
        int v = isHostName(s) ? resolver.serviceToPort(s, proto) : -1;
        if (v < 0 || v > 65535) {
            throw fail(message);
        }
        return v;
    }

    private static boolean isHostName(String s) {
        if (s.isEmpty() || s.length() > 253) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                    || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
