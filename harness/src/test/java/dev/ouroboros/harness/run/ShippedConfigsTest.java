package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.config.TrainConfig;
import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Every shipped config loads, validates, and begins with the command that runs it. */
class ShippedConfigsTest {
    static final Path CONFIGS = Path.of("../configs").toAbsolutePath().normalize();

    static List<Path> shipped() throws IOException {
        try (Stream<Path> s = Files.list(CONFIGS)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".yaml")).sorted().toList();
        }
    }

    @Test
    void theExpectedConfigsShip() throws IOException {
        List<String> names = shipped().stream().map(p -> p.getFileName().toString()).toList();
        for (String n :
                List.of(
                        "smoke.yaml",
                        "shumailov-replace.yaml",
                        "shumailov-keep10.yaml",
                        "accumulate.yaml",
                        "accumulate-subsample.yaml",
                        "gerstgrasser-scratch.yaml",
                        "policies.yaml",
                        "own-corpus.yaml")) {
            assertTrue(names.contains(n), n + " is missing from configs/: " + names);
        }
    }

    /**
     * The README's override example runs right after its quick start: a changed config in a run
     * directory of its own, not refused because runs/smoke holds the quick start's run.
     */
    @Test
    void theReadmeOverrideExampleGetsItsOwnRunDirectory() throws IOException {
        String readme = Files.readString(CONFIGS.resolveSibling("README.md"));
        String marker = "Overrides use dotted keys after the file: `";
        int at = readme.indexOf(marker);
        assertTrue(at >= 0, "README has the override example");
        String command =
                readme.substring(at + marker.length(), readme.indexOf('`', at + marker.length()));
        List<String> words = Stream.of(command.split("\\s+")).map(w -> w.replace("'", "")).toList();
        assertEquals(List.of("scripts/ouro", "run", "configs/smoke.yaml"), words.subList(0, 3));
        RunConfig quickStart = RunConfig.load(CONFIGS.resolve("smoke.yaml"), List.of());
        RunConfig example =
                RunConfig.load(CONFIGS.resolve("smoke.yaml"), words.subList(3, words.size()));
        dev.ouroboros.models.Precision cpu = dev.ouroboros.models.Precision.FP32; // auto on a CPU
        assertFalse(
                quickStart.withPrecision(cpu).hash().equals(example.withPrecision(cpu).hash()),
                "the example changes the config");
        assertFalse(
                quickStart.runDir().equals(example.runDir()),
                "the example would be refused in " + quickStart.runDir());
    }

    @TestFactory
    Stream<DynamicTest> everyConfigLoadsAndNamesItsCommand() throws IOException {
        return shipped().stream()
                .map(
                        p ->
                                DynamicTest.dynamicTest(
                                        p.getFileName().toString(),
                                        () -> {
                                            String name = p.getFileName().toString();
                                            String first = Files.readAllLines(p).get(0);
                                            assertTrue(
                                                    first.matches(
                                                            "# scripts/ouro (run|sweep|train --config) configs/"
                                                                    + java.util.regex.Pattern.quote(
                                                                            name)
                                                                    + "(\\s.*)?"),
                                                    name
                                                            + ": first line must be the command that runs it, got: "
                                                            + first);
                                            if (name.startsWith("train-")) {
                                                TrainConfig.load(p, List.of());
                                            } else {
                                                RunConfig c = RunConfig.load(p, List.of());
                                                assertEquals(
                                                        c.generate().newTokens(),
                                                        c.data().blockSize(),
                                                        name
                                                                + ": new_tokens must equal block_size");
                                                assertFalse(c.name().isBlank());
                                                if (!dev.ouroboros.harness.config.ConfigWords.word(
                                                                c.init())
                                                        .equals("scratch")) {
                                                    assertTrue(
                                                            c.model().base() != null
                                                                    || dev.ouroboros.harness.config
                                                                            .ConfigWords.word(
                                                                                    c.init())
                                                                            .equals("previous"),
                                                            name);
                                                }
                                            }
                                        }));
    }

    @Test
    void shumailovConfigsPinThePaperSetup() {
        RunConfig r = RunConfig.load(CONFIGS.resolve("shumailov-replace.yaml"), List.of());
        assertEquals("checkpoints/opt-125m", r.model().base());
        assertEquals("wikitext2", dev.ouroboros.harness.config.ConfigWords.word(r.data().corpus()));
        assertEquals("data/wikitext-2-raw-v1", r.data().path());
        assertEquals("base", dev.ouroboros.harness.config.ConfigWords.word(r.init()));
        assertEquals(10, r.generations());
        assertEquals(
                List.of("replace"),
                r.policies().stream()
                        .map(dev.ouroboros.harness.policy.MixingPolicy::spec)
                        .toList());
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L), r.seeds());
        assertEquals(5, r.training().train().epochs());
        assertEquals(2e-5, r.training().optim().lr());
        assertEquals(128, r.training().train().batchSize());
        assertEquals(0, r.training().train().batchSize() % r.training().train().microBatchSize());
        assertEquals(
                "cosine",
                dev.ouroboros.harness.config.ConfigWords.word(r.training().schedule().kind()));
        assertEquals(
                "epoch",
                dev.ouroboros.harness.config.ConfigWords.word(r.training().schedule().cycle()));
        assertEquals(1e-6, r.training().schedule().etaMin());
        assertEquals(64, r.data().blockSize());
        assertEquals("beam", dev.ouroboros.harness.config.ConfigWords.word(r.generate().mode()));
        assertEquals(5, r.generate().numBeams());
        assertEquals(3.0, r.generate().repetitionPenalty());
        assertEquals(64, r.generate().newTokens());
        assertEquals("last", dev.ouroboros.harness.config.ConfigWords.word(r.keep()));
        assertEquals("cuda", r.device());

        RunConfig k = RunConfig.load(CONFIGS.resolve("shumailov-keep10.yaml"), List.of());
        assertEquals(10, k.training().train().epochs());
        assertEquals(
                List.of("keep-real:0.1"),
                k.policies().stream()
                        .map(dev.ouroboros.harness.policy.MixingPolicy::spec)
                        .toList());
        assertEquals(r.hash().length(), k.hash().length());
        RunConfig g = RunConfig.load(CONFIGS.resolve("gerstgrasser-scratch.yaml"), List.of());
        assertEquals("scratch", dev.ouroboros.harness.config.ConfigWords.word(g.init()));
        assertEquals(
                List.of("replace", "accumulate"),
                g.policies().stream()
                        .map(dev.ouroboros.harness.policy.MixingPolicy::spec)
                        .toList());
    }

    @Test
    void unknownKeysAndBadValuesFailWithDidYouMean() {
        Path p = CONFIGS.resolve("shumailov-replace.yaml");
        UserInputException e =
                assertThrows(
                        UserInputException.class,
                        () -> RunConfig.load(p, List.of("optim.lrr=1e-4")));
        assertTrue(e.getMessage().contains("did you mean 'optim.lr'"), e.getMessage());
        e =
                assertThrows(
                        UserInputException.class,
                        () -> RunConfig.load(p, List.of("generatoins=3")));
        assertTrue(e.getMessage().contains("did you mean 'generations'"), e.getMessage());
        e =
                assertThrows(
                        UserInputException.class,
                        () -> RunConfig.load(p, List.of("policies=[replase]")));
        assertTrue(
                e.getMessage().contains("did you mean") && e.getMessage().contains("replace"),
                e.getMessage());
        e = assertThrows(UserInputException.class, () -> RunConfig.load(p, List.of("keep=lasst")));
        assertTrue(
                e.getMessage().contains("did you mean") && e.getMessage().contains("last"),
                e.getMessage());
        e =
                assertThrows(
                        UserInputException.class,
                        () ->
                                TrainConfig.load(
                                        CONFIGS.resolve("train-tiny.yaml"),
                                        List.of("optim.lrr=1")));
        assertTrue(e.getMessage().contains("did you mean"), e.getMessage());
    }
}
