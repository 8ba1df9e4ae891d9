package dev.ouroboros.harness.cli;

import dev.ouroboros.datasets.BlockFile;
import dev.ouroboros.datasets.BlockSource;
import dev.ouroboros.datasets.ShumailovBlocking;
import dev.ouroboros.harness.config.ConfigWords;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.run.Synthesizer;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.Placement;
import dev.ouroboros.models.Precision;
import dev.ouroboros.models.PrecisionChoice;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ouro generate}: a synthetic set from a checkpoint, the Shumailov protocol by default. */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        subcommands = {GenerateBench.class},
        description = {
            "Continue every prompt block by exactly --new-tokens tokens; only the new tokens form the synthetic block.",
            "Writes FILE (int32 token blocks) and FILE minus .bin + .jsonl.gz (decoded text), both atomically;",
            "a killed run resumes from its last finished batch when started again with the same arguments.",
            "Default: Shumailov et al. (5-beam search, repetition penalty 3.0, 64 new tokens).",
            "Mode presets: beam uses repetition penalty 3.0 (Shumailov's); greedy and sample use none (1.0) unless",
            "--repetition-penalty is given.",
            "Prompts as token ids: JSONL (one array of ids, or {\"ids\": [...]}, per line) or raw little-endian int32",
            "with --block N; all prompts one length, every id in [0, the model's vocab_size); no tokenizer hash."
        })
