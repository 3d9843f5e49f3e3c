package io.jlvs.core.ipvsadm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jlvs.core.Director;
import io.jlvs.core.Protocol;
import io.jlvs.core.stats.RateSnapshot;
import io.jlvs.core.stats.StatsSnapshot;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** Every listing format of reference §2 against its worked example, byte for byte. */
class ListingFormatTest {
    private static final String VERSION = "IP Virtual Server version 1.2.1 (size=4096)\n";

    private static Director example() {
        Director d = TestDirectors.director();
        d.ipvsadm("-A -t 172.25.0.10:80 -s wrr");
        d.ipvsadm("-a -t 172.25.0.10:80 -r 10.0.0.2:80 -m -w 5");
        d.ipvsadm("-a -t 172.25.0.10:80 -r 10.0.0.3:80 -m -w 10");
        return d;
    }

    @Test
    void defaultView() {
        String expected = VERSION
                + "Prot LocalAddress:Port Scheduler Flags\n"
                + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
                + "TCP  172.25.0.10:80 wrr\n"
                + "  -> 10.0.0.2:80                  Masq    5      0          0         \n"
                + "  -> 10.0.0.3:80                  Masq    10     0          0         \n";
        assertEquals(expected, example().ipvsadm("-Ln"));
        assertEquals(expected, example().ipvsadm("-L", "-n"));
        assertEquals(expected, example().ipvsadm("--list --numeric"));
    }

    @Test
    void serviceLineVariants() {
        Director d = TestDirectors.director();
        d.ipvsadm("-A -t 172.25.0.10:80 -s wrr -p");
        d.ipvsadm("-A -t 172.25.0.11:80 -s wrr -p 600 -M 255.255.255.0");
        d.ipvsadm("-A -t 172.25.0.10:0 -s sh -b sh-fallback,sh-port -p 300");
        d.ipvsadm("-A -u 172.25.0.10:53 -s rr -o");
        d.ipvsadm("-A -f 1 -p");
        d.ipvsadm("-A -t [2001:db8::80]:80 -s rr");
        d.ipvsadm("-A -f 2 -6 -s rr -p 60 -M 64 --pe sip");
        d.ipvsadm("-A -t 172.25.0.12:80 -s rr -b flag-1,flag-3");
        assertEquals(VERSION
                + "Prot LocalAddress:Port Scheduler Flags\n"
                + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
                + "TCP  172.25.0.10:0 sh (sh-fallback,sh-port) persistent 300\n"
                + "TCP  172.25.0.10:80 wrr persistent 360\n"
                + "TCP  172.25.0.11:80 wrr persistent 600 mask 255.255.255.0\n"
                + "TCP  172.25.0.12:80 rr (flag-1,flag-3)\n"
                + "UDP  172.25.0.10:53 rr ops\n"
                + "TCP  [2001:db8::80]:80 rr\n"
                + "FWM  1 wlc persistent 360\n"
                + "FWM  2 IPv6 rr persistent 60 mask 64 pe sip\n", d.ipvsadm("-Ln"));
    }

    @Test
    void statsFormatterWithTheExampleNumbers() {
        assertEquals("     3702   296295   262962 19629630  370370K",
                Listing.stats(new StatsSnapshot(3702, 296295, 262962, 19629630, 370370367), false));
        assertEquals("     1234    98765    87654  6543210  123456K",
                Listing.stats(new StatsSnapshot(1234, 98765, 87654, 6543210, 123456789), false));
        assertEquals("     2468   197530   175308 13086420  246913K",
                Listing.stats(new StatsSnapshot(2468, 197530, 175308, 13086420, 246913578), false));
        assertEquals("     3702   296295   262962 19629630 370370367",
                Listing.stats(new StatsSnapshot(3702, 296295, 262962, 19629630, 370370367), true));
        assertEquals("     2468   197530   175308 13086420 246913578",
                Listing.stats(new StatsSnapshot(2468, 197530, 175308, 13086420, 246913578), true));
    }

    @Test
    void largeNumberRule() {
        assertEquals(" 99999999", Listing.largeNumber(99_999_999L, false));
        assertEquals("  100000K", Listing.largeNumber(100_000_000L, false));
        assertEquals("  999999K", Listing.largeNumber(999_999_999L, false));
        assertEquals("    1000M", Listing.largeNumber(1_000_000_000L, false));
        assertEquals("   99999M", Listing.largeNumber(99_999_999_999L, false));
        assertEquals("     100G", Listing.largeNumber(100_000_000_000L, false));
        assertEquals("   99999G", Listing.largeNumber(99_999_999_999_999L, false));
        assertEquals("     100T", Listing.largeNumber(100_000_000_000_000L, false));
        assertEquals("        0", Listing.largeNumber(0, false));
        assertEquals("        0", Listing.largeNumber(0, true));
        assertEquals(" 1234567890123", Listing.largeNumber(1_234_567_890_123L, true));
    }

