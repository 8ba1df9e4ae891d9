package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.eval.semantic.SemanticCosine;
import dev.ouroboros.harness.CliRun;
import dev.ouroboros.models.encoder.SentenceEncoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tiny study with {@code eval.semantic_encoder} set to the encoder fixture: validate names the
 * encoder, the {@code generated} and {@code real} rows carry {@code semantic_cosine}, equal to the
 * metric recomputed from the texts of continuations.jsonl, and the report summarises and plots it.
 */
class SemanticStudyTest {
    static final Path ENCODER =
            Path.of("../models/src/test/resources/encoder/model").toAbsolutePath().normalize();

    @TempDir Path tmp;

    @Test
    void everyGenerationHasSemanticCosineForGeneratedAndReal() throws Exception {
        List<String> args = new ArrayList<>();
        args.add(StudyTestSupport.SMOKE.toString());
        args.addAll(StudyTestSupport.tiny(tmp));
        args.add("generations=1"); // generation 0 only: no synthesis
        args.add("train.epochs=1");
        args.add("eval.semantic_encoder=" + ENCODER);

        CliRun v = cli("validate", args);
        assertEquals(0, v.exitCode(), v.out() + v.err());
        assertTrue(
                v.out()
                        .contains(
                                "✓ eval.semantic_encoder "
                                        + ENCODER
                                        + ": BERT 2 layers, hidden 32, 16 tokens per sentence,"
                                        + " mean pooling, normalised"),
                v.out());
        CliRun r = cli("run", args);
        assertEquals(0, r.exitCode(), r.err());

        Path run = tmp.resolve("study");
        Map<String, Double> bySplit = new HashMap<>();
        for (MetricsRow row : MetricsLog.read(run.resolve(MetricsLog.FILE)).rows()) {
            if (row.split().equals("generated") || row.split().equals("real")) {
                Double d = row.metrics().get("semantic_cosine");
                // 0 is possible for generated: a barely trained model's continuations can
                // tokenize alike under the fixture's 136-entry vocabulary
                assertTrue(d != null && d >= 0 && d <= 2, row.toString());
                bySplit.put(row.split(), d);
            }
        }
        assertEquals(2, bySplit.size(), bySplit.toString());
        assertTrue(bySplit.get("real") > 0.01, bySplit.toString());

        // recomputed from the texts continuations.jsonl holds
        List<Continuation> cont =
                Continuation.read(
                        run.resolve("policy=accumulate/seed=3/gen=000/continuations.jsonl"));
        assertEquals(4, cont.size());
        try (SentenceEncoder enc = SentenceEncoder.load(ENCODER, ai.djl.Device.cpu())) {
            for (String split : List.of("generated", "real")) {
                List<String> texts =
                        cont.stream()
                                .map(c -> split.equals("real") ? c.reference() : c.text())
                                .toList();
                double again = SemanticCosine.of(enc, SemanticEval.sample(texts, 3, 0));
                assertEquals(bySplit.get(split), again, 1e-12, split);
            }
        }

        CliRun rep = CliRun.of("report", run.toString());
        assertEquals(0, rep.exitCode(), rep.err());
        assertTrue(
                Files.readString(run.resolve("report/summary.csv")).contains(",semantic_cosine,"));
        for (String split : List.of("generated", "real")) {
            assertTrue(
                    Files.exists(
                            run.resolve(
                                    "report/plots/semantic_cosine-vs-generation-"
                                            + split
                                            + ".png")),
                    split);
        }
    }

    private static CliRun cli(String verb, List<String> args) {
        List<String> all = new ArrayList<>();
        all.add(verb);
        all.addAll(args);
        return CliRun.of(all.toArray(String[]::new));
    }
}
