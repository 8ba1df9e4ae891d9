package dev.ouroboros.harness.run;

import ai.djl.Device;
import dev.ouroboros.eval.semantic.SemanticCosine;
import dev.ouroboros.eval.semantic.Sentences;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.models.encoder.SentenceEncoder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGeneratorFactory;

/**
 * {@code semantic_cosine} of a generation's continuations ({@code generated}) and of the real text
 * that follows the same prompts ({@code real}), when {@code eval.semantic_encoder} names an
 * encoder: sentences split by {@link Sentences}, at most {@link Sentences#SAMPLE} of them drawn
 * with the generation's eval seed (a fresh stream per split), embedded on the model's device.
 */
final class SemanticEval {
    static final String METRIC = "semantic_cosine";

    private SemanticEval() {}

    /**
     * Adds {@code semantic_cosine} to {@code generatedRow} and {@code realRow} (each only when
     * defined: two sentences or more); nothing when no encoder is configured.
     */
    static void add(
            RunConfig cfg,
            Device device,
            List<String> generated,
            List<String> real,
            long seed,
            int t,
            Map<String, Double> generatedRow,
            Map<String, Double> realRow) {
        String dir = cfg.eval().semanticEncoder();
        if (dir == null) {
            return;
        }
        try (SentenceEncoder encoder = SentenceEncoder.load(Path.of(dir), device)) {
            put(generatedRow, SemanticCosine.of(encoder, sample(generated, seed, t)));
            put(realRow, SemanticCosine.of(encoder, sample(real, seed, t)));
        }
    }

    /** The sentences {@code semantic_cosine} is computed on. */
    static List<String> sample(List<String> texts, long seed, int t) {
        return Sentences.sample(
                Sentences.ofAll(texts),
                Sentences.SAMPLE,
                RandomGeneratorFactory.of("L64X128MixRandom").create(Seeds.eval(seed, t)));
    }

    private static void put(Map<String, Double> row, double v) {
        if (Double.isFinite(v)) {
            row.put(METRIC, v);
        }
    }

    /** The plan's line for {@code eval.semantic_encoder}, or null when none is configured. */
    static StudyPlan.Line planLine(RunConfig cfg) {
        String dir = cfg.eval().semanticEncoder();
        if (dir == null) {
            return null;
        }
        try {
            return new StudyPlan.Line(
                    true,
                    "eval.semantic_encoder " + dir + ": " + SentenceEncoder.check(Path.of(dir)));
        } catch (RuntimeException e) { // UserInputException: one line naming the file
            return new StudyPlan.Line(
                    false, "eval.semantic_encoder " + dir + ": " + e.getMessage());
        }
    }
}
