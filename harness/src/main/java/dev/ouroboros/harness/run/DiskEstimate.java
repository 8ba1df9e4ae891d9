package dev.ouroboros.harness.run;

import dev.ouroboros.harness.config.RunConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The disk a study needs at its peak, checked by its {@link StudyPlan} before it trains: the models
 * {@code keep} holds (generation 0 hard-linked across a seed's policies), the training checkpoints
 * (two while one is saved: weights and AdamW's two moments; and the best epoch's weights), the
 * synthetic sets (int32 ids, plus their decoded text, about a quarter of that gzipped), the cached
 * real blocks, and each generation's small files.
 *
 * @param modelBytes one saved model directory: its fp32 weights, config.json and the copy of the
 *     tokenizer every model keeps
 * @param models models on disk at once
 * @param bytes the whole estimate
 */
public record DiskEstimate(long modelBytes, long models, long syntheticSets, long bytes) {
    /** Small files of a generation: eval.json, train.jsonl, DONE, config and tokenizer files. */
    static final long PER_GENERATION = 256 * 1024;

    /** A model's config.json. */
    static final long CONFIG_JSON = 1024;

    /**
     * Why a run into {@code runDir} cannot start for lack of disk, or null when it can: the
     * estimate minus what the directory already holds, against the free space of its file system
     * (of the nearest directory that exists), in one line with both figures.
     */
    public String shortfall(Path runDir) {
        Path existing = runDir.toAbsolutePath().normalize();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        try {
            long used = 0;
            long dataWritten = 0;
            if (Files.isDirectory(runDir)) {
                Path data = runDir.resolve("data");
                try (Stream<Path> s = Files.walk(runDir)) {
                    for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
                        if (!p.startsWith(data)) {
                            used += p.toFile().length();
                        } else if (ownCopy(p)) {
                            dataWritten += p.toFile().length();
                        }
                    }
                }
            }
            // the real data a run has prepared (data/) is counted as not yet written, as validate
            // counts it: the disk it took (a copy, not a link into the shared cache) is free again
            long free = Files.getFileStore(existing).getUsableSpace() + dataWritten;
            long more = bytes - used;
            return more <= free
                    ? null
                    : "disk: the run needs about "
                            + human(more)
                            + " more disk ("
                            + human(bytes)
                            + " at its peak, "
                            + models
                            + " models of "
                            + human(modelBytes)
                            + "), only "
                            + human(free)
                            + " is free at "
                            + existing
                            + "; free space, set another `out`, or keep: last";
        } catch (IOException e) {
            throw new UncheckedIOException(existing + ": cannot measure free space", e);
        }
    }

    /** Whether {@code p} is a file of its own, not a hard link (into the shared data cache). */
    private static boolean ownCopy(Path p) {
        try {
            Object links = Files.getAttribute(p, "unix:nlink");
            return !(links instanceof Integer n) || n <= 1;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return true;
        }
    }

    /** The estimate in one line, for the plan. */
    public String describe(RunConfig cfg) {
        return "disk: ~"
                + human(bytes)
                + " at the run's peak ("
                + human(modelBytes)
                + " per model x "
                + models
                + " kept over "
                + cfg.policies().size() * (long) cfg.seeds().size()
                + " cells, + "
                + syntheticSets
                + " synthetic sets and a checkpoint)";
    }

    public static String human(long bytes) {
        double b = bytes;
        String[] u = {"B", "KiB", "MiB", "GiB", "TiB"};
        int i = 0;
        while (b >= 1024 && i < u.length - 1) {
            b /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, "%.1f %s", b, u[i]);
    }

    /**
     * @param params parameters of one model ({@link
     *     dev.ouroboros.harness.base.OptParameters#count})
     * @param trainBlocks blocks of D0 (each synthetic set has as many)
     */
    public static DiskEstimate of(RunConfig cfg, long params, long trainBlocks) {
        return of(cfg, params, trainBlocks, 0);
    }

    /**
     * @param params parameters of one model
     * @param trainBlocks blocks of D0
     * @param tokenizerBytes what the copy of the tokenizer in each saved model takes
     */
    public static DiskEstimate of(
            RunConfig cfg, long params, long trainBlocks, long tokenizerBytes) {
        long seeds = cfg.seeds().size();
        long cells = cfg.policies().size() * seeds;
        int g = cfg.generations();
        long weights = params * 4;
        long modelBytes = weights + CONFIG_JSON + tokenizerBytes;
        long models =
                switch (cfg.keep()) {
                    case ALL -> cells * g - (cells - seeds); // generation 0 once per seed
                    // the newest of each cell, generation 0 of each seed, and the previous
                    // generation's while the next one's model/ is put in place
                    case LAST -> seeds + (g >= 2 ? cells : 0) + 1;
                    case NONE_BUT_METRICS -> Math.min(g, 3);
                };
        // while a checkpoint is saved the previous one is still whole: two of (weights + AdamW's
        // two moments), and the best epoch's weights
        long checkpoint = 7 * weights;
        long syntheticSets = g < 2 ? 0 : cells * (g - 1L) - (cells - seeds);
        long blockBytes = trainBlocks * cfg.data().blockSize() * 4L;
        long synthetic = syntheticSets * blockBytes * 5 / 4;
        long cache = blockBytes * 3 / 2; // train, validation and test splits
        long bytes =
                modelBytes * models + checkpoint + synthetic + cache + cells * g * PER_GENERATION;
        return new DiskEstimate(modelBytes, models, syntheticSets, bytes);
    }
}
