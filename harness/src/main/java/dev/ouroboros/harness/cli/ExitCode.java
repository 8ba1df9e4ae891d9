package dev.ouroboros.harness.cli;

/**
 * Exit codes of {@code ouro}: 0 success, {@link #BAD_INPUT} (one line naming the culprit, no stack
 * trace), {@link #FAILURE} (an internal error, or work that did not succeed).
 */
public final class ExitCode {
    /** Something went wrong inside: a bug, a diverged training run, a failed sweep point. */
    public static final int FAILURE = 1;

    /** The user's input (config, arguments, files named) is wrong. */
    public static final int BAD_INPUT = 2;

    /**
     * Stopped by SIGTERM during training after writing a checkpoint (EX_TEMPFAIL): run it again and
     * it resumes ({@link dev.ouroboros.harness.base.StopRequest}).
     */
    public static final int STOPPED = dev.ouroboros.harness.base.StopRequest.EXIT_STATUS;

    private ExitCode() {}
}
