package io.jlvs.core.ipvsadm;

import io.jlvs.core.Director;
import io.jlvs.core.ForwardingMethod;
import io.jlvs.core.IpvsadmException;
import io.jlvs.core.RealServerConfig;
import io.jlvs.core.ServiceConfig;
import io.jlvs.core.ServiceKey;
import io.jlvs.core.Timeouts;
import io.jlvs.core.TunnelChecksum;
import io.jlvs.core.TunnelType;
import io.jlvs.core.VirtualService;
import io.jlvs.core.ipvsadm.Parser.Cmd;
import io.jlvs.core.ipvsadm.Parser.Opt;
import io.jlvs.core.ipvsadm.Parser.Parsed;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The ipvsadm 1.31 command language over an in-process {@link Director}: every command, option,
 * default, error message and listing format of the real tool (see {@code reference/ipvs.md} §1–§2).
 *
 * <pre>{@code
 * Ipvsadm.run(director, "-A -t 172.25.0.10:80 -s wrr");
 * Ipvsadm.run(director, "-a -t 172.25.0.10:80 -r 10.0.0.2:80 -m -w 5");
 * String table = Ipvsadm.run(director, "-Ln");
 * }</pre>
 *
 * <p>Each command is parsed completely (text → typed {@link ServiceConfig}/{@link RealServerConfig}
 * → one director call), so a rejected command changes nothing. Errors are {@link IpvsadmException}s
 * with ipvsadm's text and exit status (2 for option errors, 1 for what the kernel refuses).
 *
 * <p>Deliberate differences: {@code -R} cannot read standard input here — use
 * {@link #restore(Director, Reader)}; {@code --start-daemon}/{@code --stop-daemon} fail because
 * the sync daemon is not implemented, and {@code -L --daemon} prints nothing. {@code -d} takes the
 * real-server port as given (or the service port when omitted); only {@code -a}/{@code -e} force
 * it to the service port for {@code -g}/{@code -i}.
 */
public final class Ipvsadm {
    /** What {@code ipvsadm -v} prints (without the newline). */
    public static final String VERSION = "ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)";

    private Ipvsadm() {
    }

    /** Splits on blanks and tabs and runs the command; an empty line lists the table (like a bare {@code ipvsadm}). */
    public static String run(Director director, String commandLine) {
        return run(director, split(commandLine));
    }

    /** Runs one command with the system resolver and returns what ipvsadm prints on standard output. */
    public static String run(Director director, String... args) {
        return run(director, NameResolver.system(), args);
    }

    /**
     * Runs one command.
     *
     * @param resolver host, service and reverse lookups (for parsing and for listings without {@code -n})
     * @return what ipvsadm would print on standard output ("" for commands that print nothing)
     * @throws IpvsadmException ipvsadm's message and exit status; the director is unchanged
     */
    public static String run(Director director, NameResolver resolver, String... args) {
        Parsed p = Parser.parse(resolver, args);
        if (p.cmd == Cmd.RESTORE) {
            throw IpvsadmException.parse("-R reads rules from standard input, which a director has not got:"
                    + " use Ipvsadm.restore(director, reader)");
        }
        return execute(director, resolver, p);
    }

    /** @return the {@code -h} text */
    public static String usage() {
        return Usage.TEXT;
    }

    // ------------------------------------------------------------------ restore / export

    /**
     * The outcome of a {@link #restore}: the output of listing commands in the rules (usually
     * empty), the kernel errors that were reported while processing continued, and the exit status
     * ipvsadm would return (that of the last command: 0 or 1).
     *
     * @param output what the rules printed on standard output
     * @param errors every refused command, in order; the messages are ipvsadm's
     * @param exitStatus 0 when the last command succeeded, 1 when the kernel refused it
     */
    public record RestoreResult(String output, List<IpvsadmException> errors, int exitStatus) {
        public RestoreResult {
            errors = List.copyOf(errors);
        }

        /** @return the error messages as ipvsadm prints them on standard error, one per line */
        public String errorText() {
            StringBuilder sb = new StringBuilder();
            for (IpvsadmException e : errors) {
                sb.append(e.getMessage()).append('\n');
            }
            return sb.toString();
        }

        /** @return true when every command was accepted */
        public boolean ok() {
            return errors.isEmpty();
        }
    }

    /** Restores rules given as text; see {@link #restore(Director, NameResolver, Reader)}. */
    public static RestoreResult restore(Director director, String rules) {
        return restore(director, NameResolver.system(), new StringReader(rules));
    }

    /** Restores rules from a reader with the system resolver; see {@link #restore(Director, NameResolver, Reader)}. */
    public static RestoreResult restore(Director director, Reader rules) {
        return restore(director, NameResolver.system(), rules);
    }

    /**
     * {@code ipvsadm -R}: one command per line, blank/tab separated, every token {@code ipvsadm}
     * dropped, blank lines skipped. As in ipvsadm, a command the kernel refuses ({@code Service
     * already exists}, …; exit status 1) is collected in the result and processing continues,
     * while an option error (exit status 2) aborts the restore by throwing that
     * {@link IpvsadmException}; the lines before it stay applied.
     *
     * @throws IpvsadmException the first option error (exit status 2)
     */
    public static RestoreResult restore(Director director, NameResolver resolver, Reader rules) {
        StringBuilder out = new StringBuilder();
        List<IpvsadmException> errors = new ArrayList<>();
        int status = 0;
        BufferedReader in = rules instanceof BufferedReader b ? b : new BufferedReader(rules);
        try {
            String line;
            while ((line = in.readLine()) != null) {
                List<String> tokens = new ArrayList<>();
                for (String t : split(line)) {
                    if (!t.equals("ipvsadm")) {
                        tokens.add(t);
                    }
                }
                if (tokens.isEmpty()) {
                    continue;
                }
                Parsed p = Parser.parse(resolver, tokens.toArray(new String[0]));
                if (p.cmd == Cmd.RESTORE) {
                    throw IpvsadmException.parse("-R cannot be used inside restored rules");
                }
                try {
                    out.append(execute(director, resolver, p));
                    status = 0;
                } catch (IpvsadmException e) {
                    if (e.exitStatus() == IpvsadmException.PARSE_ERROR) {
                        throw e;
                    }
                    errors.add(e);
                    status = e.exitStatus();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new RestoreResult(out.toString(), errors, status);
    }

    /**
     * A lossless save: the {@code -S -n} lines plus what {@code -S} drops — {@code -x N -y N} on
     * real servers with thresholds and {@code -M} on non-persistent services — with services in
     * insertion order and real servers oldest first, so that {@link #restore} rebuilds the same
     * configuration and the same list order (which schedulers follow).
     */
    public static String export(Director director) {
        return new Listing(NameResolver.numericOnly(), true).export(director);
    }

    // ------------------------------------------------------------------ execution

    private static String[] split(String line) {
        String t = line.trim();
        return t.isEmpty() ? new String[0] : t.split("[ \t]+");
    }

    private static String execute(Director d, NameResolver resolver, Parsed p) {
        switch (p.cmd) {
            case HELP:
                return Usage.TEXT;
            case VERSION:
                return VERSION + "\n";
            case ADD:
                d.addService(serviceConfig(p));
                return "";
            case EDIT:
                d.editService(serviceConfig(p));
                return "";
            case DEL:
                d.deleteService(serviceKey(p));
                return "";
            case FLUSH:
                d.clear();
                return "";
            case ADDDEST:
                d.addRealServer(serviceKey(p), serverConfig(p));
                return "";
            case EDITDEST:
                d.editRealServer(serviceKey(p), serverConfig(p));
                return "";
            case DELDEST:
                d.deleteRealServer(serviceKey(p), serverAddress(p, false));
                return "";
            case ZERO:
                if (p.has(Opt.SERVICE)) {
                    d.zero(serviceKey(p));
                } else {
                    d.zero();
                }
                return "";
            case TIMEOUT:
                d.setTimeouts(new Timeouts(p.timeouts[0], p.timeouts[1], p.timeouts[2]));
                return "";
            case SAVE:
                return new Listing(resolver, p.has(Opt.NUMERIC)).save(d);
            case LIST:
                return list(d, resolver, p);
            case STARTDAEMON, STOPDAEMON:
                throw IpvsadmException.kernel("the connection synchronization daemon is not supported yet ("
                        + p.cmd.label + " " + p.daemonRole + ")");
            default:
                throw IpvsadmException.parse("unsupported command " + p.cmd.label);
        }
    }

    private static String list(Director d, NameResolver resolver, Parsed p) {
        Listing l = new Listing(resolver, p.has(Opt.NUMERIC));
        if (p.has(Opt.CONNECTION)) {
            return l.connections(d, p.has(Opt.PERSISTENTCONN));
        }
        if (p.has(Opt.TIMEOUT)) {
            return Listing.timeouts(d.timeouts());
        }
        if (p.has(Opt.DAEMON)) {
            return ""; // no sync daemon ever runs
        }
        Listing.View view = p.has(Opt.STATS) ? Listing.View.STATS
                : p.has(Opt.RATE) ? Listing.View.RATE
                : p.has(Opt.THRESHOLDS) ? Listing.View.THRESHOLDS
                : p.has(Opt.PERSISTENTCONN) ? Listing.View.PERSISTENT_CONN
                : p.has(Opt.TUN_INFO) ? Listing.View.TUN_INFO
                : Listing.View.DEFAULT;
        boolean exact = p.has(Opt.EXACT);
        boolean nosort = p.has(Opt.NOSORT);
        if (p.has(Opt.SERVICE)) {
            VirtualService svc = d.service(serviceKey(p)).orElseThrow(() -> IpvsadmException.kernel("No such service"));
            return l.listOne(svc, view, exact, nosort);
        }
        return l.list(d, view, exact, nosort);
    }

    private static ServiceKey serviceKey(Parsed p) {
        return p.fwmark != 0 ? ServiceKey.fwmark(p.fwmark, p.ipv6Fwmark) : ServiceKey.of(p.protocol, p.vaddr, p.vport);
    }

    private static ServiceConfig serviceConfig(Parsed p) {
        ServiceKey key = serviceKey(p);
        String scheduler = p.scheduler != null ? p.scheduler : ServiceConfig.DEFAULT_SCHEDULER;
        ServiceConfig.Builder b = ServiceConfig.builder(key).scheduler(scheduler);
        if (p.has(Opt.PERSISTENT)) {
            b.persistent(p.persistence);
        }
        if (p.netmaskText != null) {
            b.netmask(netmask(p.netmaskText, key.isIpv6()));
        }
        if (p.pe != null) {
            b.persistenceEngine(p.pe);
        }
        if (p.has(Opt.ONEPACKET)) {
            b.onePacket(true);
        }
        if (p.schedFlagsText != null) {
            b.schedulerFlags(schedulerFlags(p.schedFlagsText, scheduler));
        }
        return b.build();
    }

    private static int netmask(String text, boolean ipv6) {
        String message = "illegal virtual server persistent mask specified";
        if (ipv6) {
            return Parser.number(text, 1, 128, message);
        }
        java.net.InetAddress a = Addresses.parseIpv4(text);
        if (a == null) {
            throw IpvsadmException.parse(message);
        }
        return Addresses.toInt(a);
    }

    private static int schedulerFlags(String text, String scheduler) {
        int flags = 0;
        for (String f : text.split(",", -1)) {
            int bit;
            String needs = null;
            switch (f) {
                case "flag-1" -> bit = ServiceConfig.SCHED_FLAG_1;
                case "flag-2" -> bit = ServiceConfig.SCHED_FLAG_2;
                case "flag-3" -> bit = ServiceConfig.SCHED_FLAG_3;
                case "sh-fallback" -> { bit = ServiceConfig.SCHED_FLAG_1; needs = "sh"; }
                case "sh-port" -> { bit = ServiceConfig.SCHED_FLAG_2; needs = "sh"; }
                case "mh-fallback" -> { bit = ServiceConfig.SCHED_FLAG_1; needs = "mh"; }
                case "mh-port" -> { bit = ServiceConfig.SCHED_FLAG_2; needs = "mh"; }
                default -> throw IpvsadmException.parse("invalid scheduler flag '" + f + "'");
            }
            if (needs != null && !needs.equals(scheduler)) {
                throw IpvsadmException.parse("incompatible scheduler flag");
            }
            flags |= bit;
        }
        return flags;
    }

    private static InetSocketAddress serverAddress(Parsed p, boolean forcePort) {
        int port = p.rportGiven ? p.rport : p.vport;
        if (p.fwmark != 0 && !p.rportGiven) {
            port = 0;
        }
        if (forcePort && p.fwmark == 0) {
            port = p.vport;
        }
        return new InetSocketAddress(p.raddr, port);
    }

    private static RealServerConfig serverConfig(Parsed p) {
        ForwardingMethod method = p.method != null ? p.method : ForwardingMethod.ROUTE;
        boolean force = method == ForwardingMethod.ROUTE || method == ForwardingMethod.TUNNEL;
        RealServerConfig.Builder b = RealServerConfig.builder(serverAddress(p, force))
                .method(method).weight(p.weight).upperThreshold(p.uthreshold).lowerThreshold(p.lthreshold);
        boolean tunnelOptions = p.has(Opt.TUN_TYPE) || p.has(Opt.TUN_PORT) || p.tunChecksum != null;
        if (method == ForwardingMethod.TUNNEL) {
            b.tunnelType(p.tunType != null ? p.tunType : TunnelType.IPIP).tunnelPort(p.tunPort)
                    .tunnelChecksum(p.tunChecksum != null ? p.tunChecksum : TunnelChecksum.NOCSUM);
        } else if (tunnelOptions) {
            throw IpvsadmException.parse("Tunnel options conflict with forward method");
        }
        return b.build();
    }
}
