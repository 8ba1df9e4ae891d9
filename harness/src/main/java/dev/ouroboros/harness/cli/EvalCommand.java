package dev.ouroboros.harness.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.datasets.ShumailovBlocking;
import dev.ouroboros.datasets.TokenBlocks;
import dev.ouroboros.eval.BlocksPerplexity;
import dev.ouroboros.eval.Perplexity;
import dev.ouroboros.eval.RollingPerplexity;
import dev.ouroboros.eval.metrics.MetricDefs;
import dev.ouroboros.harness.base.Progress;
import dev.ouroboros.models.Devices;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ouro eval}: checkpoint perplexity on a text file (docs/design.md#perplexity-protocols).
 */
@Command(
        name = "eval",
        mixinStandardHelpOptions = true,
        description = {
            "Perplexity of an HF OPT checkpoint on a UTF-8 text file (--text) or a run's test subset (--run).",
            "--run scores the blocks the study scored, at its block size (rolling: its whole test split).",
            "blocks: Shumailov et al.'s protocol (per-line BOS, concatenate, blocks of B, exp(sum NLL / sum predictions)).",
            "rolling: lm-eval's loglikelihood_rolling over the whole file as one document (token, word, byte perplexity)."
        })
public final class EvalCommand implements Callable<Integer> {
    enum Protocol {
        blocks,
        rolling
    }

    @Spec CommandSpec spec;

    @Option(
            names = "--model",
            required = true,
            description = "HF checkpoint directory (config.json, weights, tokenizer).")
    Path model;

    @Option(names = "--text", description = "UTF-8 text file to score (or --run).")
    Path text;

    @Option(
            names = "--run",
            paramLabel = "RUN_DIR",
            description =
                    "Score on this run directory's test subset (as its generations were scored) instead of"
                            + " --text.")
    Path run;

    @Option(
            names = "--seed",
            paramLabel = "S",
            description =
                    "With --run under data.subset_seed: seed, whose test subset (default: the first seed).")
    Long seed;

    @Option(
            names = "--protocol",
            defaultValue = "blocks",
            description = "blocks | rolling (default: ${DEFAULT-VALUE}).")
    Protocol protocol;

    @Option(
            names = "--block",
            defaultValue = "64",
            description = "Block size B for protocol blocks (default: ${DEFAULT-VALUE}).")
    int block;

    @Option(
            names = "--window",
            description =
                    "Window W for protocol rolling (default: the model's context, at most 2048).")
    Integer window;

    @Option(
            names = "--max-blocks",
            description = "Score only the first N blocks (rolling: the first N windows).")
    Long maxBlocks;

    @Option(
            names = "--batch-size",
            defaultValue = "8",
            description = "Blocks or windows per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Mixin DeviceOption device;

    @Option(names = "--json", description = "Print one JSON object on stdout instead of a table.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        checkOptions();
        if (run != null) {
            print(RunTestSubset.score(this, run, seed));
            return 0;
        }
        String doc = readText(text);
        long t0 = System.nanoTime();
        ObjectNode out = new ObjectMapper().createObjectNode();
        try (LanguageModel m = LanguageModel.load(model, device.fp32(EvalCommand.class));
                OptTokenizer tok = OptTokenizer.load(model)) {
            m.requireVocabulary(tok, model.toString());
            double loadSeconds = (System.nanoTime() - t0) / 1e9;
            out.put("model", model.toString());
            out.put("text", text.toString());
            out.put("device", Devices.describe(m.device()));
            out.put("parameters", m.parameterCount());
            out.put("protocol", protocol.name());
            long t1 = System.nanoTime();
            int context = m.config().maxPositionEmbeddings();
            if (protocol == Protocol.blocks && block > context) {
                throw new UserInputException(
                        "--block "
                                + block
                                + " exceeds the model's context (max_position_embeddings "
                                + context
                                + ")");
            }
            if (protocol == Protocol.blocks) {
                blocks(m, tok, doc, out);
            } else {
                rolling(m, tok, doc, context, out);
            }
            out.put("load_seconds", loadSeconds);
            out.put("eval_seconds", (System.nanoTime() - t1) / 1e9);
            out.put("peak_rss_mib", peakRssMib());
        }
        print(out);
        return 0;
    }

    private void checkOptions() {
        if ((text == null) == (run == null)) {
            throw new UserInputException("give exactly one of --text FILE and --run RUN_DIR");
        }
        if (seed != null && run == null) {
            throw new UserInputException("--seed goes with --run");
        }
        if (block < 2) {
            throw new UserInputException("--block must be at least 2, got " + block);
        }
        if (batchSize < 1) {
            throw new UserInputException("--batch-size must be at least 1, got " + batchSize);
        }
        if (maxBlocks != null && maxBlocks < 1) {
            throw new UserInputException("--max-blocks must be at least 1, got " + maxBlocks);
        }
    }

    /** The {@code blocks} protocol over the text's Shumailov blocks. */
    private void blocks(LanguageModel m, OptTokenizer tok, String doc, ObjectNode out) {
        blocks(m, ShumailovBlocking.blocks(doc, tok, block), out);
    }

    /** The {@code blocks} protocol over {@code blocks} (the first --max-blocks of them). */
    void blocks(LanguageModel m, TokenBlocks blocks, ObjectNode out) {
        if (maxBlocks != null) {
            blocks = blocks.limit(maxBlocks);
        }
        if (blocks.count() == 0) {
            throw new UserInputException(
                    text + ": too short for even one block of " + block + " tokens");
        }
        BlocksPerplexity r;
        try (Progress p = new Progress("eval blocks", "blocks", blocks.count())) {
            r = Perplexity.blocks(m, blocks, batchSize, p::update);
        }
        String name = MetricDefs.pplBlocks(r.block()).name();
        out.put("metric", MetricDefs.pplBlocks(r.block()).versionedName()); // as in metrics.jsonl
        out.putObject("metrics").put(name, r.perplexity());
        out.put("perplexity", r.perplexity());
        out.put("nll_sum", r.nllSum());
        out.put("n_predictions", r.nPredictions());
        out.put("n_blocks", r.nBlocks());
        out.put("block", r.block());
    }

    /** The {@code rolling} protocol over the whole text (or its first windows). */
    void rolling(LanguageModel m, OptTokenizer tok, String doc, int context, ObjectNode out) {
        int w = window != null ? window : Math.min(2048, context);
        if (w < 1 || w > context) {
            throw new UserInputException(
                    "--window must be in [1, "
                            + context
                            + "] (the model's max_position_embeddings), got "
                            + w);
        }
        long[] ids = tok.encodeNoSpecial(doc);
        if (maxBlocks != null && maxBlocks < Perplexity.rollingWindowCount(ids.length, w)) {
            // score a prefix of the document: the first N windows, and count words/bytes of
            // that prefix only
            int keep = (int) Math.min(ids.length, (long) w * maxBlocks);
            ids = Arrays.copyOf(ids, keep);
            doc = tok.decode(ids);
            out.put("truncated_to_tokens", keep);
        }
        if (ids.length == 0) {
            throw new UserInputException(text + ": no tokens to score");
        }
        RollingPerplexity r;
        try (Progress p =
                new Progress(
                        "eval rolling", "windows", Perplexity.rollingWindowCount(ids.length, w))) {
            r = Perplexity.rolling(m, doc, ids, tok.bosId(), w, batchSize, p::update);
        }
        // the names and versions metrics.jsonl uses
        com.fasterxml.jackson.databind.node.ObjectNode named = out.putObject("metrics");
        named.put("ppl_rolling_token", r.tokenPerplexity())
                .put("ppl_rolling_word", r.wordPerplexity())
                .put("ppl_rolling_byte", r.bytePerplexity())
                .put("bits_per_byte", r.bitsPerByte());
        com.fasterxml.jackson.databind.node.ArrayNode versions = out.putArray("metric_ids");
        named.fieldNames()
                .forEachRemaining(n -> versions.add(MetricDefs.require(n).versionedName()));
        out.put("token_perplexity", r.tokenPerplexity());
        out.put("word_perplexity", r.wordPerplexity());
        out.put("byte_perplexity", r.bytePerplexity());
        out.put("bits_per_byte", r.bitsPerByte());
        out.put("nll_sum", r.nllSum());
        out.put("n_tokens", r.nTokens());
        out.put("n_words", r.nWords());
        out.put("n_bytes", r.nBytes());
        out.put("window", r.window());
    }

    private void print(ObjectNode out) throws IOException {
        PrintWriter w = spec.commandLine().getOut();
        if (json) {
            w.println(new ObjectMapper().writeValueAsString(out));
        } else {
            out.fields()
                    .forEachRemaining(
                            e -> w.printf("%-18s %s%n", e.getKey(), e.getValue().asText()));
        }
        w.flush();
    }

    static String readText(Path file) {
        return dev.ouroboros.datasets.TextCorpora.readUtf8(file);
    }

    /** Peak resident memory of this process (VmHWM), or -1 where /proc is unavailable. */
    static long peakRssMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux
        }
        return -1;
    }
}
