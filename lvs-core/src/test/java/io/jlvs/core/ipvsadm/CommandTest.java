package io.jlvs.core.ipvsadm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jlvs.core.Director;
import io.jlvs.core.ForwardingMethod;
import io.jlvs.core.IpvsadmException;
import io.jlvs.core.Protocol;
import io.jlvs.core.RealServer;
import io.jlvs.core.ServiceConfig;
import io.jlvs.core.ServiceKey;
import io.jlvs.core.VirtualService;

import java.io.StringReader;
import java.net.InetAddress;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Commands, defaults, the legality matrix, edit semantics, sorting, IPv6 and fwmark services. */
class CommandTest {
    private static final String HEAD = "IP Virtual Server version 1.2.1 (size=4096)\n"
            + "Prot LocalAddress:Port Scheduler Flags\n"
            + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n";

    private static IpvsadmException fails(Director d, String line) {
        return assertThrows(IpvsadmException.class, () -> d.ipvsadm(line));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "-A -D -t 1.2.3.4:80|multiple commands specified",
        "-L -C|multiple commands specified",
        "-L -w 3|Illegal 'weight' option with the 'list' command",
        "-d -t 1.2.3.4:80 -r 10.0.0.1 -m|Illegal 'forwarding-method' option with the 'delete-server' command",
        "-A -s rr|You need to supply the 'service-address' option for the 'add-service' command",
        "-a -t 1.2.3.4:80|You need to supply the 'real-server' option for the 'add-server' command",
        "-L -c -t 1.2.3.4:80|The option 'service-address' conflicts with the 'connection' option in the 'list' command",
        "-L --timeout --daemon|The option 'daemon' conflicts with the 'timeout' option in the 'list' command",
        "-L -c --stats|options conflicts in the list command",
        "-L --timeout --persistent-conn|options conflicts in the list command",
        "-L --daemon --rate|options conflicts in the list command",
        "--set 1 2|--set option requires 3 timeout values",
        "--set 1 2 3 4|unexpected argument 4",
        "-A -t 1.2.3.4|Zero port specified for non-persistent service",
        "-A -t 1.2.3.4:0 -s rr|Zero port specified for non-persistent service",
        "-A -t 1.2.3.4:53 -o|One-Packet Scheduling is only for UDP virtual services",
        "-A -t 1.2.3.4:80 -s rr -b sh-port|incompatible scheduler flag",
        "-A -t 1.2.3.4:80 -b mh-port|incompatible scheduler flag",
        "-A -6 -f 1|-6 used before -f",
        "-S -c|Illegal 'connection' option with the 'save' command",
        "-C -n|Illegal 'numeric' option with the 'flush' command",
        "-Z -r 1.2.3.4|Illegal 'real-server' option with the 'zero' command",
        "-A -t 1.2.3.4:80 -t 1.2.3.4:81|multiple 'service-address' options specified",
        "-a -t 1.2.3.4:80 -r 10.0.0.1 -m -g|multiple 'forwarding-method' options specified",
        "-A -t 1.2.3.4:99999|illegal virtual server address[:port] specified",
        "-A -t 1.2.3.4.5:80|illegal virtual server address[:port] specified",
        "-A -t [2001:db8::1:80|illegal virtual server address[:port] specified",
        "-A -f 0|illegal virtual server fwmark specified",
        "-A -f 4294967296|illegal virtual server fwmark specified",
        "-A -t 1.2.3.4:80 -p 0|illegal timeout for persistent service specified",
        "-A -t 1.2.3.4:80 -p 2678401|illegal timeout for persistent service specified",
        "-a -t 1.2.3.4:80 -r 10.0.0.1 -w 65536|illegal weight specified",
        "-a -t 1.2.3.4:80 -r 10.0.0.1 -x -1|illegal u_threshold specified",
        "-a -t 1.2.3.4:80 -r 10.0.0.1 -m --tun-type gue|Tunnel options conflict with forward method",
        "-a -t 1.2.3.4:80 -r 10.0.0.1 -i --tun-type foo|illegal tunnel type specified",
        "-L -q|-q: unknown option",
        "--frobnicate|--frobnicate: unknown option",
        "-A -t|-t: missing argument",
        "--list=3|--list: option does not take an argument",
        "-n|no command specified",
        "-L stray|unexpected argument stray",
        "--start-daemon primary|illegal start-daemon parameter specified",
    })
    void optionErrors(String line, String message) {
        Director d = TestDirectors.director();
        IpvsadmException e = fails(d, line);
        assertEquals(message, e.getMessage());
        assertEquals(IpvsadmException.PARSE_ERROR, e.exitStatus());
    }

    @Test
    void kernelErrors() {
        Director d = TestDirectors.director();
        d.ipvsadm("-A -t 1.2.3.4:80");
        assertEquals("Service already exists", fails(d, "-A -t 1.2.3.4:80").getMessage());
        assertEquals(1, fails(d, "-A -t 1.2.3.4:80").exitStatus());
        assertEquals("No such service", fails(d, "-E -t 1.2.3.4:81").getMessage());
        assertEquals("No such service", fails(d, "-D -t 1.2.3.4:81").getMessage());
        assertEquals("No such service", fails(d, "-L -t 1.2.3.4:81").getMessage());
        assertEquals("No such service", fails(d, "-Z -t 1.2.3.4:81").getMessage());
        assertEquals("Service not defined", fails(d, "-a -t 1.2.3.4:81 -r 10.0.0.1").getMessage());
        d.ipvsadm("-a -t 1.2.3.4:80 -r 10.0.0.1");
        assertEquals("Destination already exists", fails(d, "-a -t 1.2.3.4:80 -r 10.0.0.1:80").getMessage());
        assertEquals("No such destination", fails(d, "-d -t 1.2.3.4:80 -r 10.0.0.2").getMessage());
        assertTrue(fails(d, "-A -t 1.2.3.4:81 -s nosuch").getMessage()
                .startsWith("Scheduler or persistence engine not found"));
        assertTrue(fails(d, "--start-daemon master").getMessage().contains("not supported"));
        assertTrue(fails(d, "-R").getMessage().contains("Ipvsadm.restore"));
    }

    @Test
    void defaults() {
        Director d = TestDirectors.director();
        d.ipvsadm("-A -t 172.25.0.10:80");
        d.ipvsadm("-a -t 172.25.0.10:80 -r 10.0.0.2");
        d.ipvsadm("-a -t 172.25.0.10:80 -r 10.0.0.3:8080"); // -g forces the service port
        d.ipvsadm("-a -t 172.25.0.10:80 -r 10.0.0.4:8080 -m");
        d.ipvsadm("-a -t 172.25.0.10:80 -r 10.0.0.5:8080 -i");
        VirtualService svc = d.services().get(0);
        assertEquals("wlc", svc.config().scheduler());
        assertEquals(false, svc.config().persistent());
        assertEquals(HEAD
                + "TCP  172.25.0.10:80 wlc\n"
                + "  -> 10.0.0.2:80                  Route   1      0          0         \n"
                + "  -> 10.0.0.3:80                  Route   1      0          0         \n"
                + "  -> 10.0.0.4:8080                Masq    1      0          0         \n"
                + "  -> 10.0.0.5:80                  Tunnel  1      0          0         \n", d.ipvsadm("-Ln"));
        d.ipvsadm("-A -t 172.25.0.10:443 -p");
        assertEquals(360, d.service(ServiceKey.of(Protocol.TCP, addr("172.25.0.10"), 443)).orElseThrow()
                .config().persistenceTimeout());
        // -p takes an optional value; bundled and long forms
        d.ipvsadm("-A -t 172.25.0.10:444 -p600");
        d.ipvsadm("-A -t 172.25.0.10:445 --persistent=700 -s rr");
        d.ipvsadm("-A", "-t", "172.25.0.10:446", "--persistent", "800", "--scheduler=rr");
        String out = d.ipvsadm("-Ln");
        assertTrue(out.contains("TCP  172.25.0.10:443 wlc persistent 360\n"), out);
        assertTrue(out.contains("TCP  172.25.0.10:444 wlc persistent 600\n"), out);
        assertTrue(out.contains("TCP  172.25.0.10:445 rr persistent 700\n"), out);
        assertTrue(out.contains("TCP  172.25.0.10:446 rr persistent 800\n"), out);
    }

    @Test
    void fwmarkRealServerKeepsItsPort() {
        Director d = TestDirectors.director();
        d.ipvsadm("-A -f 10 -s rr");
        d.ipvsadm("-a -f 10 -r 10.0.0.2");
        d.ipvsadm("-a -f 10 -r 10.0.0.3:8080");
        assertEquals(HEAD
                + "FWM  10 rr\n"
                + "  -> 10.0.0.2:0                   Route   1      0          0         \n"
                + "  -> 10.0.0.3:8080                Route   1      0          0         \n", d.ipvsadm("-Ln"));
        d.ipvsadm("-d -f 10 -r 10.0.0.2");
        d.ipvsadm("-d -f 10 -r 10.0.0.3:8080");
        assertEquals(HEAD + "FWM  10 rr\n", d.ipvsadm("-Ln"));
    }

    @Test
    void editServiceResendsEverything() {
        Director d = TestDirectors.director();
        d.ipvsadm("-A -f 10 -s rr -M 255.255.255.0 -o");
        d.ipvsadm("-E -f 10 -p");
        assertEquals(HEAD + "FWM  10 wlc persistent 360\n", d.ipvsadm("-Ln"));
        d.ipvsadm("-E -f 10 -s sh -p 60 -M 255.255.0.0 -b sh-fallback");
        assertEquals(HEAD + "FWM  10 sh (sh-fallback) persistent 60 mask 255.255.0.0\n", d.ipvsadm("-Ln"));
        d.ipvsadm("-E -f 10");
        assertEquals(HEAD + "FWM  10 wlc\n", d.ipvsadm("-Ln"));
        ServiceConfig c = d.services().get(0).config();
        assertEquals(-1, c.netmask());
        assertEquals(0, c.schedulerFlags());
    }

    @Test
    void editServerResendsEverything() {
        Director d = TestDirectors.director();
        d.ipvsadm("-A -t 172.25.0.10:80 -s rr");
        d.ipvsadm("-a -t 172.25.0.10:80 -r 10.0.0.2:80 -m -w 5 -x 10 -y 5");
        d.ipvsadm("-e -t 172.25.0.10:80 -r 10.0.0.2:80");
        RealServer rs = d.services().get(0).realServers().get(0);
        assertEquals(ForwardingMethod.ROUTE, rs.method());
        assertEquals(1, rs.weight());
        assertEquals(0, rs.config().upperThreshold());
        assertEquals(0, rs.config().lowerThreshold());
    }

    @Test
    void sortQuirkAndNosort() {
        Director d = TestDirectors.director();
        d.ipvsadm("-A -t 10.0.0.1:80");
        d.ipvsadm("-A -t 200.0.0.1:80");
        d.ipvsadm("-A -u 10.0.0.1:80");
        d.ipvsadm("-A -f 5");
        d.ipvsadm("-A -t 10.0.0.1:22");
        d.ipvsadm("-a -t 10.0.0.1:80 -r 10.1.1.1 -m");
        d.ipvsadm("-a -t 10.0.0.1:80 -r 192.168.1.1 -m");
        d.ipvsadm("-a -t 10.0.0.1:80 -r 10.1.1.2 -m");
        d.ipvsadm("-a -t 10.0.0.1:80 -r 10.1.1.1:81 -m");
        String rs = "  -> %-28s Masq    1      0          0         \n";
        // 200.0.0.1 - 10.0.0.1 overflows a signed int: it sorts first
        assertEquals(HEAD
                + "TCP  200.0.0.1:80 wlc\n"
                + "TCP  10.0.0.1:22 wlc\n"
                + "TCP  10.0.0.1:80 wlc\n"
                // and 192.168.1.1 - 10.1.1.1 too
                + String.format(rs, "192.168.1.1:80") + String.format(rs, "10.1.1.1:80")
                + String.format(rs, "10.1.1.1:81") + String.format(rs, "10.1.1.2:80")
                + "UDP  10.0.0.1:80 wlc\n"
                + "FWM  5 wlc\n", d.ipvsadm("-Ln"));
        assertEquals(HEAD
                + "TCP  10.0.0.1:80 wlc\n"
                + String.format(rs, "10.1.1.1:81") + String.format(rs, "10.1.1.2:80")
                + String.format(rs, "192.168.1.1:80") + String.format(rs, "10.1.1.1:80")
                + "TCP  200.0.0.1:80 wlc\n"
                + "UDP  10.0.0.1:80 wlc\n"
                + "FWM  5 wlc\n"
                + "TCP  10.0.0.1:22 wlc\n", d.ipvsadm("-Ln --nosort"));
    }

    @Test
    void ipv6Services() {
        Director d = TestDirectors.director();
        d.ipvsadm("-A -t [2001:db8::80]:80 -s rr -p 300 -M 64");
        d.ipvsadm("-a -t [2001:db8::80]:80 -r [2001:db8:0:0:1:0:0:2]:8080 -m -w 2");
        d.ipvsadm("-a -t [2001:db8::80]:80 -r 10.0.0.9 -i");
        d.ipvsadm("-A -u [::1]:53 -s rr");
        assertEquals(HEAD
                + "TCP  [2001:db8::80]:80 rr persistent 300 mask 64\n"
                + "  -> 10.0.0.9:80                  Tunnel  1      0          0         \n"
                + "  -> [2001:db8::1:0:0:2]:8080     Masq    2      0          0         \n"
                + "UDP  [::1]:53 rr\n", d.ipvsadm("-Ln"));
        assertEquals("Different address family is allowed only for tunneling servers",
                fails(d, "-a -t [2001:db8::80]:80 -r 10.0.0.8 -m").getMessage());
        assertEquals("illegal virtual server persistent mask specified",
                fails(d, "-A -t [2001:db8::81]:80 -p -M 255.255.255.0").getMessage());
        d.ipvsadm("-D -t [2001:db8::80]:80");
        assertEquals(HEAD + "UDP  [::1]:53 rr\n", d.ipvsadm("-Ln"));
    }

    @Test
    void fwmarkIpv6() {
        Director d = TestDirectors.director();
        d.ipvsadm("-A -f 1 -6 -s rr");
        d.ipvsadm("-A -f 1 -s rr");
        d.ipvsadm("-a -f 1 -6 -r [2001:db8::5]:80 -m");
        assertEquals(HEAD + "FWM  1 rr\nFWM  1 IPv6 rr\n"
                + "  -> [2001:db8::5]:80             Masq    1      0          0         \n", d.ipvsadm("-Ln"));
        assertEquals("Prot LocalAddress:Port Scheduler Flags\n"
                + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
                + "FWM  1 IPv6 rr\n"
                + "  -> [2001:db8::5]:80             Masq    1      0          0         \n", d.ipvsadm("-L -n -f 1 -6"));
        assertEquals(HEAD + "FWM  1 rr\n", d.ipvsadm(d.ipvsadm("-D -f 1 -6") + "-Ln"));
    }

    @Test
    void clearZeroHelpVersion() {
        Director d = TestDirectors.director();
        d.ipvsadm("-A -t 1.2.3.4:80");
        d.ipvsadm("-Z");
        d.ipvsadm("-Z -t 1.2.3.4:80");
        d.ipvsadm("-C");
        assertEquals(HEAD, d.ipvsadm("-Ln"));
        assertEquals("ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n", d.ipvsadm("-v"));
        assertTrue(d.ipvsadm("-h").startsWith("ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\nUsage:\n"));
        assertEquals(d.ipvsadm("--help"), d.ipvsadm("-L -h"));
    }

    @Test
    void restoreContinuesAfterKernelErrorsAndAbortsOnParseErrors() {
        Director d = TestDirectors.director();
        Ipvsadm.RestoreResult r = Ipvsadm.restore(d, "ipvsadm -A -t 172.25.0.10:80 -s wrr\n\n"
                + "-A -t 172.25.0.10:80 -s rr\n"
                + "\t-a   -t 172.25.0.10:80 -r 10.0.0.2:80 -m -w 5\n"
                + "ipvsadm -a -t 172.25.0.10:80 -r 10.0.0.3:80 -m -w 10\n");
        assertEquals(List.of("Service already exists"), r.errors().stream().map(Throwable::getMessage).toList());
        assertEquals("Service already exists\n", r.errorText());
        assertEquals(0, r.exitStatus());
        assertEquals("-A -t 172.25.0.10:80 -s wrr\n"
                + "-a -t 172.25.0.10:80 -r 10.0.0.2:80 -m -w 5\n"
                + "-a -t 172.25.0.10:80 -r 10.0.0.3:80 -m -w 10\n", d.ipvsadm("-S -n"));

        Director d2 = TestDirectors.director();
        IpvsadmException e = assertThrows(IpvsadmException.class, () -> Ipvsadm.restore(d2, new StringReader(
                "-A -t 1.1.1.1:80\n-A -t 1.1.1.2:80 -w 3\n-A -t 1.1.1.3:80\n")));
        assertEquals("Illegal 'weight' option with the 'add-service' command", e.getMessage());
        assertEquals("-A -t 1.1.1.1:80 -s wlc\n", d2.ipvsadm("-S -n"));

        Director d3 = TestDirectors.director();
        Ipvsadm.RestoreResult last = Ipvsadm.restore(d3, "-A -t 1.1.1.1:80\n-D -t 1.1.1.9:80\n");
        assertEquals(1, last.exitStatus());
    }

    @Test
    void exportKeepsThresholdsAndListOrder() {
        Director d = TestDirectors.director();
        d.ipvsadm("-A -t 172.25.0.10:80 -s rr -M 255.255.0.0");
        d.ipvsadm("-a -t 172.25.0.10:80 -r 10.0.0.3:80 -m -w 10 -x 100 -y 20");
        d.ipvsadm("-a -t 172.25.0.10:80 -r 10.0.0.2:80 -m -w 5");
        d.ipvsadm("-A -u 172.25.0.9:53 -s rr");
        String export = Ipvsadm.export(d);
        assertEquals("-A -t 172.25.0.10:80 -s rr -M 255.255.0.0\n"
                + "-a -t 172.25.0.10:80 -r 10.0.0.3:80 -m -w 10 -x 100 -y 20\n"
                + "-a -t 172.25.0.10:80 -r 10.0.0.2:80 -m -w 5\n"
                + "-A -u 172.25.0.9:53 -s rr\n", export);
        Director copy = TestDirectors.director();
        assertTrue(Ipvsadm.restore(copy, export).ok());
        assertEquals(export, Ipvsadm.export(copy));
        assertEquals(d.ipvsadm("-Ln --thresholds --nosort"), copy.ipvsadm("-Ln --thresholds --nosort"));
        assertEquals(d.services().get(0).config(), copy.services().get(0).config());
    }

    private static InetAddress addr(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
