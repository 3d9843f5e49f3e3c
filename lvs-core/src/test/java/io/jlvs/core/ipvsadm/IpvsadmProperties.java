package io.jlvs.core.ipvsadm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jlvs.core.Director;
import io.jlvs.core.IpvsadmException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Save/restore round trips and a fuzz of the command line. */
class IpvsadmProperties {
    private static final NameResolver NUMERIC = NameResolver.numericOnly();

    private static final String[] SERVICES = {"-t 172.25.0.10:80", "-t 172.25.0.10:443", "-u 172.25.0.10:53",
        "-t 200.1.1.1:80", "-u 10.9.9.9:0", "-t 172.25.0.11:0", "--sctp-service 172.25.0.12:3868", "-f 1", "-f 2 -6",
        "-f 4000000000", "-t [2001:db8::80]:80", "-u [2001:db8::53]:53"};
    private static final String[] V4_SERVERS = {"10.0.0.2", "10.0.0.3:8080", "192.168.1.7:80", "10.0.0.2:81",
        "250.0.0.1"};
    private static final String[] V6_SERVERS = {"[2001:db8::2]", "[2001:db8::3]:8080", "[fe80::1]:80"};
    private static final String[] SCHEDULERS = {"rr", "wrr", "wlc", "lc", "sh", "mh", "dh", "sed", "nq"};

    // ------------------------------------------------------------------ generators

    static String service(Random r) {
        return SERVICES[r.nextInt(SERVICES.length)];
    }

    static String serviceParams(Random r, String svc) {
        StringBuilder sb = new StringBuilder();
        String sched = null;
        if (r.nextInt(4) != 0) {
            sched = SCHEDULERS[r.nextInt(SCHEDULERS.length)];
            sb.append(" -s ").append(sched);
        }
        boolean zeroPort = svc.endsWith(":0");
        if (zeroPort || r.nextInt(3) == 0) {
            sb.append(r.nextBoolean() ? " -p" : " -p " + (1 + r.nextInt(3600)));
        }
        boolean v6 = svc.contains("[") || svc.endsWith("-6");
        if (r.nextInt(4) == 0) {
            sb.append(" -M ").append(v6 ? Integer.toString(1 + r.nextInt(128))
                    : Addresses.dotted(-1 << r.nextInt(32)));
        }
        if ((svc.startsWith("-u") || svc.startsWith("-f")) && r.nextInt(4) == 0) {
            sb.append(" -o");
        }
        if (r.nextInt(5) == 0) {
            sb.append(" --pe sip");
        }
        if (r.nextInt(4) == 0) {
            List<String> flags = new ArrayList<>();
            String prefix = "sh".equals(sched) || "mh".equals(sched) ? sched + "-" : null;
            if (r.nextBoolean()) {
                flags.add(prefix != null ? prefix + "fallback" : "flag-1");
            }
            if (r.nextBoolean()) {
                flags.add(prefix != null ? prefix + "port" : "flag-2");
            }
            if (prefix == null && r.nextBoolean()) {
                flags.add("flag-3");
            }
            if (!flags.isEmpty()) {
                sb.append(" -b ").append(String.join(",", flags));
            }
        }
        return sb.toString();
    }

    static String server(Random r, String svc) {
        boolean v6 = svc.contains("[") || svc.endsWith("-6");
        boolean otherFamily = r.nextInt(8) == 0;
        String[] pool = v6 ^ otherFamily ? V6_SERVERS : V4_SERVERS;
        return pool[r.nextInt(pool.length)];
    }

    static String serverParams(Random r) {
        StringBuilder sb = new StringBuilder();
        switch (r.nextInt(4)) {
            case 0 -> sb.append(" -m");
            case 1 -> sb.append(" -g");
            case 2 -> {
                sb.append(" -i");
                switch (r.nextInt(4)) {
                    case 0 -> sb.append(" --tun-type gue --tun-port ").append(1 + r.nextInt(65535))
                            .append(new String[] {"", " --tun-nocsum", " --tun-csum", " --tun-remcsum"}[r.nextInt(4)]);
                    case 1 -> sb.append(" --tun-type gre").append(new String[] {"", " --tun-nocsum", " --tun-csum"}[r.nextInt(3)]);
                    case 2 -> sb.append(" --tun-type ipip");
                    default -> {
                    }
                }
            }
            default -> {
            }
        }
        if (r.nextBoolean()) {
            sb.append(" -w ").append(r.nextInt(4) == 0 ? r.nextInt(65536) : r.nextInt(20));
        }
        if (r.nextInt(4) == 0) {
            int x = r.nextInt(1000);
            sb.append(" -x ").append(x);
            if (r.nextBoolean()) {
                sb.append(" -y ").append(r.nextInt(x + 1));
            }
        }
        return sb.toString();
    }