    @Test
    void statsThroughADirector() {
        Director d = example();
        String header = VERSION
                + "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n"
                + "  -> RemoteAddress:Port\n";
        String zeros = "        0        0        0        0        0\n";
        assertEquals(header
                + "TCP  172.25.0.10:80              " + zeros
                + "  -> 10.0.0.2:80                 " + zeros
                + "  -> 10.0.0.3:80                 " + zeros, d.ipvsadm("-Ln --stats"));
        assertEquals(d.ipvsadm("-Ln --stats"), d.ipvsadm("-Ln --stats --exact"));
        d.connect(Protocol.TCP, new InetSocketAddress("172.25.0.100", 40000), new InetSocketAddress("172.25.0.10", 80));
        assertEquals(header
                + "TCP  172.25.0.10:80                      1        0        0        0        0\n"
                + "  -> 10.0.0.2:80                 " + zeros
                + "  -> 10.0.0.3:80                         1        0        0        0        0\n",
                d.ipvsadm("-Ln --stats"));
        d.ipvsadm("-Z");
        assertTrue(d.ipvsadm("-Ln --stats").endsWith("  -> 10.0.0.3:80                 " + zeros));
    }

    @Test
    void rateFormatterWithTheExampleNumbers() {
        assertEquals("        6       93       81     6144   196608",
                Listing.rates(new RateSnapshot(6, 93, 81, 6144, 196608), false));
        assertEquals("        2       31       27     2048    65536",
                Listing.serverRates(new RateSnapshot(2, 31, 27, 2048, 65536), false));
        // real-server CPS/PPS are never scaled, BPS are
        assertEquals(" 123456789        0  100000K",
                Listing.serverRates(new RateSnapshot(0, 0, 123456789, 0, 100_000_000L), false).substring(18));
    }

    @Test
    void rateThroughADirector() {
        String zeros = "        0        0        0        0        0\n";
        assertEquals(VERSION
                + "Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS\n"
                + "  -> RemoteAddress:Port\n"
                + "TCP  172.25.0.10:80              " + zeros
                + "  -> 10.0.0.2:80                 " + zeros
                + "  -> 10.0.0.3:80                 " + zeros, example().ipvsadm("-Ln --rate"));
    }

    @Test
    void thresholds() {
        assertEquals(VERSION
                + "Prot LocalAddress:Port            Uthreshold Lthreshold ActiveConn InActConn \n"
                + "  -> RemoteAddress:Port\n"
                + "TCP  172.25.0.10:80 wrr\n"
                + "  -> 10.0.0.2:80                  0          0          0          0         \n"
                + "  -> 10.0.0.3:80                  0          0          0          0         \n",
                example().ipvsadm("-Ln --thresholds"));
        Director d = example();
        d.ipvsadm("-e -t 172.25.0.10:80 -r 10.0.0.2:80 -m -w 5 -x 100 -y 50");
        assertTrue(d.ipvsadm("-Ln --thresholds")
                .contains("  -> 10.0.0.2:80                  100        50         0          0         \n"));
    }

    @Test
    void persistentConn() {
        assertEquals(VERSION
                + "Prot LocalAddress:Port            Weight    PersistConn ActiveConn InActConn \n"
                + "  -> RemoteAddress:Port\n"
                + "TCP  172.25.0.10:80 wrr\n"
                + "  -> 10.0.0.2:80                  5         0           0          0         \n"
                + "  -> 10.0.0.3:80                  10        0           0          0         \n",
                example().ipvsadm("-Ln --persistent-conn"));
    }

