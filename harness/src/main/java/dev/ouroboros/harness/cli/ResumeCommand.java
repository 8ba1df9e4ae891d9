package dev.ouroboros.harness.cli;

import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.models.UserInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code ouro resume RUN_DIR}: continue a run from its saved config.resolved.yaml. */
@Command(
        name = "resume",
        mixinStandardHelpOptions = true,
        description =
                "Continue a run where it stopped (finished generations are skipped, half-done ones continued).")
public final class ResumeCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(ResumeCommand.class);

    @Parameters(index = "0", paramLabel = "RUN_DIR")
    Path runDir;

    @Mixin StudyProcess process;

    @Override
    public Integer call() throws Exception {
        Path cfgFile = runDir.resolve("config.resolved.yaml");
        if (!Files.isRegularFile(cfgFile)) {
            throw new UserInputException(
                    runDir + ": not a run directory (no config.resolved.yaml)");
        }
        Path parent = runDir.toAbsolutePath().normalize().getParent();
        String name = runDir.toAbsolutePath().normalize().getFileName().toString();
        RunConfig cfg = RunConfig.load(cfgFile, List.of("out=" + parent, "name=" + name));
        return process.run(cfg, List.of(), List.of("resume", runDir.toString()), LOG);
    }
}
