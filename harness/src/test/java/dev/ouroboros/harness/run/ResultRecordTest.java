package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.harness.CliRun;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23: a changed digit in metrics.jsonl, a changed value in eval.json, a manifest with another
 * hash and a deleted generation all passed `ouro verify` and `ouro resume` with exit 0. Each is now
 * named by verify (exit 2) and refused by resume (exit 2, one line) or repaired from a checked
 * record. One tiny study is run once; every case works on a copy of it.
 */
class ResultRecordTest {
    @TempDir static Path shared;
    @TempDir Path tmp;

    private static Path original;
    private static TreeMap<String, String> reference;

    @BeforeAll
    static void study() throws Exception {
        StringBuilder log = new StringBuilder();
        List<String> cfg = StudyTestSupport.tiny(shared);
        assertEquals(0, StudyTestSupport.runChild(cfg, null, log), log.toString());
        original = shared.resolve("study");
        reference = StudyTestSupport.rows(original);
    }

    /** A copy of the finished study at {@code tmp/study}. */
    private Path copy() throws IOException {
        Path to = tmp.resolve("study");
        try (Stream<Path> all = Files.walk(original)) {
            for (Path f : all.toList()) {
                Path t = to.resolve(original.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(t);
                } else if (!f.getFileName().toString().startsWith(".lock")) {
                    Files.copy(f, t);
                }
            }
        }
        return to;
    }

    private String resume(int expected) throws Exception {
        StringBuilder log = new StringBuilder();
        int rc = StudyTestSupport.runChild(StudyTestSupport.tiny(tmp), null, log);
        assertEquals(expected, rc, log.toString());
        assertFalse(log.toString().contains("\tat "), "no stack trace: " + log);
        return log.toString();
    }

    private static List<String> failures(CliRun verify) {
        assertEquals(2, verify.exitCode(), verify.out() + verify.err());
        return verify.out().lines().filter(l -> l.startsWith("✗ ")).toList();
    }