    @Test
    void tunInfo() {
        Director d = TestDirectors.director();
        d.ipvsadm("-A -t 172.25.0.10:80 -s wrr");
        d.ipvsadm("-a -t 172.25.0.10:80 -r 192.168.10.1:80 -i --tun-type gue --tun-port 6080");
        d.ipvsadm("-a -t 172.25.0.10:80 -r 192.168.10.2 -i --tun-type gre --tun-csum -w 3");
        d.ipvsadm("-a -t 172.25.0.10:80 -r 192.168.10.3 -i");
        d.ipvsadm("-a -t 172.25.0.10:80 -r 192.168.10.4:8080 -m");
        d.ipvsadm("-a -t 172.25.0.10:80 -r 192.168.10.5 -i --tun-type gue --tun-port 1 --tun-remcsum");
        assertEquals(VERSION
                + "Prot LocalAddress:Port Scheduler Flags\n"
                + "  -> RemoteAddress:Port           Forward TunnelInfo    Weight ActiveConn InActConn\n"
                + "TCP  172.25.0.10:80 wrr\n"
                + "  -> 192.168.10.1:80              Tunnel  gue:6080:-c   1      0          0         \n"
                + "  -> 192.168.10.2:80              Tunnel  gre:+c        3      0          0         \n"
                + "  -> 192.168.10.3:80              Tunnel  ipip          1      0          0         \n"
                + "  -> 192.168.10.4:8080            Masq    n/a           1      0          0         \n"
                + "  -> 192.168.10.5:80              Tunnel  gue:1:r+c     1      0          0         \n",
                d.ipvsadm("-Ln --tun-info"));
        assertEquals("-A -t 172.25.0.10:80 -s wrr\n"
                + "-a -t 172.25.0.10:80 -r 192.168.10.1:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum\n"
                + "-a -t 172.25.0.10:80 -r 192.168.10.2:80 -i -w 3 --tun-type gre --tun-csum\n"
                + "-a -t 172.25.0.10:80 -r 192.168.10.3:80 -i -w 1 --tun-type ipip\n"
                + "-a -t 172.25.0.10:80 -r 192.168.10.4:8080 -m -w 1\n"
                + "-a -t 172.25.0.10:80 -r 192.168.10.5:80 -i -w 1 --tun-type gue --tun-port 1 --tun-remcsum\n",
                d.ipvsadm("-S -n"));
    }

    @Test
    void connectionTable() {
        TestDirectors.FakeTicker ticker = new TestDirectors.FakeTicker();
        Director d = TestDirectors.director(ticker);
        d.ipvsadm("-A -t 172.25.0.10:80 -s wrr");
        d.ipvsadm("-a -t 172.25.0.10:80 -r 10.0.0.2:80 -m -w 5");
        d.ipvsadm("-a -t 172.25.0.10:80 -r 10.0.0.3:80 -m -w 10");
        d.ipvsadm("-A -u 172.25.0.10:53 -s rr");
        d.ipvsadm("-a -u 172.25.0.10:53 -r 10.0.0.2:53 -m");
        InetSocketAddress vip = new InetSocketAddress("172.25.0.10", 80);
        // the test scheduler takes the head of the list: 10.0.0.3 (added last)
        d.connect(Protocol.TCP, new InetSocketAddress("172.25.0.103", 45000), vip).orElseThrow().close();
        d.ipvsadm("-e -t 172.25.0.10:80 -r 10.0.0.3:80 -m -w 0");
        d.connect(Protocol.TCP, new InetSocketAddress("172.25.0.101", 40001), vip).orElseThrow();
        d.connect(Protocol.UDP, new InetSocketAddress("172.25.0.104", 5353), new InetSocketAddress("172.25.0.10", 53))
                .orElseThrow();
        ticker.advanceMillis(3000);
        String header = "IPVS connection entries\n"
                + "pro expire state       source             virtual            destination\n";
        String out = d.ipvsadm("-Lnc");
        assertTrue(out.startsWith(header), out);
        List<String> lines = List.of(out.substring(header.length()).split("\n"));
        assertEquals(3, lines.size(), out);
        assertTrue(lines.contains("TCP 01:57  TIME_WAIT   172.25.0.103:45000 172.25.0.10:80     10.0.0.3:80"), out);
        assertTrue(lines.contains("TCP 00:57  SYN_RECV    172.25.0.101:40001 172.25.0.10:80     10.0.0.2:80"), out);
        assertTrue(lines.contains("UDP 04:57  UDP         172.25.0.104:5353  172.25.0.10:53     10.0.0.2:53"), out);
        assertEquals(out, d.ipvsadm("-L -n -c"));
        assertTrue(d.ipvsadm("-Lnc --persistent-conn").startsWith("IPVS connection entries\n"
                + "pro expire state       source             virtual            destination        pe name          pe_data\n"));
    }

    @Test
    void expireFormat() {
        assertEquals("14:59", Listing.expire(899_999_000_000L));
        assertEquals("00:08", Listing.expire(8_999_999_999L));
        assertEquals("120:00", Listing.expire(7_200_000_000_000L));
        assertEquals("00:00", Listing.expire(0));
    }

    @Test
    void timeoutsAndDaemon() {
        Director d = TestDirectors.director();
        assertEquals("Timeout (tcp tcpfin udp): 900 120 300\n", d.ipvsadm("-L --timeout"));
        d.ipvsadm("--set 0 60 0");
        assertEquals("Timeout (tcp tcpfin udp): 900 60 300\n", d.ipvsadm("-L --timeout"));
        d.ipvsadm("--set", "1000", "0", "30");
        assertEquals("Timeout (tcp tcpfin udp): 1000 60 30\n", d.ipvsadm("-Ln --timeout"));
        assertEquals("", d.ipvsadm("-L --daemon"));
    }

