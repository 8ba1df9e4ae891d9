package dev.ouroboros.harness.run;

import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.AtomicFile;
import dev.ouroboros.models.io.DirLock;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The layout of a run directory (docs/design.md#run-directory) and its exclusive lock.
 *
 * <pre>
 * RUN/manifest.json  config.resolved.yaml  overrides.txt  metrics.jsonl  .lock  data/
 * RUN/policy=P/seed=S/gen=NNN/{model/, train.jsonl, checkpoint/, synthetic.bin, synthetic.jsonl.gz, eval.json, DONE}
 * </pre>
 */
public final class RunDir implements AutoCloseable {
    public static final String DONE = "DONE";

    private final Path root;
    private final DirLock lock;

    private RunDir(Path root, DirLock lock) {
        this.root = root;
        this.lock = lock;
    }

    /** Creates the directory if needed and takes its lock; a second process gets a clear error. */
    public static RunDir lock(Path root) {
        try {
            Files.createDirectories(root);
            return new RunDir(root, DirLock.take(root, "run directory"));
        } catch (java.nio.file.FileSystemException e) {
            // an environment fault (a parent that cannot hold directories, /proc, no permission…):
            // one line naming the path, exit 2, nothing created
            String why =
                    e.getReason() != null
                            ? e.getReason().toLowerCase(java.util.Locale.ROOT)
                            : e.getClass().getSimpleName();
            if (e instanceof java.nio.file.NoSuchFileException) {
                why = "no such file or directory";
            } else if (e instanceof java.nio.file.AccessDeniedException) {
                why = "permission denied";
            }
            throw new UserInputException(
                    root
                            + ": cannot create the run directory ("
                            + e.getFile()
                            + ": "
                            + why
                            + "); choose an out= you can write");
        } catch (IOException e) {
            throw new UncheckedIOException(root + ": cannot create or lock", e);
        }
    }

    public Path root() {
        return root;
    }

    public Path data() {
        return root.resolve("data");
    }

    public Path metrics() {
        return root.resolve(dev.ouroboros.eval.metrics.MetricsLog.FILE);
    }

    public static Path cell(Path root, String policy, long seed) {
        return root.resolve("policy=" + policy).resolve("seed=" + seed);
    }

    public static Path gen(Path cell, int generation) {
        return cell.resolve(String.format("gen=%03d", generation));
    }

    public static boolean done(Path genDir) {
        return Files.isRegularFile(genDir.resolve(DONE));
    }

    /**
     * Deletes the temporary files of writes killed before their rename, and says which. Safe under
     * the run lock: every writer of the run directory holds it, except {@code ouro report}, whose
     * report/ and {@code .report-*} directories are left to it.
     */
    void removeStaleTemps(java.util.function.Consumer<String> console) {
        java.util.List<Path> removed =
                AtomicFile.removeStale(
                        root,
                        p -> {
                            String n = p.getFileName().toString();
                            return p.getParent().equals(root)
                                    && (n.equals("report") || n.startsWith(".report-"));
                        });
        if (removed.isEmpty()) {
            return;
        }
        console.accept(
                root
                        + ": removed "
                        + removed.size()
                        + " temporary "
                        + (removed.size() == 1 ? "file" : "files")
                        + " of killed writes ("
                        + String.join(
                                ", ",
                                removed.stream()
                                        .map(f -> root.relativize(f).toString().replace('\\', '/'))
                                        .sorted()
                                        .toList())
                        + ")");
    }

    @Override
    public void close() {
        lock.close();
    }
}
