package dev.ouroboros.harness.cli;

import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.run.Study;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import picocli.CommandLine.Option;

/**
 * The options {@code ouro run} and {@code ouro resume} share for how a study's generations are
 * spread over processes, and the one way both start it.
 */
final class StudyProcess {
    @Option(
            names = "--fresh-jvm",
            description =
                    "Run each generation in its own child JVM (long GPU runs: native memory fragmentation does not build up).")
    boolean freshJvm;

    @Option(
            names = "--generations-per-process",
            hidden = true,
            description = "Stop after finishing this many generations.")
    int perProcess = Integer.MAX_VALUE;

    /**
     * Runs the study in this process, or (with {@code --fresh-jvm}) one generation per child
     * started as {@code ouro <childArgs> --generations-per-process 1}.
     */
    int run(RunConfig cfg, List<String> overrides, List<String> childArgs, Logger log)
            throws Exception {
        Runnable inProcess = () -> Study.run(cfg, overrides, log::info, perProcess);
        if (!freshJvm) {
            inProcess.run();
            return 0;
        }
        List<String> child = new ArrayList<>(childArgs);
        child.addAll(List.of("--generations-per-process", "1"));
        return FreshJvm.run(cfg, child, inProcess, log);
    }
}
