package dev.ouroboros.harness.cli;

import dev.ouroboros.harness.base.StopRequest;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.run.Study;
import dev.ouroboros.models.io.DirLock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * {@code --fresh-jvm} of {@code ouro run} and {@code ouro resume}: each generation in a child JVM
 * (with the parent's {@code -X} / {@code -D} options), one after another until the study is
 * complete. A study that is complete already is resumed in this process instead, so that it gets
 * what every resume does (metrics.jsonl repaired, synthetic sets verified, stale temporary files
 * removed) without a child that would have nothing to train. A SIGTERM is forwarded to the child
 * that runs, so {@code --fresh-jvm} stops under Slurm as a single process does (exit 75).
 */
final class FreshJvm {
    /** The child JVM's main class, by name: commands do not depend on {@code Ouro}. */
    static final String MAIN_CLASS = "dev.ouroboros.harness.Ouro";

    private FreshJvm() {}

    /**
     * @param childArgs the {@code ouro} arguments of one child (they must stop it after one
     *     generation)
     * @param inProcess the same study resumed in this process
     */
    static int run(RunConfig cfg, List<String> childArgs, Runnable inProcess, Logger log)
            throws Exception {
        requireUnlocked(cfg.runDir());
        if (Study.isComplete(cfg) || cfg.kind() == RunConfig.Kind.GAUSSIAN) {
            inProcess.run(); // the Gaussian testbed has no generation worth a JVM of its own
            return 0;
        }
        int done = -1;
        while (!Study.isComplete(cfg)) {
            int now = Study.generationsDone(cfg);
            if (now == done) { // a child that exits 0 must have finished a generation
                log.error(
                        "--fresh-jvm: a child JVM finished no generation ({} of the study's done);"
                                + " stopping instead of starting another",
                        now);
                return ExitCode.FAILURE;
            }
            done = now;
            List<String> cmd =
                    new ArrayList<>(
                            List.of(
                                    ProcessHandle.current().info().command().orElse("java"),
                                    "-cp",
                                    System.getProperty("java.class.path")));
            for (String a :
                    java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                if (a.startsWith("-X") || a.startsWith("-D")) {
                    cmd.add(a);
                }
            }
            cmd.add(MAIN_CLASS);
            cmd.addAll(childArgs);
            log.info("--fresh-jvm: starting a child JVM for the next generation");
            int code = waitForwardingStop(new ProcessBuilder(cmd).inheritIO().start());
            if (code == 0 && StopRequest.requested()) {
                return StopRequest.EXIT_STATUS; // stopped between two generations
            }
            if (code != 0) {
                log.error(
                        "child JVM exited with {}; the run directory is consistent, resume with the same command",
                        code);
                return code;
            }
        }
        return 0;
    }

    /**
     * The child's exit status. A SIGTERM to this process while the child runs (Slurm signals the
     * process it started) goes on to the child, which finishes its optimizer step, checkpoints and
     * exits {@link StopRequest#EXIT_STATUS}; without forwarding this parent would die with 143 and
     * leave the child running.
     */
    private static int waitForwardingStop(Process child) throws InterruptedException {
        try (StopRequest.Polling polling = StopRequest.polling()) {
            boolean forwarded = false;
            while (!child.waitFor(100, TimeUnit.MILLISECONDS)) {
                if (!forwarded && StopRequest.requested()) {
                    child.destroy(); // SIGTERM on Unix
                    forwarded = true;
                }
            }
            return child.exitValue();
        }
    }

    /**
     * Another process writing the run directory is refused here, in one line, before any child JVM
     * is started (the lock is taken and let go: each child takes it for its generation).
     */
    static void requireUnlocked(java.nio.file.Path runDir) throws java.io.IOException {
        if (java.nio.file.Files.isDirectory(runDir)) {
            try (DirLock lock = DirLock.take(runDir, "run directory")) {
                // free: the children may take it
            }
        }
    }
}
