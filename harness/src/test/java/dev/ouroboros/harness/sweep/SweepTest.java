package dev.ouroboros.harness.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.harness.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ouro sweep / ls / validate on configs/smoke.yaml shrunk by overrides. */
class SweepTest {
    static final String SMOKE =
            Path.of("../configs/smoke.yaml").toAbsolutePath().normalize().toString();

    static List<String> tiny(Path out) {
        return List.of(
                "out=" + out,
                "generations=2",
                "data.max_train_blocks=16",
                "data.max_validation_blocks=8",
                "data.max_test_blocks=8",
                "train.epochs=1",
                "generate.num_beams=2",
                "eval.diversity_prompts=2",
                "eval.self_bleu_samples=2");
    }

    static String[] args(String verb, String config, List<String> rest, String... more) {
        List<String> a = new ArrayList<>(List.of(verb, config));
        a.addAll(rest);
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void tinySweepRunsResumesMergesAndLists(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("runs");
        CliRun dry =
                CliRun.of(
                        args("sweep", SMOKE, tiny(out), "policy=replace", "seed=0,1", "--dry-run"));
        assertEquals(0, dry.exitCode(), dry.err());
        assertTrue(
                dry.out().contains("2 cell(s)") && dry.out().contains("policy=replace,seed=1"),
                dry.out());
        assertFalse(Files.exists(out.resolve("smoke")), "dry run writes nothing");

        CliRun r = CliRun.of(args("sweep", SMOKE, tiny(out), "policy=replace", "seed=0,1"));
        assertEquals(0, r.exitCode(), r.out() + r.err());
        Path sweep = out.resolve("smoke");
        for (String point : List.of("policy=replace,seed=0", "policy=replace,seed=1")) {
            Path c = sweep.resolve(point);
            for (int g = 0; g < 2; g++) {
                assertTrue(
                        Files.exists(
                                c.resolve("policy=replace")
                                        .resolve(point.substring(point.indexOf("seed=")))
                                        .resolve(String.format("gen=%03d", g))
                                        .resolve("DONE")),
                        point + " gen " + g);
            }
            assertTrue(Files.size(c.resolve("ouro.log")) > 0);
        }
        assertTrue(r.out().contains("2 run, 0 already done, 0 failed"), r.out());
        List<MetricsRow> rows = MetricsLog.read(sweep.resolve(MetricsLog.FILE)).rows();
        Set<Integer> seeds = rows.stream().map(MetricsRow::seed).collect(Collectors.toSet());
        assertEquals(Set.of(0, 1), seeds, "merged rows come from both points");
        assertEquals(
                rows.size(),
                rows.stream()
                        .map(x -> x.policy() + x.seed() + x.generation() + x.split())
                        .distinct()
                        .count());
        assertTrue(Files.exists(sweep.resolve("report/index.html")));
        long mtime =
                Files.getLastModifiedTime(sweep.resolve("policy=replace,seed=0/metrics.jsonl"))
                        .toMillis();

        CliRun again =
                CliRun.of(
                        args(
                                "sweep",
                                SMOKE,
                                tiny(out),
                                "policy=replace",
                                "seed=0,1",
                                "--no-report"));
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.out().contains("0 run, 2 already done"), again.out());
        assertEquals(
                mtime,
                Files.getLastModifiedTime(sweep.resolve("policy=replace,seed=0/metrics.jsonl"))
                        .toMillis());
        assertEquals(rows.size(), MetricsLog.read(sweep.resolve(MetricsLog.FILE)).rows().size());

        // ouro report on the sweep dir re-merges (here: after the top-level file is gone)
        Files.delete(sweep.resolve(MetricsLog.FILE));
        CliRun rep = CliRun.of("report", sweep.toString());
        assertEquals(0, rep.exitCode(), rep.err());
        assertTrue(rep.out().contains("merged " + rows.size() + " rows of 2 cell(s)"), rep.out());

        CliRun ls = CliRun.of("ls", out.toString());
        assertEquals(0, ls.exitCode(), ls.err());
        List<String> lines = ls.out().lines().toList();
        assertEquals(2, lines.size(), ls.out());
        assertTrue(lines.get(0).startsWith("smoke/policy=replace,seed=0"), ls.out());
        assertTrue(
                lines.get(0).contains("1 policies x 1 seeds")
                        && lines.get(0).contains("replace/0=2/2")
                        && lines.get(0).endsWith("idle"),
                ls.out());
    }