    @Test
    void oneServiceHasNoVersionLine() {
        assertEquals("Prot LocalAddress:Port Scheduler Flags\n"
                + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
                + "TCP  172.25.0.10:80 wrr\n"
                + "  -> 10.0.0.2:80                  Masq    5      0          0         \n"
                + "  -> 10.0.0.3:80                  Masq    10     0          0         \n",
                example().ipvsadm("-L -n -t 172.25.0.10:80"));
        assertEquals("Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n"
                + "  -> RemoteAddress:Port\n"
                + "TCP  172.25.0.10:80                      0        0        0        0        0\n"
                + "  -> 10.0.0.2:80                         0        0        0        0        0\n"
                + "  -> 10.0.0.3:80                         0        0        0        0        0\n",
                example().ipvsadm("-Ln --stats -t 172.25.0.10:80"));
    }

    @Test
    void save() {
        assertEquals("-A -t 172.25.0.10:80 -s wrr\n"
                + "-a -t 172.25.0.10:80 -r 10.0.0.2:80 -m -w 5\n"
                + "-a -t 172.25.0.10:80 -r 10.0.0.3:80 -m -w 10\n", example().ipvsadm("-S -n"));
        Director d = TestDirectors.director();
        d.ipvsadm("-A -t 172.25.0.10:80 -s rr -p 600 -M 255.255.0.0 --pe sip");
        d.ipvsadm("-A -u 172.25.0.10:53 -o");
        d.ipvsadm("-A -f 7 -6 -s sh -b sh-port -p -M 64");
        d.ipvsadm("-A --sctp-service [2001:db8::1]:3868 -s mh -b mh-fallback");
        d.ipvsadm("-a -f 7 -6 -r [2001:db8::2] -m -w 3");
        d.ipvsadm("-a --sctp-service [2001:db8::1]:3868 -r [2001:db8::3]:3869");
        assertEquals("-A -t 172.25.0.10:80 -s rr -p 600 -M 255.255.0.0 --pe sip\n"
                + "-A -u 172.25.0.10:53 -s wlc -o\n"
                + "-A --sctp-service [2001:db8::1]:3868 -s mh -b mh-fallback\n"
                + "-a --sctp-service [2001:db8::1]:3868 -r [2001:db8::3]:3868 -g -w 1\n"
                + "-A -f 7 -6 -s sh -p 360 -M 64 -b sh-port\n"
                + "-a -f 7 -6 -r [2001:db8::2]:0 -m -w 3\n", d.ipvsadm("-S -n"));
    }

    @Test
    void namesWithoutNumeric() throws Exception {
        NameResolver names = NameResolver.of(Map.of("vip.example", InetAddress.getByName("172.25.0.10"),
                "rs1.example", InetAddress.getByName("10.0.0.2")), "http 80/tcp www\ndomain 53/udp\n");
        Director d = TestDirectors.director();
        Ipvsadm.run(d, names, "-A", "-t", "vip.example:www", "-s", "wrr");
        Ipvsadm.run(d, names, "-a", "-t", "vip.example:http", "-r", "rs1.example", "-m", "-w", "5");
        Ipvsadm.run(d, names, "-a", "-t", "172.25.0.10:80", "-r", "10.0.0.3:8080", "-m", "-w", "10");
        assertEquals("-A -t vip.example:http -s wrr\n"
                + "-a -t vip.example:http -r rs1.example:http -m -w 5\n"
                + "-a -t vip.example:http -r 10.0.0.3:8080 -m -w 10\n", Ipvsadm.run(d, names, "-S"));
        assertEquals(VERSION
                + "Prot LocalAddress:Port Scheduler Flags\n"
                + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
                + "TCP  vip.example:http wrr\n"
                + "  -> rs1.example:http             Masq    5      0          0         \n"
                + "  -> 10.0.0.3:8080                Masq    10     0          0         \n", Ipvsadm.run(d, names, "-L"));
        assertEquals(Ipvsadm.run(d, names, "-L"), Ipvsadm.run(d, names));
    }

    @Test
    void longNamesAreTruncated() throws Exception {
        String longHost = "a-very-long-host-name.example.org";
        NameResolver names = NameResolver.of(Map.of(longHost, InetAddress.getByName("172.25.0.10"),
                "another-quite-long-real-server.example.org", InetAddress.getByName("10.0.0.2")), "");
        Director d = TestDirectors.director();
        Ipvsadm.run(d, names, "-A", "-t", "172.25.0.10:80");
        Ipvsadm.run(d, names, "-a", "-t", "172.25.0.10:80", "-r", "10.0.0.2", "-m");
        String out = Ipvsadm.run(d, names, "-L");
        assertTrue(out.contains("\nTCP  a-very-long-host-name.exampl wlc\n"), out);
        assertTrue(out.contains("\n  -> another-quite-long-real-serv Masq    1      "), out);
    }
}
