package dev.ouroboros.harness.run;

import ai.djl.Device;
import dev.ouroboros.eval.semantic.SemanticCosine;
import dev.ouroboros.eval.semantic.Sentences;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.models.encoder.SentenceEncoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The cost of {@code semantic_cosine} per generation (docs/benchmarks.md#semantic-diversity):
 * {@code SemanticBench ENCODER TEXT PROMPTS WORDS [REPEATS]} cuts the English text file TEXT into
 * continuations of WORDS words, takes PROMPTS of them as {@code generated} and the next PROMPTS as
 * {@code real}, and times {@link SemanticEval#add} (load the encoder, split and sample sentences,
 * embed both splits, the two distances) REPEATS times (default 5) after one warm-up, on the CPU.
 */
public final class SemanticBench {
    private SemanticBench() {}

    public static void main(String[] args) throws Exception {
        Path encoder = Path.of(args[0]);
        String[] words = Files.readString(Path.of(args[1])).trim().split("\\s+");
        int prompts = Integer.parseInt(args[2]);
        int per = Integer.parseInt(args[3]);
        int repeats = args.length > 4 ? Integer.parseInt(args[4]) : 5;
        List<String> generated = chunks(words, 0, prompts, per);
        List<String> real = chunks(words, prompts, prompts, per);
        RunConfig cfg =
                RunConfig.parse("", List.of("precision=fp32", "eval.semantic_encoder=" + encoder));
        List<String> sentences = Sentences.ofAll(generated);
        try (SentenceEncoder enc = SentenceEncoder.load(encoder, Device.cpu())) {
            long tokens = Arrays.stream(enc.tokenIds(sentences)).mapToLong(r -> r.length).sum();
            System.out.printf(
                    Locale.ROOT,
                    "%s: %d prompts x %d words: %d + %d sentences, %.1f tokens per generated"
                            + " sentence (max %d)%n",
                    encoder.getFileName(),
                    prompts,
                    per,
                    sentences.size(),
                    Sentences.ofAll(real).size(),
                    (double) tokens / sentences.size(),
                    enc.maxSeqLength());
        }
        for (int i = 0; i < 3; i++) {
            breakdown(encoder, sentences);
        }
        double[] secs = new double[repeats + 1];
        Map<String, Double> g = new LinkedHashMap<>();
        Map<String, Double> r = new LinkedHashMap<>();
        for (int i = 0; i <= repeats; i++) {
            long t0 = System.nanoTime();
            SemanticEval.add(cfg, Device.cpu(), generated, real, 0, 1, g, r);
            secs[i] = (System.nanoTime() - t0) / 1e9;
        }
        double[] timed = Arrays.copyOfRange(secs, 1, secs.length);
        Arrays.sort(timed);
        System.out.printf(
                Locale.ROOT,
                "seconds per generation: warm-up %.3f, median %.3f, min %.3f, max %.3f"
                        + " (semantic_cosine generated %.4f, real %.4f)%n",
                secs[0],
                timed[timed.length / 2],
                timed[0],
                timed[timed.length - 1],
                g.get(SemanticEval.METRIC),
                r.get(SemanticEval.METRIC));
    }

    /** Where the time of one split goes: load, tokenize, embed, distance. */
    private static void breakdown(Path encoder, List<String> sentences) {
        long t0 = System.nanoTime();
        try (SentenceEncoder enc = SentenceEncoder.load(encoder, Device.cpu());
                ai.djl.ndarray.NDManager m =
                        ai.djl.ndarray.NDManager.newBaseManager(Device.cpu())) {
            long t1 = System.nanoTime();
            enc.tokenIds(sentences);
            long t2 = System.nanoTime();
            ai.djl.ndarray.NDArray e = enc.embed(m, sentences, SemanticCosine.BATCH);
            e.toFloatArray();
            long t3 = System.nanoTime();
            SemanticCosine.meanPairwiseDistance(e);
            long t4 = System.nanoTime();
            System.out.printf(
                    Locale.ROOT,
                    "one split: load %.3f s, tokenize %.3f s, embed %.3f s, distance %.3f s%n",
                    (t1 - t0) / 1e9,
                    (t2 - t1) / 1e9,
                    (t3 - t2) / 1e9,
                    (t4 - t3) / 1e9);
        }
    }

    private static List<String> chunks(String[] words, int from, int n, int per) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            StringBuilder b = new StringBuilder();
            for (int j = 0; j < per; j++) {
                b.append(j == 0 ? "" : " ").append(words[(i * per + j) % words.length]);
            }
            out.add(b.toString());
        }
        return out;
    }
}
