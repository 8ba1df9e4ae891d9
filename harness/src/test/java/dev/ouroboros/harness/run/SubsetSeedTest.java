package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.harness.CliRun;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.models.Precision;
import dev.ouroboros.models.UserInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code data.subset_seed}: {@code study} (the default) leaves the config hash and the data as they
 * were; {@code seed} gives every seed its own D0, validation/test subsets and prompts, the policies
 * of one seed sharing them (generation 0 still shared), recorded in the manifest.
 */
class SubsetSeedTest {
    @TempDir Path tmp;

    @Test
    void theDefaultKeepsTheHashAndSeedIsHashed() {
        // a config.resolved.yaml written before data.subset_seed existed resumes with its hash
        String old =
                RunConfig.load(StudyTestSupport.SMOKE, List.of())
                        .withPrecision(Precision.FP32)
                        .toYaml()
                        .lines()
                        .filter(l -> !l.contains("subset_seed:"))
                        .collect(java.util.stream.Collectors.joining("\n"));
        assertFalse(old.contains("subset_seed"));
        assertEquals(hash(), RunConfig.parse(old, List.of()).hash());
        assertEquals(hash(), hash("data.subset_seed=study"));
        assertNotEquals(hash(), hash("data.subset_seed=seed"));
        UserInputException e =
                org.junit.jupiter.api.Assertions.assertThrows(
                        UserInputException.class,
                        () ->
                                RunConfig.load(
                                        StudyTestSupport.SMOKE,
                                        List.of("data.subset_seed=seed", "data.subset=first")));
        assertTrue(e.getMessage().contains("data.subset_seed"), e.getMessage());
    }

    @Test
    void smokeWithSubsetSeedSeedDrawsEachSeedsOwnData() throws Exception {
        ai.djl.engine.Engine.getInstance();
        ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
        CliRun r =
                CliRun.of(
                        "run",
                        StudyTestSupport.SMOKE.toString(),
                        "out=" + tmp,
                        "data.subset_seed=seed",
                        "generations=2");
        assertEquals(0, r.exitCode(), r.err());
        Path run = tmp.resolve("smoke");
        JsonNode m = new ObjectMapper().readTree(run.resolve("manifest.json").toFile());
        assertEquals("seed", m.path("data_subset_seed").asText());
        assertFalse(m.has("data_subsets"), "one entry per seed instead: " + m);
        JsonNode by = m.get("data_subsets_by_seed");
        for (String split : List.of("train", "validation", "test", "prompts")) {
            JsonNode a = by.get("0").get(split);
            JsonNode b = by.get("1").get(split);
            assertEquals(a.get("blocks"), b.get("blocks"), split);
            assertNotEquals(a.get("sha256"), b.get("sha256"), split + ": the seeds' draws");
        }
        // seed 0 draws what the whole study draws under subset_seed: study (its first seed)
        RunConfig studyCfg = RunConfig.load(StudyTestSupport.SMOKE, List.of());
        StudyData shared = StudyData.prepare(studyCfg, run.resolve("data"));
        try {
            shared.chosen()
                    .forEach(
                            (split, c) ->
                                    assertEquals(
                                            c.describe(),
                                            by.get("0").get(split),
                                            "seed 0 " + split));
        } finally {
            shared.tokenizer().close();
        }
        // within a seed the policies stay paired: accumulate adopts replace's generation 0
        for (int seed : new int[] {0, 1}) {
            assertTrue(
                    Files.exists(
                            run.resolve("policy=accumulate/seed=" + seed + "/gen=000/ADOPTED")));
        }
        // the seeds' generation 0 continued different prompts (their own test subsets)
        assertNotEquals(
                prompts(run.resolve("policy=replace/seed=0/gen=000/continuations.jsonl")),
                prompts(run.resolve("policy=replace/seed=1/gen=000/continuations.jsonl")));
        // resuming is a no-op (the manifest's per-seed subsets agree)
        CliRun again =
                CliRun.of(
                        "run",
                        StudyTestSupport.SMOKE.toString(),
                        "out=" + tmp,
                        "data.subset_seed=seed",
                        "generations=2");
        assertEquals(0, again.exitCode(), again.err());
    }

    private static String hash(String... overrides) {
        return RunConfig.load(StudyTestSupport.SMOKE, List.of(overrides))
                .withPrecision(Precision.FP32)
                .hash();
    }

    private static List<String> prompts(Path continuations) throws Exception {
        return Continuation.read(continuations).stream().map(Continuation::promptText).toList();
    }
}
