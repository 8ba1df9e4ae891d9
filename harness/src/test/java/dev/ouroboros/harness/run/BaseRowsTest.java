package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.harness.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An {@code init: base} study scores the base once on its own test subset and prompts, as rows with
 * {@code "generation": -1} for every (policy, seed); resume, repair, verify and report take them
 * (docs/studies.md#base-rows). Under {@code data.subset_seed: seed} each seed has its own.
 */
class BaseRowsTest {
    @TempDir Path tmp;

    static final Path GOLDEN =
            Path.of("../models/src/test/resources/golden/pre_ln_tied_safetensors/model")
                    .toAbsolutePath()
                    .normalize();

    private List<String> args(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("run", StudyTestSupport.SMOKE.toString()));
        a.addAll(StudyTestSupport.tiny(out));
        a.addAll(
                List.of(
                        "init=base",
                        "model.base=" + GOLDEN,
                        "policies=[accumulate, replace]",
                        "seeds=[3, 4]",
                        "generations=1",
                        "keep=last"));
        a.addAll(List.of(extra));
        return a;
    }

    @Test
    void theBaseIsScoredOnceAndEveryCellStartsFromIt() throws Exception {
        Path out = tmp.resolve("study-mode");
        CliRun r = CliRun.of(args(out).toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        Path run = out.resolve("study");
        assertEquals(
                Set.of("DONE", "continuations.jsonl", "eval.json"), names(run.resolve("base")));
        List<MetricsRow> rows = MetricsLog.read(run.resolve("metrics.jsonl")).rows();
        List<MetricsRow> base =
                rows.stream().filter(x -> x.generation() == MetricsRow.BASE).toList();
        // 2 policies x 2 seeds x {test, generated, real}; no synthetic row (the base made no set)
        assertEquals(12, base.size());
        assertEquals(
                Set.of("test", "generated", "real"),
                base.stream().map(MetricsRow::split).collect(Collectors.toSet()));
        // one evaluation: the same numbers in every cell
        for (String split : List.of("test", "generated", "real")) {
            assertEquals(
                    1,
                    base.stream()
                            .filter(x -> x.split().equals(split))
                            .map(MetricsRow::metrics)
                            .distinct()
                            .count(),
                    split);
        }

        // resume: nothing scored again, nothing written twice
        String before = Files.readString(run.resolve("metrics.jsonl"));
        var scored = Files.getLastModifiedTime(run.resolve("base/eval.json"));
        CliRun again = CliRun.of(args(out).toArray(String[]::new));
        assertEquals(0, again.exitCode(), again.err());
        assertEquals(scored, Files.getLastModifiedTime(run.resolve("base/eval.json")));
        assertEquals(before, Files.readString(run.resolve("metrics.jsonl")));

        // repair: base rows lost from metrics.jsonl come back from base/eval.json
        String without =
                before.lines()
                        .filter(l -> !l.contains("\"generation\":-1"))
                        .map(l -> l + "\n")
                        .collect(Collectors.joining());
        Files.writeString(run.resolve("metrics.jsonl"), without);
        CliRun repaired = CliRun.of(args(out).toArray(String[]::new));
        assertEquals(0, repaired.exitCode(), repaired.err());
        assertEquals(
                12,
                MetricsLog.read(run.resolve("metrics.jsonl")).rows().stream()
                        .filter(x -> x.generation() == MetricsRow.BASE)
                        .count());

        // ouro eval --run scores any checkpoint on the run's own test subset: the base's row
        CliRun eval =
                CliRun.of(
                        "eval",
                        "--run",
                        run.toString(),
                        "--model",
                        GOLDEN.toString(),
                        "--batch-size",
                        "32",
                        "--json");
        assertEquals(0, eval.exitCode(), eval.err());
        double ppl =
                new com.fasterxml.jackson.databind.ObjectMapper()
                        .readTree(eval.out())
                        .get("perplexity")
                        .asDouble();
        double row =
                base.stream()
                        .filter(x -> x.split().equals("test"))
                        .findFirst()
                        .orElseThrow()
                        .metrics()
                        .get("ppl_blocks32");
        assertEquals(row, ppl, 1e-6 * row);

        CliRun verify = CliRun.of("verify", run.toString());
        assertEquals(0, verify.exitCode(), verify.out() + verify.err());
        CliRun report = CliRun.of("report", run.toString());
        assertEquals(0, report.exitCode(), report.out() + report.err());

        // a merged report of two runs takes the base rows
        Path copy = out.resolve("copy");
        Files.createDirectories(copy);
        Files.copy(run.resolve("config.resolved.yaml"), copy.resolve("config.resolved.yaml"));
        Files.copy(run.resolve("manifest.json"), copy.resolve("manifest.json"));
        Files.copy(run.resolve("metrics.jsonl"), copy.resolve("metrics.jsonl"));
        Path merged = out.resolve("merged");
        CliRun merge =
                CliRun.of("report", run.toString(), copy.toString(), "--out", merged.toString());
        assertEquals(0, merge.exitCode(), merge.out() + merge.err());
        // (the copy has the same config, so its rows carry the same labels: deduplicated like the
        // generations' rows, the later run's winning)
        List<MetricsRow> m = MetricsLog.read(merged.resolve("metrics.jsonl")).rows();
        assertEquals(MetricsLog.read(run.resolve("metrics.jsonl")).rows().size(), m.size());
        assertEquals(12, m.stream().filter(x -> x.generation() == MetricsRow.BASE).count());
    }

    @Test
    void perSeedSubsetsGiveEachSeedItsOwnBaseRows() throws Exception {
        Path out = tmp.resolve("seed-mode");
        CliRun r = CliRun.of(args(out, "data.subset_seed=seed").toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        Path run = out.resolve("study");
        assertEquals(Set.of("seed=3", "seed=4"), names(run.resolve("base")));
        List<MetricsRow> test =
                MetricsLog.read(run.resolve("metrics.jsonl")).rows().stream()
                        .filter(x -> x.generation() == MetricsRow.BASE)
                        .filter(x -> x.split().equals("test"))
                        .toList();
        assertEquals(4, test.size());
        MetricsRow s3 = test.stream().filter(x -> x.seed() == 3).findFirst().orElseThrow();
        MetricsRow s4 = test.stream().filter(x -> x.seed() == 4).findFirst().orElseThrow();
        assertNotEquals(s3.metrics(), s4.metrics(), "each seed's own test subset");
    }

    private static Set<String> names(Path dir) throws Exception {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
