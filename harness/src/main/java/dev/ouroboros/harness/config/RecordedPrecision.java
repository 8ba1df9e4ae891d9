package dev.ouroboros.harness.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ouroboros.models.Accelerators;
import dev.ouroboros.models.Placement;
import dev.ouroboros.models.Precision;
import dev.ouroboros.models.PrecisionChoice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The precision an earlier start of a run resolved {@code auto} to, as its {@code
 * config.resolved.yaml} records it: a run keeps computing in it when it is resumed on another
 * machine ({@link dev.ouroboros.models.Placement}). Directories made before {@code auto} existed
 * record the old default, {@code fp32}, so they resume as they began.
 */
public final class RecordedPrecision {
    private RecordedPrecision() {}

    /**
     * Where the run in {@code runDir} computes: {@code device} and {@code precision} resolved,
     * reusing the precision its {@code config.resolved.yaml} records (the one placement rule of
     * {@code ouro run} and {@code ouro train}).
     */
    public static Placement placement(Path runDir, String device, PrecisionChoice precision) {
        Path recorded = runDir.resolve("config.resolved.yaml");
        return Placement.resolve(
                device, precision, in(recorded), recorded.toString(), Accelerators::djl);
    }

    /**
     * The fixed precision {@code resolvedConfig} records, or null when there is none to reuse (no
     * file, {@code auto} — a sweep prepares points that way — or a file that cannot be read: the
     * run's own checks name those).
     */
    public static Precision in(Path resolvedConfig) {
        if (!Files.isRegularFile(resolvedConfig)) {
            return null;
        }
        try {
            JsonNode p = YamlConfig.YAML.readTree(resolvedConfig.toFile()).path("precision");
            if (!p.isTextual()) {
                return null;
            }
            PrecisionChoice c = PrecisionChoice.parse("precision", p.asText());
            return c.isAuto() ? null : c.fixed();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
