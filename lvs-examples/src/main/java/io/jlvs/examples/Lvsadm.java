package io.jlvs.examples;

import io.jlvs.core.Director;
import io.jlvs.core.IpvsadmException;
import io.jlvs.core.ipvsadm.Ipvsadm;
import io.jlvs.dataplane.nat.NatDataplane;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * {@code lvsadm}: an ipvsadm-compatible command line over an in-process director.
 *
 * <pre>
 * lvsadm &lt;ipvsadm args&gt;      one command against an empty director (-h, -v, …)
 * lvsadm -R &lt; rules          restore the rules from standard input, then print the -Ln table
 * lvsadm --shell             read ipvsadm commands line by line (prompt "lvsadm&gt; " on a terminal)
 * lvsadm --demo             the seed guide's NAT experiment on loopback (see {@link Demo})
 * lvsadm --serve RULES [--threads N] [--busy-poll MICROS] [--coalesce MICROS] [--loop-policy batch|other]
 *                            restore RULES (-R format) and carry their TCP/UDP masquerading
 *                            services for real (NAT data plane) until interrupted; N event-loop
 *                            threads, MICROS of busy polling before an idle loop sleeps (off by
 *                            default) or of naps while events are dense (event coalescing:
 *                            10 by default, 0 turns it off); the loops' Linux scheduling policy,
 *                            SCHED_BATCH by default ({@link NatDataplane.Builder#batchScheduling})
 * </pre>
 *
 * Exit statuses are ipvsadm's: 0 success, 1 refused by the director ("kernel"), 2 option error.
 * Errors are printed on standard error as {@code ipvsadm: <message>}.
 */
public final class Lvsadm {
    static final String PROMPT = "lvsadm> ";

    private Lvsadm() {
    }

    /** Runs lvsadm and exits with its status. */
    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--demo")) {
            Demo.run(System.out);
            System.out.flush();
            System.exit(0);
        }
        Console console = System.console();
        boolean terminal = console != null && console.isTerminal();
        int status = run(Director::create, args, new InputStreamReader(System.in, Charset.defaultCharset()),
                System.out, System.err, terminal);
        System.out.flush();
        System.exit(status);
    }

    /**
     * Runs lvsadm with the given streams.
     *
     * @param directors makes the (empty) director the command runs against
     * @param terminal true when standard input is a terminal (the shell then prints a prompt)
     * @return the exit status
     */
    public static int run(Supplier<Director> directors, String[] args, Reader in, PrintStream out, PrintStream err,
            boolean terminal) {
        try (Director director = directors.get()) {
            if (args.length == 1 && args[0].equals("--shell")) {
                return shell(director, in, out, err, terminal);
            }
            if (args.length == 1 && (args[0].equals("-R") || args[0].equals("--restore"))) {
                return restore(director, in, out, err);
            }
            if (args.length >= 1 && args[0].equals("--serve")) {
                int threads = 0;
                int busyPollMicros = 0;
                long coalesceNanos = NatDataplane.DEFAULT_COALESCE.toNanos();
                boolean batchScheduling = true;
                boolean ok = args.length >= 2 && args.length % 2 == 0;
                for (int i = 2; ok && i < args.length; i += 2) {
                    String value = args[i + 1];
                    if (args[i].equals("--threads") && value.matches("[1-9][0-9]{0,2}")) {
                        threads = Integer.parseInt(value);
                    } else if (args[i].equals("--busy-poll") && value.matches("[0-9]{1,7}")
                            && Integer.parseInt(value) <= 1_000_000) {
                        busyPollMicros = Integer.parseInt(value);
                    } else if (args[i].equals("--coalesce") && value.matches("[0-9]{1,4}")
                            && Integer.parseInt(value) <= 1000) {
                        coalesceNanos = Integer.parseInt(value) * 1000L;
                    } else if (args[i].equals("--loop-policy") && value.matches("batch|other")) {
                        batchScheduling = value.equals("batch");
                    } else {
                        ok = false;
                    }
                }
                if (!ok) {
                    error(err, "usage: lvsadm --serve RULES [--threads N] [--busy-poll MICROS] [--coalesce MICROS]"
                            + " [--loop-policy batch|other]"
                            + "  (RULES in ipvsadm -R format, N event-loop threads, --busy-poll 0-1000000 µs of polling"
                            + " before an idle event loop sleeps (default 0), --coalesce 0-1000 µs of napping while events"
                            + " are dense (default 10), --loop-policy the event loops' scheduling policy, SCHED_BATCH"
                            + " or SCHED_OTHER (default batch))");
                    return IpvsadmException.PARSE_ERROR;
                }
                CountDownLatch stop = new CountDownLatch(1);
                CountDownLatch finished = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    stop.countDown();
                    try {
                        finished.await(5, TimeUnit.SECONDS); // let the final table print before the JVM halts
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }, "lvsadm-stop"));
                try {
                    return serve(director, Path.of(args[1]),
                            new ServeOptions(threads, busyPollMicros, coalesceNanos, batchScheduling), out, err, stop);
                } finally {
                    finished.countDown();
                }
            }
            return command(director, args, out, err);
        }
    }

    private static void error(PrintStream err, String message) {
        err.println("ipvsadm: " + message);
        err.flush();
    }

    private static int command(Director director, String[] args, PrintStream out, PrintStream err) {
        try {
            out.print(Ipvsadm.run(director, args));
            out.flush();
            return 0;
        } catch (IpvsadmException e) {
            error(err, e.getMessage());
            return e.exitStatus();
        }
    }

    private static int restore(Director director, Reader in, PrintStream out, PrintStream err) {
        Ipvsadm.RestoreResult result;
        try {
            result = Ipvsadm.restore(director, in);
        } catch (IpvsadmException e) {
            error(err, e.getMessage());
            return e.exitStatus();
        }
        for (IpvsadmException e : result.errors()) {
            error(err, e.getMessage());
        }
        out.print(result.output());
        out.print(Ipvsadm.run(director, "-Ln"));
        out.flush();
        return result.exitStatus();
    }

    /**
     * The data plane options of {@code --serve}.
     *
     * @param threads event loop threads, 0 for the data plane's default
     * @param busyPollMicros {@code --busy-poll}
     * @param coalesceNanos {@code --coalesce}
     * @param batchScheduling {@code --loop-policy batch}
     */
    record ServeOptions(int threads, int busyPollMicros, long coalesceNanos, boolean batchScheduling) {
    }

    /**
     * Restores the rules and serves them through the NAT data plane until {@code stop} opens (the
     * JVM's shutdown on Ctrl-C or SIGTERM), then prints the {@code -Ln --stats} table.
     */
    static int serve(Director director, Path rules, ServeOptions options, PrintStream out, PrintStream err,
            CountDownLatch stop) {
        int status;
        try (Reader in = Files.newBufferedReader(rules)) {
            status = restore(director, in, out, err);
        } catch (IOException e) {
            error(err, "cannot read " + rules + ": " + e.getMessage());
            return 1;
        }
        if (status != 0) {
            return status;
        }
        NatDataplane.Builder builder = NatDataplane.builder(director);
        if (options.threads() > 0) {
            builder.workerThreads(options.threads());
        }
        builder.busyPoll(java.time.Duration.ofNanos(options.busyPollMicros() * 1000L));
        builder.coalesce(java.time.Duration.ofNanos(options.coalesceNanos()));
        builder.batchScheduling(options.batchScheduling());
        try (NatDataplane nat = builder.start()) {
            // What the server built so far (the director, the data plane, Netty's and the JDK's
            // start-up state) lives as long as the server. A full collection now moves it to the old
            // generation at once; left young, ParallelGC copies it from survivor space to survivor
            // space at every young collection until it is old enough: about 7 MB and 8.5-12 ms a
            // pause for the first ~40 s of new connections, 4 ms after (benchmarks/RESULTS.md).
            System.gc();
            out.println("serving " + rules + " over " + nat.transport() + "; interrupt (Ctrl-C) to stop");
            out.flush();
            stop.await();
            out.print(Ipvsadm.run(director, "-Ln", "--stats"));
            out.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    private static int shell(Director director, Reader in, PrintStream out, PrintStream err, boolean terminal) {
        BufferedReader lines = in instanceof BufferedReader b ? b : new BufferedReader(in);
        int status = 0;
        try {
            while (true) {
                if (terminal) {
                    out.print(PROMPT);
                    out.flush();
                }
                String line = lines.readLine();
                if (line == null) {
                    break;
                }
                List<String> tokens = new ArrayList<>();
                for (String t : line.trim().split("[ \t]+")) {
                    if (!t.isEmpty() && !t.equals("ipvsadm")) {
                        tokens.add(t);
                    }
                }
                if (tokens.isEmpty()) {
                    continue;
                }
                if (tokens.size() == 1 && (tokens.get(0).equals("exit") || tokens.get(0).equals("quit"))) {
                    break;
                }
                if (tokens.contains("-R") || tokens.contains("--restore")) {
                    error(err, "-R is not available in the shell: run lvsadm -R < rules");
                    status = IpvsadmException.PARSE_ERROR;
                    continue;
                }
                status = command(director, tokens.toArray(new String[0]), out, err);
            }
        } catch (IOException e) {
            error(err, e.getMessage());
            return 1;
        }
        if (terminal) {
            out.println();
            out.flush();
        }
        return status;
    }
}