    @Test
    void slurmScriptHasOneTaskPerPoint(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("runs");
        CliRun r =
                CliRun.of(
                        args(
                                "sweep",
                                SMOKE,
                                List.of("out=" + out, "device=cpu"),
                                "policy=replace,accumulate",
                                "seed=0..2",
                                "--slurm"));
        assertEquals(0, r.exitCode(), r.err());
        Path script = out.resolve("smoke/sweep.sbatch");
        assertTrue(r.out().contains("sbatch " + script), r.out());
        String s = Files.readString(script);
        assertTrue(s.startsWith("#!/bin/bash\n"), s);
        assertTrue(s.contains("#SBATCH --array=0-5\n"), s);
        // task i runs cell i with this JVM's classpath, never scripts/ouro (which may build)
        List<String> cells =
                s.lines()
                        .dropWhile(l -> !l.equals("cells=("))
                        .skip(1)
                        .takeWhile(l -> !l.equals(")"))
                        .map(String::trim)
                        .toList();
        assertEquals(6, cells.size(), s);
        assertEquals(
                out.resolve("smoke/policy=replace,seed=0").toAbsolutePath().toString(),
                cells.get(0));
        assertFalse(s.contains("scripts/ouro"), s);
        assertTrue(
                s.contains(" dev.ouroboros.harness.Ouro run \"$cell/config.resolved.yaml\" "), s);
        assertTrue(Files.isExecutable(script));
        // each task starts from a prepared config.resolved.yaml
        Path cfg = out.resolve("smoke/policy=accumulate,seed=2/config.resolved.yaml");
        assertEquals(
                List.of("accumulate"),
                dev.ouroboros.harness.config.RunConfig.load(cfg, List.of()).policies().stream()
                        .map(dev.ouroboros.harness.policy.MixingPolicy::spec)
                        .toList());
        CliRun v = CliRun.of("validate", cfg.toString());
        assertEquals(0, v.exitCode(), v.out() + v.err());
    }

    @Test
    void pointsFailingOnBadInputGiveExit2WithASummary(@TempDir Path tmp) {
        // cuda:0 does not exist here: every child run exits 2, the sweep reports them and exits 2
        CliRun r =
                CliRun.of(
                        args(
                                "sweep",
                                SMOKE,
                                List.of("out=" + tmp),
                                "policy=replace",
                                "seed=0",
                                "--gpus",
                                "0",
                                "--no-report"));
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertTrue(
                r.out().contains("1 failed")
                        && r.out().contains("FAILED policy=replace,seed=0: exit 2"),
                r.out());
    }

    /** A point that fails on bad input in-process: one line, no exception class, exit 2. */
    @Test
    void anInProcessPointWithBadInputIsOneLineAndExit2(@TempDir Path tmp) {
        CliRun r =
                CliRun.of(
                        args(
                                "sweep",
                                SMOKE,
                                List.of("out=" + tmp, "model.vocab_size=8"),
                                "policy=replace",
                                "seed=0",
                                "--no-report"));
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("model.vocab_size 8 is smaller than the tokenizer's"), r.out());
        assertFalse(r.out().contains("Exception"), r.out());
    }

    @Test
    void runWithAVocabSmallerThanTheTokenizerStopsBeforeTraining(@TempDir Path tmp) {
        CliRun r = CliRun.of("run", SMOKE, "out=" + tmp, "model.vocab_size=8");
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("model.vocab_size 8 is smaller than the tokenizer's"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        assertFalse(Files.exists(tmp.resolve("smoke/policy=replace")), "no generation was started");
    }

    @Test
    void validateSmokePassesAndMissingBaseFails(@TempDir Path tmp) {
        CliRun ok = CliRun.of("validate", SMOKE, "out=" + tmp);
        assertEquals(0, ok.exitCode(), ok.out() + ok.err());
        assertTrue(
                ok.out().contains("✓ config")
                        && ok.out().contains("✓ device cpu")
                        && ok.out().contains("✓ disk"),
                ok.out());
        assertFalse(ok.out().contains("✗"), ok.out());
        // 2 policies x 2 seeds x 3 generations, keep all: 12 models less the 2 shared generation-0
        // copies; S_1, S_2 per
        // cell less the 2 shared S_1
        CliRun all = CliRun.of("validate", SMOKE, "out=" + tmp, "keep=all");
        assertTrue(all.out().contains("x 10 kept over 4 cells, + 6 synthetic sets"), all.out());

        Path missing = tmp.resolve("checkpoints/opt-125m");
        CliRun bad =
                CliRun.of("validate", SMOKE, "out=" + tmp, "init=base", "model.base=" + missing);
        assertEquals(2, bad.exitCode(), bad.out() + bad.err());
        assertTrue(bad.out().contains("✗ model.base " + missing), bad.out());

        CliRun typo = CliRun.of("validate", SMOKE, "optim.lrr=1");
        assertEquals(2, typo.exitCode());
        assertTrue(typo.out().contains("did you mean 'optim.lr'"), typo.out());
    }

    @Test
    void validateReadsARealCheckpoint(@TempDir Path tmp) {
        Path golden =
                Path.of("../models/src/test/resources/golden/pre_ln_tied_safetensors/model")
                        .toAbsolutePath()
                        .normalize();
        CliRun r = CliRun.of("validate", SMOKE, "out=" + tmp, "init=base", "model.base=" + golden);
        assertTrue(r.out().contains("✓ model.base " + golden + ": weights readable"), r.out());
        assertTrue(r.out().contains("✓ tokenizer " + golden), r.out());
    }
}