    /** A valid (though possibly refused by the "kernel") command. */
    static String command(Random r) {
        String svc = service(r);
        int k = r.nextInt(100);
        if (k < 25) {
            return "-A " + svc + serviceParams(r, svc);
        } else if (k < 32) {
            return "-E " + svc + serviceParams(r, svc);
        } else if (k < 36) {
            return "-D " + svc;
        } else if (k < 70) {
            return "-a " + svc + " -r " + server(r, svc) + serverParams(r);
        } else if (k < 80) {
            return "-e " + svc + " -r " + server(r, svc) + serverParams(r);
        } else if (k < 88) {
            return "-d " + svc + " -r " + server(r, svc);
        } else if (k < 92) {
            return r.nextBoolean() ? "-Z" : "-Z " + svc;
        } else if (k < 93) {
            return "-C";
        } else if (k < 95) {
            return "--set " + r.nextInt(1000) + " " + r.nextInt(1000) + " " + r.nextInt(1000);
        } else {
            return new String[] {"-Ln", "-L -n --stats", "-Lnc", "-S -n", "-L --timeout", "-Ln --rate --exact",
                "-L -n " + svc, "-Ln --thresholds", "-Ln --tun-info", "-Ln --persistent-conn", "-h", "-v"}[r.nextInt(12)];
        }
    }

