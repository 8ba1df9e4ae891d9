package dev.ouroboros.harness.run;

import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A run's {@code metrics.jsonl} as the study writes it: one row per (policy, seed, generation,
 * split), appended once ({@link MetricsRepair} mends the file before a resume).
 */
final class MetricsFile {
    private MetricsFile() {}

    /** One row per (policy, seed, generation, split). */
    static String rowKey(MetricsRow r) {
        return r.policy() + "|" + r.seed() + "|" + r.generation() + "|" + r.split();
    }

    /** The {@link #rowKey}s {@code file} holds (none when it does not exist). */
    static Set<String> keys(Path file) {
        Set<String> have = new HashSet<>();
        if (Files.exists(file)) {
            for (MetricsRow r : MetricsLog.read(file).rows()) {
                have.add(rowKey(r));
            }
        }
        return have;
    }

    /** Appends the rows of {@code rows} that {@code file} does not hold yet. */
    static void appendMissing(Path file, List<MetricsRow> rows) {
        Set<String> have = keys(file);
        for (MetricsRow r : rows) {
            if (have.add(rowKey(r))) {
                MetricsLog.append(file, r);
            }
        }
    }
}
