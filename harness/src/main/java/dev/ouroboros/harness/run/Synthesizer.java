package dev.ouroboros.harness.run;

import dev.ouroboros.datasets.BlockFile;
import dev.ouroboros.datasets.BlockFileWriter;
import dev.ouroboros.datasets.BlockSource;
import dev.ouroboros.datasets.TokenBlocks;
import dev.ouroboros.harness.base.Progress;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.TokenIds;
import dev.ouroboros.models.decode.DecodingStrategy;
import dev.ouroboros.models.decode.GenerationOptions;
import dev.ouroboros.models.decode.GenerationResult;
import dev.ouroboros.models.decode.Generator;
import dev.ouroboros.models.io.AtomicFile;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Synthetic data as Shumailov et al. made it: every prompt (a real training block) is continued by
 * exactly {@code new_tokens} tokens and only the new tokens form the synthetic block. Written batch
 * by batch to an int32 block file; a killed set resumes from its last committed batch. The decoded
 * text goes to a gzipped JSONL afterwards.
 */
public final class Synthesizer {
    private Synthesizer() {}

    /**
     * The generation options of a run config; {@code stream} seeds sampling (one stream per batch).
     */
    public static GenerationOptions options(RunConfig.Generate g, long stream) {
        DecodingStrategy s =
                switch (g.mode()) {
                    case BEAM ->
                            new DecodingStrategy.BeamSearch(
                                    g.numBeams(),
                                    g.lengthPenalty(),
                                    DecodingStrategy.EarlyStopping.HEURISTIC);
                    case GREEDY -> new DecodingStrategy.Greedy();
                    default ->
                            DecodingStrategy.Sampling.seeded(
                                    g.temperature(), g.topK(), g.topP(), stream);
                };
        return new GenerationOptions(
                s,
                g.newTokens(),
                g.newTokens(),
                g.repetitionPenalty(),
                GenerationOptions.OPT_EOS,
                GenerationOptions.OPT_PAD,
                true);
    }

    /**
     * Continues each prompt; returns the new tokens (exactly {@code new_tokens} per prompt), never
     * an id the tokenizer does not have (a from-scratch model's vocabulary is padded beyond it).
     */
    public static List<long[]> continuations(
            LanguageModel model,
            OptTokenizer tok,
            List<long[]> prompts,
            RunConfig.Generate g,
            long stream) {
        GenerationResult r =
                new Generator(model)
                        .limitIds(Math.min(tok.idLimit(), model.config().vocabSize()))
                        .precision(g.fixedPrecision())
                        .generate(prompts, options(g, stream));
        return r.tokens();
    }

    /**
     * Makes (or finishes) {@code out}: one synthetic block per prompt of {@code prompts}.
     *
     * @param seed base of the per-batch sampling streams (a resumed batch draws what it would have
     *     drawn)
     */
    public static BlockFile make(
            LanguageModel model,
            OptTokenizer tok,
            BlockSource prompts,
            RunConfig.Generate g,
            long seed,
            Path out,
            String task) {
        int n = prompts.count();
        int b = g.newTokens();
        try (BlockFileWriter w = BlockFileWriter.open(out, b, tok.sha256());
                // a set already whole (shared, or made before a restart) has no progress to show
                Progress progress = w.count() < n ? new Progress(task, "blocks", n, b) : null) {
            if (progress != null) {
                progress.update(w.count());
            }
            int per = g.batchSize().fixed();
            for (int start = (int) w.count(); start < n; start += per) {
                int end = Math.min(n, start + per);
                List<long[]> batch = new ArrayList<>();
                for (int i = start; i < end; i++) {
                    batch.add(TokenIds.toLong(prompts.block(i)));
                }
                List<long[]> news =
                        continuations(model, tok, batch, g, Seeds.mix(seed, start / per));
                int[] flat = new int[(end - start) * b];
                for (int i = 0; i < news.size(); i++) {
                    long[] t = news.get(i);
                    if (t.length != b) {
                        throw new IllegalStateException(
                                "prompt "
                                        + (start + i)
                                        + ": "
                                        + t.length
                                        + " new tokens, expected "
                                        + b);
                    }
                    for (int j = 0; j < b; j++) {
                        flat[i * b + j] = (int) t[j];
                    }
                }
                w.append(new TokenBlocks(b, flat));
                dev.ouroboros.models.CrashPoint.here("synthesize-batch");
                progress.update(end);
            }
        }
        BlockFile file = BlockFile.open(out, tok.sha256(), b);
        writeText(file, tok, textFile(out));
        return file;
    }

    /**
     * The decoded text of the set {@code out}: {@code out} minus {@code .bin}, + {@code .jsonl.gz}.
     */
    public static Path textFile(Path out) {
        return Path.of(out.toString().replaceFirst("\\.bin$", "") + ".jsonl.gz");
    }

    /**
     * {@code {"index", "prompt_ids", "new_ids", "prompt_text", "text"}} per prompt ({@code ouro
     * generate --jsonl}): prompt {@code i} of {@code prompts} and synthetic block {@code i} of
     * {@code made}, texts decoded by {@code tok}; plain JSONL, written atomically.
     */
    public static void writeRecords(
            BlockSource prompts, BlockSource made, OptTokenizer tok, Path file) {
        if (prompts.count() != made.count()) {
            throw new IllegalStateException(
                    made.count() + " synthetic blocks for " + prompts.count() + " prompts");
        }
        AtomicFile.write(
                file,
                ch -> {
                    // not closed here: AtomicFile fsyncs and closes the channel itself
                    Writer w =
                            new java.io.BufferedWriter(
                                    new OutputStreamWriter(
                                            Channels.newOutputStream(ch), StandardCharsets.UTF_8),
                                    1 << 16);
                    com.fasterxml.jackson.databind.ObjectMapper json =
                            new com.fasterxml.jackson.databind.ObjectMapper();
                    for (int i = 0; i < prompts.count(); i++) {
                        int[] p = prompts.block(i);
                        int[] t = made.block(i);
                        var row = json.createObjectNode().put("index", i);
                        var pa = row.putArray("prompt_ids");
                        for (int id : p) {
                            pa.add(id);
                        }
                        var ta = row.putArray("new_ids");
                        for (int id : t) {
                            ta.add(id);
                        }
                        row.put("prompt_text", tok.decode(TokenIds.toLong(p)));
                        row.put("text", tok.decode(TokenIds.toLong(t)));
                        w.write(json.writeValueAsString(row));
                        w.write('\n');
                    }
                    w.flush();
                });
    }

    /** {@code {"index": i, "text": decoded}} per block, gzipped, atomically. */
    static void writeText(BlockSource blocks, OptTokenizer tok, Path file) {
        AtomicFile.write(
                file,
                ch -> {
                    // not closed here: AtomicFile fsyncs and closes the channel itself
                    GZIPOutputStream gz =
                            new GZIPOutputStream(Channels.newOutputStream(ch), 1 << 16);
                    Writer w = new OutputStreamWriter(gz, StandardCharsets.UTF_8);
                    com.fasterxml.jackson.databind.ObjectMapper json =
                            new com.fasterxml.jackson.databind.ObjectMapper();
                    for (int i = 0; i < blocks.count(); i++) {
                        var row =
                                json.createObjectNode()
                                        .put("index", i)
                                        .put("text", tok.decode(TokenIds.toLong(blocks.block(i))));
                        w.write(json.writeValueAsString(row));
                        w.write('\n');
                    }
                    w.flush();
                    gz.finish();
                });
    }
}
