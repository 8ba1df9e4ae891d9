package dev.ouroboros.harness.run;

import static dev.ouroboros.models.io.FileTrees.deleteTree;

import dev.ouroboros.harness.config.RunConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Which generations of a cell keep their model/ (config {@code keep}): all; last → only the newest
 * generation's model and generation 0's (the reference that scores every synthetic set, which an
 * extended study needs); none-but-metrics → none (generation 0's only while the cell runs, or while
 * another policy's cell with this seed has yet to share it).
 */
final class Retention {
    private final RunConfig cfg;
    private final Gen0Sharing gen0;

    Retention(RunConfig cfg, Gen0Sharing gen0) {
        this.cfg = cfg;
        this.gen0 = gen0;
    }

    /**
     * Deletes the models of {@code cell}'s DONE generations that {@code keep} no longer wants;
     * {@code cellDone}: its last generation is DONE.
     */
    void retain(Path cell, long seed, boolean cellDone) {
        if (cfg.keep() == RunConfig.Keep.ALL) {
            return;
        }
        try (Stream<Path> gens = Files.list(cell)) {
            List<Path> done = gens.filter(RunDir::done).sorted().toList();
            for (int i = 0; i < done.size(); i++) {
                boolean newest = i == done.size() - 1;
                // generation 0 scores every synthetic set, so keep: last keeps it (an extended
                // study needs it); none-but-metrics drops it once no cell needs it
                boolean gen0Needed =
                        i == 0
                                && (cfg.keep() == RunConfig.Keep.LAST
                                        || !cellDone
                                        || gen0.wanted(seed));
                boolean keep =
                        cfg.keep() == RunConfig.Keep.LAST
                                ? newest || gen0Needed
                                : gen0Needed || (!cellDone && newest);
                if (!keep) {
                    deleteTree(done.get(i).resolve("model"));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
