package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.CliRun;
import dev.ouroboros.harness.config.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ouro validate} prints the {@link StudyPlan} and {@code ouro run} executes the same one: a
 * problem of the plan is the same line from both (validate's first ✗, run's one line on stderr),
 * exit 2, and run leaves no run directory behind, whether the problem is found before the data is
 * prepared or on the prepared data.
 */
class StudyPlanTest {
    @TempDir Path tmp;

    /** A config the plan refuses, and a piece of the line both commands must print. */
    record Refusal(String name, List<String> overrides, String says) {}

    List<Refusal> refusals() throws IOException {
        Path text = tmp.resolve("corpus.txt");
        Files.writeString(text, "a line of text\n".repeat(200));
        Path noWeights = tmp.resolve("encoder");
        Files.createDirectories(noWeights);
        Path encoder = Path.of("../models/src/test/resources/encoder/model");
        for (String f : List.of("config.json", "tokenizer.json")) {
            Files.copy(encoder.resolve(f), noWeights.resolve(f));
        }
        return List.of(
                new Refusal(
                        "block_size above a from-scratch model's position table",
                        List.of("model.max_position_embeddings=16"),
                        "model: data.block_size 32 exceeds model.max_position_embeddings (16)"),
                new Refusal(
                        "block_size + new_tokens above the position table",
                        List.of("model.max_position_embeddings=40"),
                        "model: data.block_size 32 + generate.new_tokens 32 = 64 positions exceed"
                                + " model.max_position_embeddings (40)"),
                new Refusal(
                        "a text corpus with neither tokenizer nor base model",
                        List.of("data.corpus=text", "data.path=" + text),
                        "tokenizer: model.tokenizer (or model.base) is required for data.corpus"
                                + " 'text'"),
                new Refusal(
                        "a tokenizer directory that does not exist",
                        List.of("model.tokenizer=" + tmp.resolve("no-tokenizer")),
                        "tokenizer " + tmp.resolve("no-tokenizer") + ": no such directory"),
                new Refusal(
                        "a corpus file that does not exist",
                        List.of(
                                "data.corpus=text",
                                "data.path=" + tmp.resolve("missing.txt"),
                                "model.tokenizer=bpe:300"),
                        "data.path " + tmp.resolve("missing.txt") + ": does not exist"),
                new Refusal(
                        "a random-init vocabulary smaller than the tokenizer (found on the data)",
                        List.of("model.vocab_size=8"),
                        "model: model.vocab_size 8 is smaller than the tokenizer's"),
                new Refusal(
                        "fresh real data the train split does not have (found on the data)",
                        List.of("policies=[fresh-real:0.5]", "generations=200"),
                        "policy fresh-real:0.5: needs 2388 unused real blocks, the train split"
                                + " has only"),
                new Refusal(
                        "an eval.semantic_encoder directory without weights",
                        List.of("eval.semantic_encoder=" + noWeights),
                        "eval.semantic_encoder "
                                + noWeights
                                + ": "
                                + noWeights
                                + ": no model.safetensors, model.safetensors.index.json or"
                                + " pytorch_model.bin"),
                new Refusal(
                        "a model too big for the disk (found on the data)",
                        List.of("model.hidden_size=65536", "model.num_hidden_layers=64"),
                        "more disk"));
    }

