package io.jlvs.examples;

import io.jlvs.core.Director;
import io.jlvs.core.IpvsadmException;
import io.jlvs.core.ipvsadm.Ipvsadm;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
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
    public static void main(String[] args) {
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
