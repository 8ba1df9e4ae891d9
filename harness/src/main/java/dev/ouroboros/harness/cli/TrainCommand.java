package dev.ouroboros.harness.cli;

import dev.ouroboros.harness.config.TrainConfig;
import dev.ouroboros.harness.train.TrainRun;
import dev.ouroboros.harness.train.Trainer;
import dev.ouroboros.harness.train.TrainingDivergedException;
import dev.ouroboros.models.UserInputException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ouro train}: train (or resume) an OPT model from a YAML config; {@code ouro train bench}:
 * throughput.
 */
@Command(
        name = "train",
        mixinStandardHelpOptions = true,
        subcommands = {TrainBench.class},
        description = {
            "Train an OPT causal LM from a YAML config (see configs/train-tiny.yaml and docs/training.md).",
            "Overrides: dotted key=value pairs after the options, e.g. optim.lr=3e-4 train.epochs=2.",
            "A run whose out/checkpoint exists resumes where it stopped (checkpoint.resume=false starts over)."
        })
public final class TrainCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--config", description = "YAML config file.")
    Path config;

    @Parameters(
            arity = "0..*",
            paramLabel = "KEY=VALUE",
            description = "Config overrides (dotted keys).")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
        if (config == null) {
            throw new UserInputException(
                    "train: --config FILE is required (e.g. configs/train-tiny.yaml)");
        }
        TrainConfig cfg = TrainConfig.load(config, overrides);
        PrintWriter err = spec.commandLine().getErr();
        try {
            TrainRun.execute(
                    cfg,
                    line -> {
                        err.println(line);
                        err.flush();
                    },
                    new Trainer.Listener() {});
        } catch (TrainingDivergedException e) {
            err.println("ouro: " + e.getMessage());
            err.flush();
            return ExitCode.BAD_INPUT;
        }
        return 0;
    }
}
