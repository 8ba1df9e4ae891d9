package dev.ouroboros.harness.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.ouroboros.eval.metrics.ChangedRowException;
import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.models.UserInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The lines of a metrics.jsonl that a repair keeps: every row once, in file order. Lines that are
 * not rows (garbage, a row holding NaN) and second copies of a row (same key, same values) are left
 * out and named in {@link #removed()}; a row that fails its checksum, or a second row for one key
 * with other values, is refused (file and line named, exit 2).
 *
 * @param lines the kept lines
 * @param keys their {@link MetricsFile#rowKey}s
 * @param removed what was left out, one phrase per kind, with line numbers
 */
record MetricsLines(List<String> lines, Set<String> keys, List<String> removed) {
    /** Sorts {@code lines} of {@code file} (line i is line i + 1 of the file). */
    static MetricsLines of(Path file, List<String> lines) {
        List<String> kept = new ArrayList<>();
        Map<String, Integer> first = new HashMap<>();
        Map<String, MetricsRow> byKey = new HashMap<>();
        List<Integer> garbage = new ArrayList<>();
        List<Integer> copies = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            MetricsRow r;
            try {
                r = MetricsLog.parse(line);
            } catch (ChangedRowException e) {
                throw new UserInputException(
                        file
                                + ":"
                                + (i + 1)
                                + ": "
                                + e.getMessage()
                                + "; delete that line, and a resume restores the row from its"
                                + " generation's eval.json");
            } catch (JsonProcessingException | IllegalArgumentException e) {
                garbage.add(i + 1);
                continue;
            }
            String key = MetricsFile.rowKey(r);
            MetricsRow had = byKey.putIfAbsent(key, r);
            if (had == null) {
                first.put(key, i + 1);
                kept.add(line);
            } else if (had.metrics().equals(r.metrics()) && had.raw().equals(r.raw())) {
                copies.add(i + 1);
            } else {
                throw new UserInputException(
                        file
                                + ":"
                                + (i + 1)
                                + ": a second row for "
                                + key.replace('|', ' ')
                                + " with other values than line "
                                + first.get(key)
                                + ": one of them is not what computed it; delete the wrong one");
            }
        }
        List<String> removed = new ArrayList<>();
        if (!garbage.isEmpty()) {
            removed.add(
                    "removed "
                            + count(
                                    garbage.size(),
                                    "line that is not a row",
                                    "lines that are not rows")
                            + " ("
                            + lineList(garbage)
                            + ")");
        }
        if (!copies.isEmpty()) {
            removed.add(
                    "removed "
                            + count(copies.size(), "second copy of a row", "second copies of rows")
                            + " ("
                            + lineList(copies)
                            + ")");
        }
        return new MetricsLines(kept, new HashSet<>(first.keySet()), removed);
    }

    private static String count(int n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }

    private static String lineList(List<Integer> lines) {
        return (lines.size() == 1 ? "line " : "lines ")
                + String.join(", ", lines.stream().map(String::valueOf).toList());
    }
}