    @Provide
    Arbitrary<List<String>> sequences() {
        return Arbitraries.randomValue(r -> {
            int n = 1 + r.nextInt(40);
            List<String> cmds = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                cmds.add(command(r));
            }
            return cmds;
        });
    }

    private static final String[] VOCABULARY = {"-A", "-E", "-D", "-C", "-R", "-S", "-a", "-e", "-d", "-L", "-l", "-Z",
        "--set", "--start-daemon", "--stop-daemon", "-h", "-v", "-t", "-u", "--sctp-service", "-f", "-6", "-s", "-p",
        "-M", "-r", "-g", "-i", "-m", "-w", "-x", "-y", "--tun-type", "--tun-port", "--tun-nocsum", "--tun-csum",
        "--tun-remcsum", "-n", "-c", "--stats", "--rate", "--thresholds", "--persistent-conn", "--tun-info", "--exact",
        "-X", "--nosort", "--sort", "--timeout", "--daemon", "-o", "-b", "--pe", "--syncid", "--mcast-interface",
        "master", "backup", "0", "1", "-1", "65535", "65536", "4294967295", "4294967296", "99999999999999999999",
        "172.25.0.10", "172.25.0.10:80", "[2001:db8::80]:80", "[::]", "[::1", "1.2.3.4:", ":80", "10.0.0.2", "rr", "sh",
        "mh", "none", "sh-port,flag-1", "flag-3,", "ipip", "gue", "gre", "255.255.255.0", "128", "", "ipvsadm",
        "--persistent=", "--weight=3", "-Lnc", "-p600", "-w-3", "--", "-", "--=", "-Ln", "é", "\t"};

    /** A mutated valid command, or a line of random vocabulary and garbage. */
    static String[] mutated(Random r) {
        List<String> t = new ArrayList<>(Arrays.asList(command(r).split(" ")));
        if (r.nextInt(4) == 0) {
            t.clear();
            int n = r.nextInt(8);
            for (int i = 0; i < n; i++) {
                t.add(VOCABULARY[r.nextInt(VOCABULARY.length)]);
            }
        }
        int mutations = 1 + r.nextInt(3);
        for (int m = 0; m < mutations; m++) {
            int size = t.size();
            int i = size == 0 ? 0 : r.nextInt(size);
            switch (r.nextInt(7)) {
                case 0 -> {
                    if (size > 0) {
                        t.remove(i);
                    }
                }
                case 1 -> t.add(Math.min(i, t.size()), VOCABULARY[r.nextInt(VOCABULARY.length)]);
                case 2 -> {
                    if (size > 0) {
                        t.set(i, VOCABULARY[r.nextInt(VOCABULARY.length)]);
                    }
                }
                case 3 -> {
                    if (size > 1) {
                        String a = t.get(i);
                        int j = r.nextInt(size);
                        t.set(i, t.get(j));
                        t.set(j, a);
                    }
                }
                case 4 -> {
                    if (size > 0 && !t.get(i).isEmpty()) {
                        String s = t.get(i);
                        int at = r.nextInt(s.length());
                        char c = (char) (r.nextBoolean() ? ' ' + r.nextInt(95) : r.nextInt(0x3000));
                        t.set(i, s.substring(0, at) + c + s.substring(at + (r.nextBoolean() ? 1 : 0)));
                    }
                }
                case 5 -> {
                    if (size > 0 && !t.get(i).isEmpty()) {
                        t.set(i, t.get(i).substring(0, r.nextInt(t.get(i).length())));
                    }
                }
                default -> {
                    if (size > 0) {
                        t.add(t.get(i));
                    }
                }
            }
        }
        return t.toArray(new String[0]);
    }

    @Provide
    Arbitrary<String[]> mutatedLines() {
        return Arbitraries.randomValue(IpvsadmProperties::mutated);
    }

    private static String state(Director d) {
        return Ipvsadm.run(d, NUMERIC, "-S", "-n") + Ipvsadm.run(d, NUMERIC, "-Ln", "--thresholds");
    }

    // ------------------------------------------------------------------ properties

    @Property
    void saveRestoreRoundTrips(@ForAll("sequences") List<String> commands) {
        Director d = TestDirectors.director();
        for (String c : commands) {
            try {
                Ipvsadm.run(d, NUMERIC, c.split(" "));
            } catch (IpvsadmException e) {
                // refused commands are part of the sequence
            }
        }
        String saved = Ipvsadm.run(d, NUMERIC, "-S", "-n");
        Director copy = TestDirectors.director();
        Ipvsadm.RestoreResult r = Ipvsadm.restore(copy, NUMERIC, new java.io.StringReader(saved));
        assertTrue(r.ok(), r.errorText());
        assertEquals(saved, Ipvsadm.run(copy, NUMERIC, "-S", "-n"));
        assertEquals(Ipvsadm.run(d, NUMERIC, "-Ln"), Ipvsadm.run(copy, NUMERIC, "-Ln"));

        String export = Ipvsadm.export(d);
        Director exact = TestDirectors.director();
        assertTrue(Ipvsadm.restore(exact, NUMERIC, new java.io.StringReader(export)).ok());
        assertEquals(export, Ipvsadm.export(exact));
        assertEquals(Ipvsadm.run(d, NUMERIC, "-Ln", "--thresholds", "--nosort"),
                Ipvsadm.run(exact, NUMERIC, "-Ln", "--thresholds", "--nosort"));
    }

    private static Director shared;
    private static int sharedUses;

    @Property(tries = 10000)
    void randomAndMutatedCommandLinesOnlyFailWithIpvsadmException(@ForAll("mutatedLines") String[] args) {
        if (shared == null || ++sharedUses > 500) {
            shared = TestDirectors.director();
            sharedUses = 0;
            Ipvsadm.run(shared, NUMERIC, "-A -t 172.25.0.10:80 -s wrr".split(" "));
            Ipvsadm.run(shared, NUMERIC, "-a -t 172.25.0.10:80 -r 10.0.0.2 -m -w 5 -x 9".split(" "));
            Ipvsadm.run(shared, NUMERIC, "-A -f 2 -6 -p".split(" "));
        }
        String before = state(shared);
        try {
            String out = Ipvsadm.run(shared, NUMERIC, args);
            assertNotNull(out);
        } catch (IpvsadmException e) {
            assertNotNull(e.getMessage());
            assertFalse(e.getMessage().isEmpty());
            assertEquals(before, state(shared), () -> "rejected " + Arrays.toString(args) + " changed the table");
        }
    }
}
