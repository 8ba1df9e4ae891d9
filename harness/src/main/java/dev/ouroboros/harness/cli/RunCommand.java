package dev.ouroboros.harness.cli;

import dev.ouroboros.harness.config.RunConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code ouro run CONFIG [key=value ...]}: a whole model-collapse study, resumable. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Run a model-collapse study: every policy x seed, generations 0..G-1, into out/name.",
            "An existing run directory with the same config is resumed; a different config is refused.",
            "Overrides use dotted keys: train.epochs=2 policies=[replace,accumulate] seeds=[0,1]."
        })
public final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    /** The child JVM's main class, by name: commands do not depend on {@code Ouro}. */
    static final String MAIN_CLASS = FreshJvm.MAIN_CLASS;

    @Parameters(index = "0", paramLabel = "CONFIG", description = "YAML config (configs/*.yaml).")
    Path config;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE", description = "Dotted overrides.")
    List<String> overrides = new ArrayList<>();

    @Mixin StudyProcess process;

    @Override
    public Integer call() throws Exception {
        RunConfig cfg = RunConfig.load(config, overrides);
        List<String> child = new ArrayList<>(List.of("run", config.toString()));
        child.addAll(overrides);
        return process.run(cfg, overrides, child, LOG);
    }
}
