package dev.ouroboros.harness.run;

import static dev.ouroboros.models.io.FileTrees.deleteTree;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.policy.MixingPolicy;
import dev.ouroboros.models.CrashPoint;
import dev.ouroboros.models.io.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * Generation 0 does not depend on the policy (same seed, same D0, same initial model, same
 * synthesis seed), so a cell takes it over from another policy's cell with this seed when that one
 * is DONE and still has its model: the generation is computed once per seed, and every policy
 * starts from the very same model and S_1. The taking cell's generation-0 directory holds {@link
 * #ADOPTED}, which names the donor.
 */
final class Gen0Sharing {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Marker in a generation-0 directory taken over from another policy's cell; it names the donor.
     */
    static final String ADOPTED = "ADOPTED";

    private final RunConfig cfg;
    private final Path root;

    /** Sharing among the cells of the study {@code cfg} in the run directory {@code root}. */
    Gen0Sharing(RunConfig cfg, Path root) {
        this.cfg = cfg;
        this.root = root;
    }

    /**
     * The donor's generation-0 directory for the cell of policy {@code spec} and {@code seed},
     * whose generation 0 is {@code g}, or null (then the cell computes its own; also when it has
     * already begun to).
     */
    Path donor(String spec, long seed, Path g) {
        Path adopted = adoptedFrom(g);
        if (adopted != null) {
            return adopted; // resuming an interrupted take-over
        }
        if (Files.exists(g)) {
            return null; // this cell's own generation 0 is under way
        }
        for (MixingPolicy p : cfg.policies()) {
            String q = p.spec();
            Path d = RunDir.gen(RunDir.cell(root, q, seed), 0);
            if (!q.equals(spec) && RunDir.done(d) && Files.isDirectory(d.resolve("model"))) {
                return d;
            }
        }
        return null;
    }

    /** The donor that generation-0 directory {@code g} was taken over from, or null. */
    Path adoptedFrom(Path g) {
        Path marker = g.resolve(ADOPTED);
        if (!Files.exists(marker)) {
            return null;
        }
        try {
            return root.resolve(Files.readString(marker, StandardCharsets.UTF_8).trim());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Takes generation 0 over from {@code donor}: the marker first, then hard links (copies where
     * the file system refuses) of train.jsonl (and order.jsonl), model/ (built as model.tmp,
     * renamed), synthetic.bin, synthetic.jsonl.gz and continuations.jsonl, and eval.json with its
     * rows relabelled to this policy. Each piece is skipped when present, so a kill anywhere
     * resumes; the study's generation step then finds everything done but DONE and metrics.jsonl.
     */
    void adopt(Path donor, Path g, String spec) {
        DoneRecord.requireEvalJson(donor);
        DoneRecord.requireModel(donor);
        try {
            Files.createDirectories(g);
            if (!Files.exists(g.resolve(ADOPTED))) {
                write(g.resolve(ADOPTED), root.relativize(donor) + "\n");
            }
            for (String f :
                    List.of(
                            "train.jsonl",
                            dev.ouroboros.harness.train.EpochOrders.FILE,
                            "synthetic.bin",
                            "synthetic.jsonl.gz",
                            Continuation.FILE)) {
                if (Files.exists(donor.resolve(f)) && !Files.exists(g.resolve(f))) {
                    Path tmp = g.resolve(f + ".tmp");
                    Files.deleteIfExists(tmp);
                    link(donor.resolve(f), tmp);
                    Files.move(tmp, g.resolve(f), StandardCopyOption.ATOMIC_MOVE);
                }
            }
            if (!Files.isDirectory(g.resolve("model"))) {
                Path tmp = g.resolve("model.tmp");
                deleteTree(tmp);
                Files.createDirectories(tmp);
                try (Stream<Path> files = Files.list(donor.resolve("model"))) {
                    for (Path f : files.toList()) {
                        link(f, tmp.resolve(f.getFileName().toString()));
                    }
                }
                Files.move(tmp, g.resolve("model"), StandardCopyOption.ATOMIC_MOVE);
            }
            CrashPoint.here("adopt");
            if (!Files.exists(g.resolve("eval.json"))) {
                ObjectNode e = (ObjectNode) JSON.readTree(donor.resolve("eval.json").toFile());
                e.put("policy", spec);
                com.fasterxml.jackson.databind.node.ArrayNode rows = JSON.createArrayNode();
                for (MetricsRow r : MetricsRepair.rows(donor.resolve("eval.json"))) {
                    rows.add(JSON.readTree(MetricsLog.toJson(relabel(r, spec)))); // new checksum
                }
                e.set("rows", rows);
                write(g.resolve("eval.json"), e.toPrettyString());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MetricsRow relabel(MetricsRow r, String spec) {
        return new MetricsRow(
                r.schema(),
                spec,
                r.seed(),
                r.generation(),
                r.split(),
                r.metrics(),
                r.raw(),
                r.time());
    }

    /**
     * Whether some policy's cell with this seed has not finished (or taken over) its generation 0
     * yet.
     */
    boolean wanted(long seed) {
        for (MixingPolicy q : cfg.policies()) {
            if (!RunDir.done(RunDir.gen(RunDir.cell(root, q.spec(), seed), 0))) {
                return true;
            }
        }
        return false;
    }

    private static void link(Path from, Path to) throws IOException {
        try {
            Files.createLink(to, from);
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }

    private static void write(Path file, String text) {
        AtomicFile.write(file, text.getBytes(StandardCharsets.UTF_8));
    }
}
