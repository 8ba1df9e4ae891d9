package dev.ouroboros.harness.base;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;

/**
 * A polite stop: SIGTERM (Slurm's warning before a time limit, a preemption, {@code scontrol
 * requeue}, {@code kill PID}) while training asks the trainer to finish the optimizer step in
 * progress, write a checkpoint and end the process with {@link #EXIT_STATUS}, from which a
 * restarted (requeued) process resumes exactly. Outside training nothing polls, so SIGTERM ends the
 * process at once, as the JVM's default handler would (status 143; every file is written
 * atomically, so what was interrupted is redone on resume).
 *
 * <p>Only {@code dev.ouroboros.harness.Ouro.main} installs the handler (tests send a real SIGTERM
 * to a child JVM: {@code SigtermResumeTest}).
 */
public final class StopRequest {
    /** EX_TEMPFAIL of sysexits.h: stopped with a checkpoint, try again (resume). */
    public static final int EXIT_STATUS = 75;

    /** What the default SIGTERM handling exits with (128 + 15). */
    static final int TERMINATED = 143;

    private static final AtomicBoolean REQUESTED = new AtomicBoolean();
    private static final AtomicInteger POLLERS = new AtomicInteger();

    /**
     * Thrown by the trainer once its checkpoint is written; the CLI exits with {@link
     * #EXIT_STATUS}.
     */
    public static final class Stopped extends RuntimeException {
        public Stopped(String message) {
            super(message, null, false, false);
        }
    }

    /** While open, a stop request is left to the code that polls {@link #requested()}. */
    public interface Polling extends AutoCloseable {
        @Override
        void close();
    }

    private StopRequest() {}

    /** Handles SIGTERM as described above (once per process; the CLI's main calls it). */
    public static void installSignalHandler() {
        Signal.handle(new Signal("TERM"), s -> onSignal());
    }

    private static void onSignal() {
        if (POLLERS.get() > 0) {
            if (!REQUESTED.getAndSet(true)) {
                System.err.println(
                        "ouro: SIGTERM: finishing this optimizer step, then a checkpoint and exit "
                                + EXIT_STATUS);
            }
        } else {
            System.exit(TERMINATED);
        }
    }

    /** Whether a stop was asked for. */
    public static boolean requested() {
        return REQUESTED.get();
    }

    /** Declares that the caller polls {@link #requested()} until the returned handle is closed. */
    public static Polling polling() {
        POLLERS.incrementAndGet();
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (!closed.getAndSet(true)) {
                POLLERS.decrementAndGet();
            }
        };
    }
}