    @Test
    void aChangedDigitInAMetricsRowIsNamedAndRefused() throws Exception {
        Path run = copy();
        Path metrics = run.resolve(MetricsLog.FILE);
        List<String> lines = new ArrayList<>(Files.readAllLines(metrics, StandardCharsets.UTF_8));
        String row = lines.get(1);
        String changed = row.replaceFirst("(\"metrics\":\\{\"\\w+\":)(\\d)", "$19$2");
        assertFalse(changed.equals(row), row);
        lines.set(1, changed);
        Files.write(metrics, lines, StandardCharsets.UTF_8);
        byte[] before = Files.readAllBytes(metrics);

        List<String> failed = failures(CliRun.of("verify", run.toString()));
        assertTrue(
                failed.contains(
                        "✗ "
                                + metrics
                                + ":2: the row does not match its sha256 (changed after it was"
                                + " written: it is not what computed it)"),
                failed.toString());
        String refused = resume(2);
        assertTrue(
                refused.contains("ouro: " + metrics + ":2: the row does not match its sha256"),
                refused);
        assertEquals(1, refused.lines().filter(l -> l.startsWith("ouro: ")).count(), refused);
        CliRun report = CliRun.of("report", run.toString());
        assertEquals(2, report.exitCode(), report.out() + report.err());
        assertTrue(report.err().contains(metrics + ":2: the row does not match"), report.err());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(metrics)));

        // as the refusal says: the line deleted, a resume restores it from the checked eval.json
        lines.remove(1);
        Files.write(metrics, lines, StandardCharsets.UTF_8);
        assertTrue(resume(0).contains("metrics.jsonl: restored 1 row from"));
        assertEquals(reference, StudyTestSupport.rows(run));
        assertEquals(0, CliRun.of("verify", run.toString()).exitCode());
    }

    @Test
    void duplicatedRowsAndGarbageAreNamedByVerifyAndRemovedByResume() throws Exception {
        Path run = copy();
        Path metrics = run.resolve(MetricsLog.FILE);
        String whole = Files.readString(metrics, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(Files.readAllLines(metrics, StandardCharsets.UTF_8));
        lines.add(3, "garbage {");
        lines.add(7, lines.get(1)); // line 8 repeats line 2
        Files.write(metrics, lines, StandardCharsets.UTF_8);
        List<String> failed = failures(CliRun.of("verify", run.toString()));
        assertTrue(
                failed.stream().anyMatch(l -> l.contains(metrics + ":4: skipped")),
                failed.toString());
        assertTrue(
                failed.contains(
                        "✗ "
                                + metrics
                                + ":8: a second row for accumulate 3 0 generated (first on line 2);"
                                + " a resume removes an identical copy"),
                failed.toString());
        String log = resume(0);
        assertTrue(
                log.contains(
                        "metrics.jsonl: removed 1 line that is not a row (line 4); removed 1 second"
                                + " copy of a row (line 8)"),
                log);
        assertEquals(whole, Files.readString(metrics, StandardCharsets.UTF_8));
        assertEquals(0, CliRun.of("verify", run.toString()).exitCode());
    }

    @Test
    void aChangedValueInEvalJsonIsNamedAndNeverRestored() throws Exception {
        Path run = copy();
        Path g = run.resolve("policy=accumulate/seed=3/gen=001");
        Path evalJson = g.resolve("eval.json");
        String text = Files.readString(evalJson, StandardCharsets.UTF_8);
        // a per-sample score (no row checksum covers it): only DONE's digest does
        String changed = text.replaceFirst("(\"synthetic\" : \\[ )(\\d)", "$19$2");
        assertFalse(changed.equals(text), text);
        Files.writeString(evalJson, changed, StandardCharsets.UTF_8);
        List<String> failed = failures(CliRun.of("verify", run.toString()));
        assertEquals(
                List.of(
                        "✗ "
                                + evalJson
                                + ": does not match the sha256 recorded in "
                                + g.resolve("DONE")
                                + " (changed after the generation finished)"),
                failed);
        // its rows dropped from metrics.jsonl: a resume must not restore them from it
        Path metrics = run.resolve(MetricsLog.FILE);
        List<String> lines =
                Files.readAllLines(metrics, StandardCharsets.UTF_8).stream()
                        .filter(l -> !l.contains("\"generation\":1,"))
                        .toList();
        Files.write(metrics, lines, StandardCharsets.UTF_8);
        String refused = resume(2);
        assertTrue(
                refused.contains(
                        "ouro: "
                                + evalJson
                                + ": does not match the sha256 recorded in "
                                + g.resolve("DONE")),
                refused);
        assertEquals(lines, Files.readAllLines(metrics, StandardCharsets.UTF_8));
    }

    /**
     * One flipped byte in generation 0's kept weights: verify names the file; a resume that needs
     * the model (generation 1 scores S_2 under it) trains it again, gets the recorded bytes, and
     * ends with the very same results.
     */
    @Test
    void aFlippedByteInAKeptModelIsNamedAndTrainedAgain() throws Exception {
        Path run = copy();
        Path weights = run.resolve("policy=accumulate/seed=3/gen=000/model/model.safetensors");
        byte[] good = Files.readAllBytes(weights);
        byte[] bad = good.clone();
        bad[bad.length - 100] ^= 0x40;
        Files.write(weights, bad);
        String line =
                weights
                        + ": does not match the sha256 recorded in "
                        + weights.getParent().resolveSibling("DONE")
                        + " (changed after the generation finished)";
        assertEquals(List.of("✗ " + line), failures(CliRun.of("verify", run.toString())));

        for (String gen : List.of("gen=001", "gen=002")) {
            dev.ouroboros.models.io.FileTrees.deleteTree(
                    run.resolve("policy=accumulate/seed=3").resolve(gen));
        }
        Path metrics = run.resolve(MetricsLog.FILE);
        Files.write(
                metrics,
                Files.readAllLines(metrics, StandardCharsets.UTF_8).stream()
                        .filter(l -> l.contains("\"generation\":0,"))
                        .toList(),
                StandardCharsets.UTF_8);
        String log = resume(0);
        assertTrue(log.contains(line + ": training gen=000 again"), log);
        assertTrue(
                log.contains(
                        "policy=accumulate/seed=3/gen=000/model: trained again, identical to its"
                                + " record"),
                log);
        assertTrue(java.util.Arrays.equals(good, Files.readAllBytes(weights)));
        assertEquals(reference, StudyTestSupport.rows(run));
        assertEquals(0, CliRun.of("verify", run.toString()).exitCode());
    }

    @Test
    void aManifestWithAnotherHashOrPrecisionIsNamed() throws Exception {
        Path run = copy();
        Path manifest = run.resolve("manifest.json");
        String text = Files.readString(manifest, StandardCharsets.UTF_8);
        String hash = text.replaceAll("(?s).*\"config_hash\" : \"([0-9a-f]+)\".*", "$1");
        String other = (hash.charAt(0) == '0' ? "1" : "0") + hash.substring(1);
        Files.writeString(
                manifest,
                text.replace(hash, other)
                        .replace("\"precision\" : \"fp32\"", "\"precision\" : \"bf16\""),
                StandardCharsets.UTF_8);
        List<String> failed = failures(CliRun.of("verify", run.toString()));
        assertEquals(
                List.of(
                        "✗ "
                                + manifest
                                + ": config_hash "
                                + other
                                + " is not the hash of config.resolved.yaml ("
                                + hash
                                + "): one of the two was changed",
                        "✗ "
                                + manifest
                                + ": precision is 'bf16', config.resolved.yaml says 'fp32': one of"
                                + " the two was changed"),
                failed);
    }

    @Test
    void aDeletedGenerationIsNamedAndComputedAgainByResume() throws Exception {
        Path run = copy();
        dev.ouroboros.models.io.FileTrees.deleteTree(
                run.resolve("policy=accumulate/seed=3/gen=001"));
        List<String> failed = failures(CliRun.of("verify", run.toString()));
        assertEquals(
                List.of(
                        "✗ "
                                + run.resolve("policy=accumulate/seed=3")
                                + ": gen=001 (missing), though gen=002 is DONE; a resume computes"
                                + " it again"),
                failed);
    }

    /**
     * A run directory written before checksums: rows without sha256, DONE markers without digests.
     * It keeps reading: verify passes, saying in one line each what is unverified, and resume and
     * report work.
     */
    @Test
    void aRunFromBeforeChecksumsReadsAsLegacyUnverified() throws Exception {
        Path run = copy();
        Path metrics = run.resolve(MetricsLog.FILE);
        List<String> legacy =
                Files.readAllLines(metrics, StandardCharsets.UTF_8).stream()
                        .map(l -> l.replaceFirst(",\"sha256\":\"[0-9a-f]{64}\"}$", "}"))
                        .toList();
        Files.write(metrics, legacy, StandardCharsets.UTF_8);
        int gens = 0;
        try (Stream<Path> all = Files.walk(run)) {
            for (Path done : all.filter(f -> f.getFileName().toString().equals("DONE")).toList()) {
                String t = done.getParent().getFileName().toString().substring(4);
                Files.writeString(done, "{\"generation\": " + Integer.parseInt(t) + "}\n");
                gens++;
            }
        }
        assertEquals(3, gens);
        CliRun verify = CliRun.of("verify", run.toString());
        assertEquals(0, verify.exitCode(), verify.out());
        assertTrue(
                verify.out()
                        .contains(
                                "· "
                                        + metrics
                                        + ": 11 of 11 rows carry no checksum (written before rows"
                                        + " had one): legacy, unverified"),
                verify.out());
        assertTrue(
                verify.out()
                        .contains(
                                "· "
                                        + run
                                        + ": 3 DONE generations record no checksums (written"
                                        + " before DONE had them): their eval.json and models are"
                                        + " legacy, unverified"),
                verify.out());
        resume(0);
        assertEquals(legacy, Files.readAllLines(metrics, StandardCharsets.UTF_8));
        assertEquals(0, CliRun.of("report", run.toString()).exitCode());
    }
}
