package dev.ouroboros.harness.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.eval.diversity.LexicalDiversity;
import dev.ouroboros.eval.diversity.Words;
import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.harness.CliRun;
import dev.ouroboros.harness.run.Continuation;
import dev.ouroboros.harness.run.RunDir;
import dev.ouroboros.harness.run.StudyTestSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The text kept: every generation writes the continuations its diversity metrics were computed on
 * to continuations.jsonl (generation 0's shared with the other policy), and {@code ouro samples}
 * shows one prompt's continuation generation by generation.
 */
class SamplesCommandTest {
    @TempDir static Path tmp;
    static Path run;

    @BeforeAll
    static void tinyRunOfTwoPolicies() throws Exception {
        List<String> cfg = new ArrayList<>(StudyTestSupport.tiny(tmp));
        cfg.add("policies=[replace,accumulate]");
        StringBuilder log = new StringBuilder();
        assertEquals(0, StudyTestSupport.runChild(cfg, null, log), log.toString());
        run = tmp.resolve("study");
    }

    @Test
    void everyGenerationKeepsTheTextItsMetricsWereComputedOn() throws Exception {
        List<MetricsRow> rows = MetricsLog.read(run.resolve(MetricsLog.FILE)).rows();
        for (String policy : List.of("replace", "accumulate")) {
            for (int t = 0; t < 3; t++) {
                Path f = RunDir.gen(RunDir.cell(run, policy, 3), t).resolve(Continuation.FILE);
                List<Continuation> c = Continuation.read(f);
                assertEquals(4, c.size(), f.toString());
                for (Continuation x : c) {
                    assertEquals(32, x.promptIds().length);
                    assertEquals(32, x.ids().length, "exactly new_tokens");
                    assertFalse(x.text().isBlank());
                }
                int gen = t;
                MetricsRow generated =
                        rows.stream()
                                .filter(
                                        r ->
                                                r.policy().equals(policy)
                                                        && r.generation() == gen
                                                        && r.split().equals("generated"))
                                .findFirst()
                                .orElseThrow();
                double distinct1 =
                        LexicalDiversity.distinctN(
                                Words.ofAll(c.stream().map(Continuation::text).toList()), 1);
                assertEquals(generated.metrics().get("distinct_1"), distinct1, policy + " " + t);
            }
        }
        // generation 0 does not depend on the policy: accumulate's is replace's, linked
        Path a = run.resolve("policy=accumulate/seed=3/gen=000").resolve(Continuation.FILE);
        Path r = run.resolve("policy=replace/seed=3/gen=000").resolve(Continuation.FILE);
        assertTrue(Files.isSameFile(a, r) || Files.mismatch(a, r) == -1);
        assertEquals(0, CliRun.of("verify", run.toString()).exitCode());
    }

    @Test
    void samplesShowsOnePromptAcrossGenerationsAsTextAndJson() throws Exception {
        CliRun text = CliRun.of("samples", run.toString());
        assertEquals(0, text.exitCode(), text.err());
        List<String> lines = text.out().lines().toList();
        assertEquals("policy=replace/seed=3, prompt 0 (test block 0)", lines.get(0));
        assertTrue(lines.get(1).startsWith("prompt  "), text.out());
        assertTrue(lines.get(2).startsWith("real    "), text.out());
        Continuation g2 =
                Continuation.read(
                                run.resolve("policy=replace/seed=3/gen=002")
                                        .resolve(Continuation.FILE))
                        .get(0);
        assertEquals(
                List.of("gen 0", "gen 1", "gen 2"),
                lines.subList(3, 6).stream().map(l -> l.substring(0, 5)).toList());
        assertTrue(lines.get(5).contains(g2.text().strip().split("\n")[0].strip()), text.out());

        CliRun j =
                CliRun.of(
                        "samples",
                        run.toString(),
                        "--policy",
                        "accumulate",
                        "--seed",
                        "3",
                        "--prompt",
                        "3",
                        "--gens",
                        "2,0",
                        "--json");
        assertEquals(0, j.exitCode(), j.err());
        JsonNode o = new ObjectMapper().readTree(j.out());
        assertEquals("accumulate", o.get("policy").asText());
        assertEquals(3, o.get("prompt").asInt());
        assertEquals(6, o.get("test_block").asInt());
        assertEquals(32, o.get("prompt_ids").size());
        assertEquals(2, o.get("generations").size());
        assertEquals(0, o.at("/generations/0/generation").asInt());
        assertEquals(2, o.at("/generations/1/generation").asInt());
        Continuation c =
                Continuation.read(
                                run.resolve("policy=accumulate/seed=3/gen=002")
                                        .resolve(Continuation.FILE))
                        .get(3);
        assertEquals(c.text(), o.at("/generations/1/continuation_text").asText());
        assertEquals(32, o.at("/generations/1/continuation_ids").size());
    }

    @Test
    void badPolicySeedPromptOrGenerationIsOneLineNamingWhatExists() {
        bad("--policy nope: " + run + " has policies replace, accumulate", "--policy", "nope");
        bad("--seed 9: policy replace of " + run + " has seeds 3", "--seed", "9");
        bad("--prompt 4: policy=replace/seed=3/gen=000 has prompts 0..3", "--prompt", "4");
        bad(
                "--gens 1,5: policy=replace/seed=3 has no continuations for generation 5 (it has"
                        + " them for generations 0, 1, 2)",
                "--gens",
                "1,5");
        bad("--gens x: 'x' is not a generation number", "--gens", "x");
        CliRun r = CliRun.of("samples", tmp.resolve("nowhere").toString());
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("not a run directory"), r.err());
    }

    private static void bad(String message, String... options) {
        List<String> args = new ArrayList<>(List.of("samples", run.toString()));
        args.addAll(List.of(options));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertEquals("ouro: " + message, r.err().strip());
        assertTrue(r.out().isEmpty(), r.out());
    }
}
