package dev.ouroboros.harness.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.eval.metrics.ChangedRowException;
import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.policy.MixingPolicy;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.AtomicFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Brings a run directory's {@code metrics.jsonl} back in line with its generations before a run
 * resumes: a torn or garbage last line (a writer killed mid-line, a truncated copy) is dropped, and
 * lines that are not rows (garbage, a NaN row) and second copies of a row are removed ({@link
 * MetricsLines}), and the rows of every DONE generation that are missing from the file are re-added
 * from that generation's {@code eval.json} (once it matches the checksum its DONE records), in
 * generation order. A row changed after it was written (its checksum fails), or a second row for
 * the same (policy, seed, generation, split) with other values, is refused in one line: which of
 * two numbers is right is not for a repair to guess. The repaired file replaces the old one
 * atomically, so a kill during the repair leaves the old file.
 */
final class MetricsRepair {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MetricsRepair() {}

    /**
     * Repairs {@code root/metrics.jsonl} against the DONE generations of {@code cfg}; says on
     * {@code console} what it changed (nothing when the file is whole).
     */
    static void repair(RunConfig cfg, Path root, Consumer<String> console) {
        Path file = root.resolve(MetricsLog.FILE);
        Lines read = Lines.read(file);
        MetricsLines kept = MetricsLines.of(file, read.lines());
        List<String> lines = new ArrayList<>(kept.lines());
        Set<String> have = kept.keys();
        List<String> restoredFrom = new ArrayList<>();
        int restored = 0;
        if (cfg.kind() != RunConfig.Kind.GAUSSIAN) { // the testbed recomputes its rows anyway
            for (Path evalJson : doneEvalFiles(cfg, root)) {
                int before = restored;
                for (MetricsRow r : rows(evalJson)) {
                    if (have.add(MetricsFile.rowKey(r))) {
                        DoneRecord.requireEvalJson(evalJson.getParent()); // before it is copied
                        lines.add(MetricsLog.toJson(r));
                        restored++;
                    }
                }
                if (restored > before) {
                    restoredFrom.add(root.relativize(evalJson).toString().replace('\\', '/'));
                }
            }
        }
        List<String> what = new ArrayList<>();
        if (read.droppedLast()) {
            what.add("removed a torn last line");
        } else if (read.addNewline()) {
            what.add("ended the last line with its missing newline");
        }
        what.addAll(kept.removed());
        if (restored > 0) {
            what.add(
                    "restored "
                            + restored
                            + (restored == 1 ? " row" : " rows")
                            + " from "
                            + String.join(", ", restoredFrom));
        }
        if (what.isEmpty()) {
            return;
        }
        StringBuilder b = new StringBuilder();
        for (String line : lines) {
            b.append(line).append('\n');
        }
        AtomicFile.write(file, b.toString().getBytes(StandardCharsets.UTF_8));
        console.accept(MetricsLog.FILE + ": " + String.join("; ", what));
    }

    /**
     * The lines of metrics.jsonl without a torn last line ({@code droppedLast}) or trailing blank
     * ones; {@code addNewline}: the last line lacks its newline.
     */
    private record Lines(List<String> lines, boolean droppedLast, boolean addNewline) {
        static Lines read(Path file) {
            List<String> lines = new ArrayList<>();
            if (!Files.exists(file)) {
                return new Lines(lines, false, false);
            }
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UserInputException(file + ": cannot read (" + e.getMessage() + ")");
            }
            lines.addAll(List.of(text.split("\n", -1)));
            boolean addNewline = false;
            if (lines.get(lines.size() - 1).isEmpty()) {
                lines.remove(lines.size() - 1); // the newline ending the last line
            } else {
                addNewline = true; // the last line has no newline: torn, or only its newline lost
            }
            while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
                lines.remove(lines.size() - 1);
            }
            boolean droppedLast = false;
            if (!lines.isEmpty() && !isRow(lines.get(lines.size() - 1))) {
                lines.remove(lines.size() - 1);
                droppedLast = true;
            }
            return new Lines(lines, droppedLast, addNewline);
        }
    }

    /**
     * The eval.json of the base rows ({@link BaseRows}), then of every DONE generation of {@code
     * cfg}, in cell and generation order.
     */
    private static List<Path> doneEvalFiles(RunConfig cfg, Path root) {
        List<Path> out = new ArrayList<>(BaseRows.doneEvalFiles(cfg, root));
        for (MixingPolicy policy : cfg.policies()) {
            for (long seed : cfg.seeds()) {
                Path cell = RunDir.cell(root, policy.spec(), seed);
                for (int t = 0; t < cfg.generations(); t++) {
                    Path g = RunDir.gen(cell, t);
                    Path evalJson = g.resolve("eval.json");
                    if (RunDir.done(g) && Files.isRegularFile(evalJson)) {
                        out.add(evalJson);
                    }
                }
            }
        }
        return out;
    }

    private static boolean isRow(String line) {
        try {
            MetricsLog.parse(line);
            return true;
        } catch (ChangedRowException e) {
            return true; // a whole row, changed: refused by MetricsLines, never dropped as torn
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The metric rows of a generation's eval.json. */
    static List<MetricsRow> rows(Path evalJson) {
        try {
            List<MetricsRow> rows = new ArrayList<>();
            for (JsonNode r : JSON.readTree(evalJson.toFile()).path("rows")) {
                rows.add(MetricsLog.parse(r.toString()));
            }
            return rows;
        } catch (IOException | IllegalArgumentException e) {
            throw new UserInputException(evalJson + ": unreadable (" + e.getMessage() + ")");
        }
    }
}
