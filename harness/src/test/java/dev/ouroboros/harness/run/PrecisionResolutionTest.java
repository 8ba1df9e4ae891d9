package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.harness.config.RecordedPrecision;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.models.Precision;
import dev.ouroboros.models.PrecisionChoice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code precision: auto} and run directories: the hash covers the resolved precision, a run
 * records it, and a resume under {@code auto} keeps it (on this CPU box auto alone gives fp32).
 */
class PrecisionResolutionTest {
    static final String GAUSS =
            String.join(
                    "\n",
                    "kind: gaussian",
                    "generations: 2",
                    "policies: [replace]",
                    "seeds: [0]",
                    "gaussian:",
                    "  dim: 1",
                    "  mean: 0.0",
                    "  sigma: 1.0",
                    "  samples: 10",
                    "");

    @Test
    void explicitFp32AndAutoResolvedToFp32HashAlike() {
        RunConfig explicit = RunConfig.parse("device: cpu\nprecision: fp32\n", List.of());
        RunConfig auto = RunConfig.parse("", List.of());
        assertEquals(PrecisionChoice.AUTO, auto.precision());
        assertEquals("auto", auto.device());
        assertEquals(explicit.hash(), auto.withPrecision(Precision.FP32).hash());
        assertNotEquals(explicit.hash(), auto.withPrecision(Precision.BF16).hash());
        IllegalStateException e = assertThrows(IllegalStateException.class, auto::hash);
        assertTrue(e.getMessage().contains("precision auto"), e.getMessage());
        // the training sections keep auto until resolved; the Trainer takes only a fixed one
        assertThrows(IllegalStateException.class, () -> auto.training().precision().fixed());
        assertEquals(
                Precision.BF16, auto.withPrecision(Precision.BF16).training().precision().fixed());
    }

    @Test
    void aRunDirMadeWithExplicitFp32ResumesUnderAuto(@TempDir Path tmp) throws Exception {
        List<String> first = run(tmp, "device=cpu", "precision=fp32"); // what older runs recorded
        assertTrue(first.contains("new run " + tmp.resolve("g")), first.toString());
        List<String> again = run(tmp); // today's defaults: device auto, precision auto
        assertTrue(again.contains("resuming " + tmp.resolve("g")), again.toString());
        assertTrue(
                again.get(0)
                        .equals(
                                "device: auto -> cpu (no GPU visible to PyTorch 2.7.1); precision:"
                                        + " auto -> fp32 (recorded in "
                                        + tmp.resolve("g/config.resolved.yaml")
                                        + ")"),
                again.get(0));
        JsonNode m = new ObjectMapper().readTree(tmp.resolve("g/manifest.json").toFile());
        assertEquals("fp32", m.get("precision").asText());
        assertEquals("cpu", m.get("device_requested").asText());
        assertTrue(m.get("device").asText().startsWith("cpu (PyTorch 2.7.1)"), m.toString());
    }

    @Test
    void aRecordedPrecisionIsKeptWhereAutoWouldPickAnother(@TempDir Path tmp) throws Exception {
        run(tmp, "precision=bf16"); // as if begun on an A100
        List<String> again = run(tmp);
        assertTrue(again.contains("resuming " + tmp.resolve("g")), again.toString());
        assertTrue(again.get(0).contains("precision: auto -> bf16 (recorded in"), again.get(0));
        assertTrue(again.get(0).contains("this machine alone would pick fp32"), again.get(0));
        assertEquals(Precision.BF16, RecordedPrecision.in(tmp.resolve("g/config.resolved.yaml")));
        String manifest = Files.readString(tmp.resolve("g/manifest.json"));
        assertTrue(manifest.contains("\"precision\" : \"bf16\""), manifest);
    }

    @Test
    void aNewRunRecordsWhatAutoResolvedTo(@TempDir Path tmp) throws Exception {
        // a sweep prepares a point's config.resolved.yaml with precision auto, before any start
        Files.createDirectories(tmp.resolve("g"));
        Files.writeString(tmp.resolve("g/config.resolved.yaml"), "precision: auto\n");
        assertNull(RecordedPrecision.in(tmp.resolve("g/config.resolved.yaml")));
        List<String> lines = run(tmp);
        assertEquals(
                "device: auto -> cpu (no GPU visible to PyTorch 2.7.1); precision: auto -> fp32"
                        + " (CPU)",
                lines.get(0));
        String resolved = Files.readString(tmp.resolve("g/config.resolved.yaml"));
        assertTrue(resolved.contains("\nprecision: \"fp32\"\n"), resolved);
        assertTrue(
                resolved.contains("\ndevice: \"auto\"\n"), resolved); // re-resolved where it runs
        assertNull(RecordedPrecision.in(tmp.resolve("missing.yaml")));
        Files.writeString(tmp.resolve("bad.yaml"), "precision: [\n");
        assertNull(RecordedPrecision.in(tmp.resolve("bad.yaml")));
    }

    private static List<String> run(Path out, String... overrides) {
        List<String> ov = new ArrayList<>(List.of("out=" + out, "name=g"));
        ov.addAll(List.of(overrides));
        List<String> lines = new ArrayList<>();
        Study.run(RunConfig.parse(GAUSS, ov), ov, lines::add);
        return lines;
    }
}