    @TestFactory
    Stream<DynamicTest> validateAndRunRefuseWithTheSameLineAndRunLeavesNothing()
            throws IOException {
        return refusals().stream()
                .map(
                        r ->
                                DynamicTest.dynamicTest(
                                        r.name(),
                                        () -> {
                                            Path out = tmp.resolve("runs");
                                            List<String> args = new ArrayList<>();
                                            args.add(StudyTestSupport.SMOKE.toString());
                                            args.addAll(StudyTestSupport.tiny(out));
                                            args.addAll(r.overrides());
                                            CliRun v = cli("validate", args);
                                            CliRun run = cli("run", args);
                                            assertEquals(2, v.exitCode(), v.out() + v.err());
                                            assertEquals(2, run.exitCode(), run.out() + run.err());
                                            String vLine = firstProblem(v.out());
                                            List<String> rLines =
                                                    run.err().strip().lines().toList();
                                            assertTrue(
                                                    vLine.contains(r.says()),
                                                    "validate: " + v.out());
                                            assertEquals(1, rLines.size(), "run: " + run.err());
                                            String rLine = rLines.get(0);
                                            assertTrue(rLine.startsWith("ouro: "), "run: " + rLine);
                                            // the free space a disk line names moves as others
                                            // write; every other line is the same to the letter
                                            assertEquals(
                                                    upToFigures(vLine),
                                                    upToFigures(rLine.substring(6)));
                                            assertFalse(
                                                    Files.exists(out.resolve("study")),
                                                    "run left " + out.resolve("study"));
                                        }));
    }

    @Test
    void aRunDirectoryMadeByAnotherConfigIsRefusedAlikeAndLeftAsItWas() throws IOException {
        Path gaussian = Path.of("../configs/gaussian.yaml").toAbsolutePath().normalize();
        List<String> made = List.of("run", gaussian.toString(), "out=" + tmp, "generations=3");
        assertEquals(0, CliRun.of(made.toArray(String[]::new)).exitCode());
        String manifest = Files.readString(tmp.resolve("gaussian/manifest.json"));
        List<String> other = List.of(gaussian.toString(), "out=" + tmp, "seeds=[7]");
        CliRun v = cli("validate", other);
        CliRun r = cli("run", other);
        assertEquals(2, v.exitCode(), v.out());
        assertEquals(2, r.exitCode(), r.err());
        String line = firstProblem(v.out());
        assertTrue(line.contains(": was started with another config (hash "), line);
        assertEquals("ouro: " + line, r.err().strip());
        assertEquals(manifest, Files.readString(tmp.resolve("gaussian/manifest.json")));
    }

    @Test
    void aPlanThatHoldsHasEveryLineOk() {
        StudyPlan p =
                StudyPlan.of(RunConfig.load(StudyTestSupport.SMOKE, StudyTestSupport.tiny(tmp)));
        assertNull(p.firstProblem(), p.lines().toString());
        assertNotNull(p.placement());
        assertTrue(
                p.lines().stream()
                        .anyMatch(
                                l ->
                                        l.text()
                                                .equals(
                                                        "positions: 64 of 128 (data"
                                                                + ".block_size 32 + generate.new_tokens 32)")),
                p.lines().toString());
        StudyData data =
                p.prepareData(
                        tmp.resolve("data"), dev.ouroboros.datasets.ContentCache.off(), s -> {});
        try (var tok = data.tokenizer()) {
            p.checkData(data);
        }
        assertNull(p.firstProblem(), p.lines().toString());
        assertTrue(data.tokenizer().idLimit() <= p.shape().vocabSize());
        assertFalse(Files.exists(tmp.resolve("study")), "the plan wrote into the run directory");
    }

    @Test
    void oneGenerationWithoutDiversityPromptsNeedsOnlyTheBlock() {
        List<String> o = new ArrayList<>(StudyTestSupport.tiny(tmp));
        o.addAll(
                List.of(
                        "generations=1",
                        "eval.diversity_prompts=0",
                        "model.max_position_embeddings=32"));
        StudyPlan p = StudyPlan.of(RunConfig.load(StudyTestSupport.SMOKE, o));
        assertNull(p.firstProblem(), p.lines().toString());
    }

    /** The line with its disk figures cut off (they follow "more disk"). */
    private static String upToFigures(String line) {
        int i = line.indexOf("more disk");
        return i < 0 ? line : line.substring(0, i);
    }

    private static String firstProblem(String out) {
        return out.lines()
                .filter(l -> l.startsWith("✗ "))
                .map(l -> l.substring(2))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no problem in: " + out));
    }

    private static CliRun cli(String verb, List<String> args) {
        List<String> all = new ArrayList<>(List.of(verb));
        all.addAll(args);
        return CliRun.of(all.toArray(String[]::new));
    }
}
