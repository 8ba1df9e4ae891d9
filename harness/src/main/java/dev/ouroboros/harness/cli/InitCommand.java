package dev.ouroboros.harness.cli;

import ai.djl.Device;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ouro init}: a random-initialised OPT checkpoint in HF layout, for training from scratch
 * and smoke tests.
 */
@Command(
        name = "init",
        mixinStandardHelpOptions = true,
        description =
                "Write a random-initialised OPT checkpoint (config.json, model.safetensors, tokenizer) in HF layout.")
public final class InitCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--tokenizer",
            required = true,
            description = "Directory with tokenizer.json or vocab.json + merges.txt.")
    Path tokenizer;

    @Option(
            names = "--out",
            required = true,
            description = "Output directory (must not exist or be empty).")
    Path out;

    @Option(
            names = "--layers",
            defaultValue = "2",
            description = "num_hidden_layers (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(
            names = "--hidden",
            defaultValue = "64",
            description = "hidden_size (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(
            names = "--heads",
            defaultValue = "4",
            description = "num_attention_heads (default: ${DEFAULT-VALUE}).")
    int heads;

    @Option(
            names = "--ffn",
            defaultValue = "256",
            description = "ffn_dim (default: ${DEFAULT-VALUE}).")
    int ffn;

    @Option(
            names = "--positions",
            defaultValue = "256",
            description = "max_position_embeddings (default: ${DEFAULT-VALUE}).")
    int positions;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Initialisation seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        OutputDirs.requireEmpty(out);
        try (OptTokenizer tok = OptTokenizer.load(tokenizer)) {
            int vocab =
                    (tok.idLimit() + 7)
                            / 8
                            * 8; // as OPT: embedding rows rounded up to a multiple of 8
            OptConfig cfg = OptConfig.tiny(vocab, hidden, layers, heads, ffn, positions);
            try (LanguageModel model = allocate(cfg, vocab)) {
                model.save(out);
                tok.save(out);
                spec.commandLine()
                        .getOut()
                        .printf(
                                "%s: random OPT, %d parameters, vocab %d%n",
                                out, model.parameterCount(), vocab);
            }
        }
        return 0;
    }

    /**
     * The random model; an allocation the engine or the JVM refuses is a one-line error naming the
     * sizes that were asked for.
     */
    private LanguageModel allocate(OptConfig cfg, int vocab) {
        try {
            return LanguageModel.random(cfg, seed, Device.cpu());
        } catch (OutOfMemoryError | ai.djl.engine.EngineException e) {
            String msg = String.valueOf(e.getMessage());
            java.util.regex.Matcher bytes =
                    java.util.regex.Pattern.compile("allocate (\\d+) bytes").matcher(msg);
            if (!(e instanceof OutOfMemoryError) && !bytes.find()) {
                throw e;
            }
            String what =
                    bytes.find(0)
                            ? String.format(
                                    "one weight of %s bytes (%.1f GiB)",
                                    bytes.group(1), Long.parseLong(bytes.group(1)) / 1073741824.0)
                            : "the weights";
            throw new UserInputException(
                    String.format(
                            "--hidden %d --layers %d --heads %d --ffn %d --positions %d (vocab %d):"
                                    + " not enough memory for %s; choose a smaller model",
                            hidden, layers, heads, ffn, positions, vocab, what));
        }
    }
}
