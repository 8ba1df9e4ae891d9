package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The study survives kill -9 anywhere: a child JVM is halted (Runtime.halt, i.e. no cleanup at all,
 * as SIGKILL) at named points — mid-training, mid-synthesis, at evaluation, between writing a file
 * and renaming it — or killed with a real SIGKILL from outside, then resumed; metrics.jsonl ends
 * identical to an uninterrupted run's (wall-clock time aside), with no row written twice.
 */
class StudyKillResumeTest {
    @TempDir static Path tmp;
    static TreeMap<String, String> reference;

    @BeforeAll
    static void uninterrupted() throws Exception {
        Path out = tmp.resolve("reference");
        StringBuilder log = new StringBuilder();
        assertEquals(
                0,
                StudyTestSupport.runChild(StudyTestSupport.tiny(out), null, log),
                log.toString());
        reference = StudyTestSupport.rows(out.resolve("study"));
        assertEquals(
                3 * 3 + 2,
                reference.size(),
                "test+generated+real rows for 3 generations, synthetic for 2: "
                        + reference.keySet());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "train-step:5",
                "train-step:14",
                "synthesize-batch:2",
                "eval:2",
                "atomic-write:9",
                "atomic-write:23"
            })
    void crashAnywhereThenResumeGivesTheSameMetrics(String crash) throws Exception {
        Path out = tmp.resolve(crash.replace(':', '_'));
        StringBuilder log = new StringBuilder();
        assertEquals(
                137,
                StudyTestSupport.runChild(StudyTestSupport.tiny(out), crash, log),
                "crashed: " + log);
        assertEquals(
                0,
                StudyTestSupport.runChild(StudyTestSupport.tiny(out), null, log),
                log.toString());
        assertEquals(reference, StudyTestSupport.rows(out.resolve("study")), log.toString());
    }

    /**
     * A study can be extended: a finished 2-generation study (keep: last) rerun with 3 generations
     * makes generation 1's synthetic set, trains generation 2, and ends with exactly the rows of
     * the 3-generation study; its manifest records the change.
     */
    @Test
    void aFinishedStudyExtendedToMoreGenerationsGivesTheLongerStudysRows() throws Exception {
        Path out = tmp.resolve("extended");
        List<String> two = new java.util.ArrayList<>(StudyTestSupport.tiny(out));
        two.addAll(List.of("generations=2", "keep=last"));
        StringBuilder log = new StringBuilder();
        assertEquals(0, StudyTestSupport.runChild(two, null, log), log.toString());
        assertEquals(3 * 2 + 1, StudyTestSupport.rows(out.resolve("study")).size());
        List<String> three = new java.util.ArrayList<>(StudyTestSupport.tiny(out));
        three.add("keep=last");
        assertEquals(0, StudyTestSupport.runChild(three, null, log), log.toString());
        assertTrue(
                log.toString().contains("extending the study (synthetic set S_2)"), log.toString());
        assertEquals(reference, StudyTestSupport.rows(out.resolve("study")), log.toString());
        String manifest = java.nio.file.Files.readString(out.resolve("study/manifest.json"));
        assertTrue(manifest.contains("\"generations_history\""), manifest);
        assertTrue(
                java.nio.file.Files.readString(out.resolve("study/config.resolved.yaml"))
                        .contains("generations: 3"));
    }

    /**
     * A run directory is relocatable: killed in generation 1's training (a checkpoint on disk),
     * moved elsewhere, resumed there — the same metrics. (The trainer's checkpoint fingerprint once
     * held the path of the run's tokenizer, so a moved run was refused as "another config".)
     */
    @Test
    void killMoveAndResumeGivesTheSameMetrics() throws Exception {
        Path out = tmp.resolve("before-move");
        StringBuilder log = new StringBuilder();
        assertEquals(
                137,
                StudyTestSupport.runChild(StudyTestSupport.tiny(out), "train-step:9", log),
                "crashed: " + log);
        Path gen1 = out.resolve("study/policy=accumulate/seed=3/gen=001");
        assertTrue(
                java.nio.file.Files.isDirectory(gen1.resolve("checkpoint")),
                "killed mid-training of generation 1: " + log);
        Path moved = tmp.resolve("elsewhere").resolve("after-move");
        java.nio.file.Files.createDirectories(moved.getParent());
        java.nio.file.Files.move(out, moved);
        assertEquals(
                0,
                StudyTestSupport.runChild(StudyTestSupport.tiny(moved), null, log),
                log.toString());
        assertTrue(log.toString().contains("resuming from"), log.toString());
        assertEquals(reference, StudyTestSupport.rows(moved.resolve("study")), log.toString());
    }

    @Test
    void realSigkillFromOutsideThenResume() throws Exception {
        Path out = tmp.resolve("sigkill");
        ProcessBuilder pb =
                ChildJvm.ouro(null, StudyTestSupport.runArgs(StudyTestSupport.tiny(out)))
                        .redirectOutput(out.resolveSibling("sigkill.log").toFile());
        Files.createDirectories(out);
        Process p = pb.start();
        // wait until generation 1 is under way, then SIGKILL
        Path gen1 = out.resolve("study/policy=accumulate/seed=3/gen=001");
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (!Files.exists(gen1.resolve("train.jsonl"))
                && p.isAlive()
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        p.destroyForcibly(); // SIGKILL on Linux
        p.waitFor();
        StringBuilder log = new StringBuilder();
        assertEquals(
                0,
                StudyTestSupport.runChild(StudyTestSupport.tiny(out), null, log),
                log.toString());
        assertEquals(reference, StudyTestSupport.rows(out.resolve("study")), log.toString());
    }
}
