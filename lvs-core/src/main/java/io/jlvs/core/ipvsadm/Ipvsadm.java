package io.jlvs.core.ipvsadm;

import io.jlvs.core.Director;
import io.jlvs.core.IpvsadmException;

/** Runs ipvsadm command lines against a director. */
public final class Ipvsadm {
    private Ipvsadm() {
    }

    /** Splits on blanks and runs. */
    public static String run(Director director, String commandLine) {
        return run(director, commandLine.trim().isEmpty() ? new String[0] : commandLine.trim().split("[ \t]+"));
    }

    /** Runs one command. */
    public static String run(Director director, String... args) {
        throw IpvsadmException.parse("ipvsadm language not implemented yet");
    }
}
