package io.jlvs.core;

/**
 * Test-only access to the director-side transitions of a {@link RealServer}, so that scheduler
 * tests can mark a removed detached real server unavailable as the director does.
 */
public final class ConformanceAccess {
    private ConformanceAccess() {
    }

    /** Marks {@code rs} as no longer linked in its service ({@link RealServer#isAvailable()} false). */
    public static void unlink(RealServer rs) {
        rs.unlink(0L);
    }
}
