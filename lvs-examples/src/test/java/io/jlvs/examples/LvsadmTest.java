package io.jlvs.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jlvs.core.Director;
import io.jlvs.core.RealServer;
import io.jlvs.core.scheduler.Destinations;
import io.jlvs.core.scheduler.ScheduleRequest;
import io.jlvs.core.scheduler.Scheduler;
import io.jlvs.core.scheduler.SchedulerContext;
import io.jlvs.core.scheduler.SchedulerProvider;
import io.jlvs.core.scheduler.SchedulerRegistry;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

class LvsadmTest {
    /** Test-only schedulers under the names the rules use (lvs-schedulers is not a test dependency). */
    private record First(String name) implements SchedulerProvider, Scheduler {
        @Override
        public Scheduler create(SchedulerContext context) {
            return this;
        }

        @Override
        public RealServer schedule(Destinations destinations, ScheduleRequest request) {
            return destinations.isEmpty() ? null : destinations.get(0);
        }
    }

    private static final Supplier<Director> DIRECTORS = () -> Director.builder()
            .schedulers(SchedulerRegistry.of(new First("rr"), new First("wrr"), new First("wlc")))
            .timerThread(false).build();

    private record Run(int status, String out, String err) {
    }

    private static Run run(String stdin, boolean terminal, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Lvsadm.run(DIRECTORS, args, new StringReader(stdin), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), terminal);
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void versionHelpAndErrors() {
        Run v = run("", false, "-v");
        assertEquals(0, v.status);
        assertEquals("ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n", v.out);
        assertTrue(run("", false, "-h").out.contains("Usage:\n"));
        Run bad = run("", false, "-L", "-w", "1");
        assertEquals(2, bad.status);
        assertEquals("ipvsadm: Illegal 'weight' option with the 'list' command\n", bad.err);
        Run kernel = run("", false, "-D", "-t", "1.2.3.4:80");
        assertEquals(1, kernel.status);
        assertEquals("ipvsadm: No such service\n", kernel.err);
    }

    @Test
    void serveOptionsAreChecked() {
        for (String[] args : new String[][] {
                {"--serve"}, {"--serve", "r", "--threads"}, {"--serve", "r", "--threads", "0"},
                {"--serve", "r", "--busy-poll", "1000001"}, {"--serve", "r", "--busy-poll", "-5"},
                {"--serve", "r", "--coalesce", "1001"}, {"--serve", "r", "--coalesce", "1e3"},
                {"--serve", "r", "--threads", "2", "--spin", "5"}, {"--serve", "r", "--loop-policy", "fifo"},
                {"--serve", "r", "--loop-policy", "BATCH"}}) {
            Run r = run("", false, args);
            assertEquals(2, r.status, String.join(" ", args));
            assertTrue(r.err.startsWith("ipvsadm: usage: lvsadm --serve RULES [--threads N] [--busy-poll MICROS]"
                    + " [--coalesce MICROS] [--loop-policy batch|other]"), r.err);
        }
        Run missing = run("", false, "--serve", "/nonexistent/rules", "--busy-poll", "50", "--coalesce", "0",
                "--loop-policy", "other", "--threads", "2");
        assertEquals(1, missing.status, "options in either order, then the rules file is read");
        assertTrue(missing.err.startsWith("ipvsadm: cannot read /nonexistent/rules"), missing.err);
    }

    @Test
    void restoreTheSeedRulesAndList() throws Exception {
        String rules = Files.readString(Path.of("rules/seed-nat.rules"));
        Run r = run(rules, false, "-R");
        assertEquals(0, r.status, r.err);
        assertEquals("IP Virtual Server version 1.2.1 (size=4096)\n"
                + "Prot LocalAddress:Port Scheduler Flags\n"
                + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
                + "TCP  172.25.0.10:80 rr\n"
                + "  -> 192.168.122.10:80            Masq    5      0          0         \n"
                + "  -> 192.168.122.20:80            Masq    10     0          0         \n", r.out);
        Run dup = run(rules + rules, false, "-R");
        assertEquals("ipvsadm: Service already exists\nipvsadm: Destination already exists\n"
                + "ipvsadm: Destination already exists\n", dup.err);
        assertEquals(1, dup.status);
        Run parse = run("-A -t 1.2.3.4:80\n-A -q\n", false, "-R");
        assertEquals(2, parse.status);
        assertEquals("ipvsadm: -q: unknown option\n", parse.err);
    }

    @Test
    void shell() {
        String script = "ipvsadm -A -t 172.25.0.10:80 -s wrr\n\n-a -t 172.25.0.10:80 -r 10.0.0.2:80 -m -w 5\n"
                + "-a -t 172.25.0.10:80 -r 10.0.0.2:80 -m\n-S -n\n";
        Run r = run(script, false, "--shell");
        assertEquals("-A -t 172.25.0.10:80 -s wrr\n-a -t 172.25.0.10:80 -r 10.0.0.2:80 -m -w 5\n", r.out);
        assertEquals("ipvsadm: Destination already exists\n", r.err);
        assertEquals(0, r.status);
        Run tty = run("-v\nquit\n-C\n", true, "--shell");
        assertEquals("lvsadm> ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\nlvsadm> \n", tty.out);
    }
}