public final class GenerateCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--model", description = "HF checkpoint directory (required).")
    Path model;

    @Option(
            names = "--prompts",
            description =
                    "A token-block file (.bin/.blocks, as ouro writes), JSONL of token ids (.jsonl), raw"
                            + " int32 ids (.ids/.i32) or UTF-8 text (anything else; Shumailov-blocked into"
                            + " --block tokens); --prompts-format overrides the extension (required).")
    Path prompts;

    /** How {@code --prompts} is read. */
    enum PromptsFormat {
        AUTO,
        BLOCKS,
        TEXT,
        JSONL,
        INT32
    }

    @Option(
            names = "--prompts-format",
            defaultValue = "auto",
            description =
                    "auto (by extension) | blocks | text | jsonl | int32 (default: ${DEFAULT-VALUE}).")
    String promptsFormat;

    @Option(
            names = "--jsonl",
            paramLabel = "FILE",
            description =
                    "Also write FILE: one JSON record per prompt, {\"index\", \"prompt_ids\", \"new_ids\","
                            + " \"prompt_text\", \"text\"} (texts decoded by the model's tokenizer),"
                            + " atomically, once the set is complete.")
    Path jsonl;

    @Option(
            names = "--out",
            description = "Output token-block file, e.g. synthetic.bin (required).")
    Path out;

    @Option(
            names = "--block",
            description =
                    "Prompt length: text prompts are blocked into it (default 64); int32 prompts need it;"
                            + " JSONL and block-file prompts must have it when given; at least 2.")
    Integer block;

    @Option(
            names = "--mode",
            defaultValue = "beam",
            description = "beam | greedy | sample (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(
            names = "--num-beams",
            defaultValue = "5",
            description = "Beams (default: ${DEFAULT-VALUE}).")
    int beams;

    @Option(
            names = "--repetition-penalty",
            description =
                    "HF repetition penalty (default: 3.0 for beam, as Shumailov et al.; 1.0, none, for"
                            + " greedy and sample).")
    Double repetitionPenalty;

    @Option(
            names = "--new-tokens",
            defaultValue = "64",
            description = "Exactly this many new tokens per prompt (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(
            names = "--length-penalty",
            defaultValue = "1.0",
            description = "Beam length penalty (default: ${DEFAULT-VALUE}).")
    double lengthPenalty;

    @Option(
            names = "--temperature",
            defaultValue = "1.0",
            description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(
            names = "--top-k",
            defaultValue = "0",
            description = "Sampling top-k, 0 = off (default: ${DEFAULT-VALUE}).")
    int topK;

    @Option(
            names = "--top-p",
            defaultValue = "1.0",
            description = "Sampling nucleus in (0, 1], 1 = off (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--batch-size",
            defaultValue = "16",
            description = "Prompts per batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(
            names = "--precision",
            defaultValue = "auto",
            description =
                    "auto | fp32 | bf16 | fp16: the weights' copy and the KV cache in that type (bf16/fp16"
                            + " need the default SDPA attention); auto is bf16 on a GPU of compute"
                            + " capability >= 8.0, else fp32 (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--max-prompts", description = "Use only the first N prompt blocks.")
    Integer maxPrompts;

    @Mixin DeviceOption device;

    @Override
    public Integer call() {
        checkOptions();
        PromptsFormat format = promptsFormat();
        checkJsonl();
        Placement where = device.resolve(PrecisionChoice.parse("--precision", precision));
        LoggerFactory.getLogger(GenerateCommand.class).info(where.line());
        RunConfig.Generate g = settings(where.precision());
        try (LanguageModel m = LanguageModel.load(model, where.device());
                OptTokenizer tok = OptTokenizer.load(model)) {
            m.requireVocabulary(tok, model.toString());
            BlockSource source = prompts(format, tok, m);
            Synthesizer.options(g, seed); // validates every option before any work
            BlockFile f = Synthesizer.make(m, tok, source, g, seed, out, "generate");
            if (jsonl != null) {
                Synthesizer.writeRecords(source, f, tok, jsonl);
            }
            spec.commandLine()
                    .getOut()
                    .printf(
                            "%s: %d synthetic blocks of %d tokens%n",
                            out, f.count(), f.blockSize());
        }
        return 0;
    }

    /** The required files and the numbers. */
    private void checkOptions() {
        // not picocli's required = true: that would demand them of `ouro generate bench` too
        List<String> missing = new ArrayList<>();
        if (model == null) {
            missing.add("--model DIR");
        }
        if (prompts == null) {
            missing.add("--prompts FILE");
        }
        if (out == null) {
            missing.add("--out FILE.bin");
        }
        if (!missing.isEmpty()) {
            throw new UserInputException(
                    "generate: missing "
                            + String.join(", ", missing)
                            + " (ouro generate --help; ouro generate bench for the benchmark)");
        }
        if (batchSize < 1) {
            throw new UserInputException("--batch-size must be at least 1, got " + batchSize);
        }
        if (block != null && block < 2) {
            throw new UserInputException("--block must be at least 2, got " + block);
        }
    }

    /** A {@code --jsonl} that is none of the other files. */
    private void checkJsonl() {
        if (jsonl != null) {
            Path a = jsonl.toAbsolutePath().normalize();
            for (Path other : new Path[] {out, Synthesizer.textFile(out), prompts}) {
                if (a.equals(other.toAbsolutePath().normalize())) {
                    throw new UserInputException(
                            "--jsonl "
                                    + jsonl
                                    + ": the same file as "
                                    + other
                                    + "; choose another");
                }
            }
        }
    }

    /** The decoding settings, as a study's {@code generate} section. */
    private RunConfig.Generate settings(Precision decoding) {
        RunConfig.Generate.Mode how =
                ConfigWords.parse(RunConfig.Generate.Mode.class, "--mode", mode);
        return new RunConfig.Generate(
                how,
                beams,
                repetitionPenalty != null
                        ? repetitionPenalty
                        : how == RunConfig.Generate.Mode.BEAM ? 3.0 : 1.0,
                newTokens,
                lengthPenalty,
                temperature,
                topK,
                topP,
                new dev.ouroboros.harness.run.BatchSize(batchSize),
                dev.ouroboros.models.PrecisionChoice.of(decoding));
    }

    /**
     * The prompt blocks ({@code --max-prompts} of them), refused when there are none or when a
     * block and its continuation exceed the model's position table.
     */
    private BlockSource prompts(PromptsFormat format, OptTokenizer tok, LanguageModel m) {
        BlockSource source = promptBlocks(format, tok, m.config().vocabSize());
        if (maxPrompts != null) {
            source =
                    source.select(
                            java.util.stream.IntStream.range(
                                            0, Math.min(maxPrompts, source.count()))
                                    .toArray());
        }
        if (source.count() == 0) {
            throw new UserInputException(
                    prompts
                            + ": no prompt blocks ("
                            + (maxPrompts != null && maxPrompts < 1
                                    ? "--max-prompts " + maxPrompts
                                    : format == PromptsFormat.JSONL
                                            ? "the file has no prompt lines"
                                            : "the file is empty or shorter than one block of "
                                                    + source.blockSize()
                                                    + " tokens")
                            + "); nothing to generate");
        }
        int context = m.config().maxPositionEmbeddings();
        if (source.blockSize() + newTokens > context) {
            throw new UserInputException(
                    "--new-tokens "
                            + newTokens
                            + ": prompt ("
                            + source.blockSize()
                            + ") + new tokens exceed the model's context ("
                            + context
                            + ")");
        }
        return source;
    }

    /** {@code --prompts-format}, {@code auto} resolved by the extension of {@code --prompts}. */
    private PromptsFormat promptsFormat() {
        PromptsFormat f = ConfigWords.parse(PromptsFormat.class, "--prompts-format", promptsFormat);
        if (f != PromptsFormat.AUTO) {
            return f;
        }
        String name = prompts.getFileName() == null ? "" : prompts.getFileName().toString();
        if (name.endsWith(".bin") || name.endsWith(".blocks")) {
            return PromptsFormat.BLOCKS;
        }
        if (name.endsWith(".jsonl")) {
            return PromptsFormat.JSONL;
        }
        if (name.endsWith(".ids") || name.endsWith(".i32")) {
            return PromptsFormat.INT32;
        }
        return PromptsFormat.TEXT;
    }

    private BlockSource promptBlocks(PromptsFormat format, OptTokenizer tok, int vocab) {
        if (!Files.isRegularFile(prompts)) {
            throw new UserInputException(
                    prompts
                            + (Files.exists(prompts)
                                    ? ": not a regular file (expected text, JSONL or a block file)"
                                    : ": no such file"));
        }
        return switch (format) {
            case BLOCKS -> {
                BlockFile.Header h = BlockFile.readHeader(prompts);
                yield BlockFile.open(prompts, tok.sha256(), block != null ? block : h.blockSize());
            }
            case JSONL -> PromptIds.jsonl(prompts, block, vocab);
            case INT32 -> PromptIds.int32(prompts, block, vocab);
            default ->
                    ShumailovBlocking.blocks(
                            EvalCommand.readText(prompts), tok, block != null ? block : 64);
        };
    }
}
