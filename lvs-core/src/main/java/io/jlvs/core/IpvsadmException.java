package io.jlvs.core;

/**
 * A command or configuration change the director refused. The message is ipvsadm's own text for
 * the error where ipvsadm has one ({@code Service already exists}, {@code Illegal '-w' option with
 * the '-L' command}, …) and otherwise names the field and the value. A refused change leaves the
 * director exactly as it was.
 */
public class IpvsadmException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Exit status ipvsadm uses for option-parsing errors. */
    public static final int PARSE_ERROR = 2;
    /** Exit status ipvsadm uses for errors reported by the kernel. */
    public static final int KERNEL_ERROR = 1;

    private final int exitStatus;

    /**
     * @param message ipvsadm's text for the error
     * @param exitStatus the status ipvsadm would exit with
     */
    public IpvsadmException(String message, int exitStatus) {
        super(message);
        this.exitStatus = exitStatus;
    }

    /** An error the kernel would report (exit status 1). */
    public static IpvsadmException kernel(String message) {
        return new IpvsadmException(message, KERNEL_ERROR);
    }

    /** An error ipvsadm reports while reading its options (exit status 2). */
    public static IpvsadmException parse(String message) {
        return new IpvsadmException(message, PARSE_ERROR);
    }

    /** @return the exit status ipvsadm would use: 2 for option errors, 1 for kernel errors */
    public int exitStatus() {
        return exitStatus;
    }
}
