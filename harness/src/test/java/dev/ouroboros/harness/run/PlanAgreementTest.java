package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.harness.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23, item 6: configs {@code ouro validate} passed (or crashed on) while {@code ouro run}
 * refused, crashed or wrote a directory first. Each is now a problem of the shared {@link
 * StudyPlan}: validate's first ✗ and run's one line are the same, exit 2, and run leaves no run
 * directory.
 */
class PlanAgreementTest {
    static final Path GOLDEN =
            Path.of("../models/src/test/resources/golden/pre_ln_tied_safetensors/model")
                    .toAbsolutePath()
                    .normalize();

    @TempDir Path tmp;

    record Refusal(String name, List<String> overrides, String says) {}

    /** The golden checkpoint with its config.json changed by {@code key = value}. */
    private Path baseWith(String dirName, String key, int value) throws IOException {
        Path dir = tmp.resolve(dirName);
        Files.createDirectories(dir);
        try (Stream<Path> files = Files.list(GOLDEN)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode cfg = (ObjectNode) json.readTree(dir.resolve("config.json").toFile());
        cfg.put(key, value);
        json.writeValue(dir.resolve("config.json").toFile(), cfg);
        return dir;
    }

    List<Refusal> refusals() throws IOException {
        Path tooShort = tmp.resolve("short.txt");
        Files.writeString(tooShort, "a b c d e\nf g h\n");
        Path empty = tmp.resolve("empty.txt");
        Files.writeString(empty, "\n \n");
        Path file = tmp.resolve("a-file");
        Files.writeString(file, "x");
        Path wide = baseWith("base-wide-ffn", "ffn_dim", 256);
        Path deep = baseWith("base-deeper", "num_hidden_layers", 3);
        String longName = "n".repeat(300);
        return List.of(
                new Refusal(
                        "a corpus too short for one training block",
                        List.of(
                                "data.corpus=text",
                                "data.path=" + tooShort,
                                "model.tokenizer=bpe:300"),
                        "data: the train split yields no block of data.block_size 32 tokens"),
                new Refusal(
                        "an empty corpus file",
                        List.of(
                                "data.corpus=text",
                                "data.path=" + empty,
                                "model.tokenizer=bpe:300"),
                        "data.path " + empty + ": the corpus is empty (no text to train on)"),
                new Refusal(
                        "out pointing at a file",
                        List.of("out=" + file),
                        "out: " + file + " is a file, not a directory"),
                new Refusal(
                        "a 300-character name",
                        List.of("name=" + longName),
                        "is 300 bytes, more than a file name can be (255)"),
                new Refusal(
                        "block_size + new_tokens beyond an int",
                        List.of(
                                "data.block_size=2147483647",
                                "generate.new_tokens=2147483647",
                                "model.max_position_embeddings=2147483647"),
                        "model: data.block_size 2147483647 + generate.new_tokens 2147483647 ="
                                + " 4294967294 positions exceed"),
                new Refusal(
                        "a ground-truth corpus larger than the heap",
                        List.of("data.ground_truth.train_lines=2000000000"),
                        "data.ground_truth: 2000000240 lines take about"),
                new Refusal(
                        "a base checkpoint whose tensor shapes do not match its config",
                        List.of("init=base", "model.base=" + wide),
                        "model.base "
                                + wide
                                + ": tensor model.decoder.layers.0.fc1.weight has shape [128, 64]"
                                + " but config.json implies [256, 64]"),
                new Refusal(
                        "a base checkpoint with fewer tensors than its config",
                        List.of("init=base", "model.base=" + deep),
                        "model.base " + deep + ": missing 16 tensor(s) the config needs"));
    }

    @TestFactory
    Stream<DynamicTest> validateAndRunRefuseAlikeAndRunLeavesNothing() throws IOException {
        return refusals().stream().map(r -> DynamicTest.dynamicTest(r.name(), () -> check(r)));
    }

    private void check(Refusal r) {
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
        assertTrue(vLine.contains(r.says()), "validate: " + v.out());
        List<String> rLines = run.err().strip().lines().toList();
        assertEquals(1, rLines.size(), "run: " + run.err());
        assertEquals("ouro: " + vLine, rLines.get(0));
        try (Stream<Path> s = Files.list(tmp)) {
            assertFalse(
                    s.anyMatch(
                            p ->
                                    p.getFileName().toString().equals("runs")
                                            && Files.exists(p.resolve("study"))),
                    "run left a run directory");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
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
