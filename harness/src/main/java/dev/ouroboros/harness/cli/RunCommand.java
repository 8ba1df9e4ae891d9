package dev.ouroboros.harness.cli;

import dev.ouroboros.harness.run.RunConfig;
import dev.ouroboros.harness.run.Study;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
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

    @Override
    public Integer call() throws Exception {
        RunConfig cfg = RunConfig.load(config, overrides);
        if (!freshJvm) {
            Study.run(cfg, overrides, LOG::info, perProcess);
            return 0;
        }
        List<String> child =
                new ArrayList<>(
                        List.of("run", config.toString(), "--generations-per-process", "1"));
        child.addAll(overrides);
        return FreshJvm.run(
                cfg, child, () -> Study.run(cfg, overrides, LOG::info, perProcess), LOG);
    }
}
