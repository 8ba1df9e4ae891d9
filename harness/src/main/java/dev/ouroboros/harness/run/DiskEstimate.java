package dev.ouroboros.harness.run;

import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The disk a study needs at its peak, for {@code ouro validate} and for {@code ouro run}'s check
 * before it starts: the models {@code keep} holds (generation 0 hard-linked across a seed's
 * policies), the training checkpoints (two while one is saved: weights and AdamW's two moments; and
 * the best epoch's weights), the synthetic sets (int32 ids, plus their decoded text, about a
 * quarter of that gzipped), the cached real blocks, and each generation's small files.
 *
 * @param modelBytes one fp32 model
 * @param models models on disk at once
 * @param bytes the whole estimate
 */
public record DiskEstimate(long modelBytes, long models, long syntheticSets, long bytes) {
    /** Small files of a generation: eval.json, train.jsonl, DONE, config and tokenizer files. */
    static final long PER_GENERATION = 256 * 1024;

    /** Parameters of an OPT of this config (what its fp32 safetensors hold). */
    public static long params(OptConfig c) {
        long h = c.hiddenSize();
        long f = c.ffnDim();
        long perLayer = 4 * h * h + 4 * h + 2 * h * f + f + h + 4 * h;
        return c.vocabSize() * h
                + (c.maxPositionEmbeddings() + 2L) * h
                + c.numHiddenLayers() * perLayer
                + 2 * h;
    }

    /**
     * Refuses to start when the file system of {@code root} has less free space than the estimate
     * minus what the run directory already holds: one line with both figures.
     */
    public void requireFreeSpace(Path root) {
        try {
            long used;
            try (Stream<Path> s = Files.walk(root)) {
                used = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            }
            long free =
                    Long.getLong( // a test hook: the free space to assume
                            "ouro.free_bytes", Files.getFileStore(root).getUsableSpace());
            long more = bytes - used;
            if (more > free) {
                throw new UserInputException(
                        root
                                + ": the run needs about "
                                + human(more)
                                + " more disk ("
                                + human(bytes)
                                + " at its peak, "
                                + models
                                + " models of "
                                + human(modelBytes)
                                + "), only "
                                + human(free)
                                + " is free there; free space, set another `out`, or keep: last");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(root + ": cannot measure free space", e);
        }
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
     * @param params parameters of one model ({@link #params})
     * @param trainBlocks blocks of D0 (each synthetic set has as many)
     */
    public static DiskEstimate of(RunConfig cfg, long params, long trainBlocks) {
        long seeds = cfg.seeds().size();
        long cells = cfg.policies().size() * seeds;
        int g = cfg.generations();
        long modelBytes = params * 4;
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
        long checkpoint = 7 * modelBytes;
        long syntheticSets = g < 2 ? 0 : cells * (g - 1L) - (cells - seeds);
        long blockBytes = trainBlocks * cfg.data().blockSize() * 4L;
        long synthetic = syntheticSets * blockBytes * 5 / 4;
        long cache = blockBytes * 3 / 2; // train, validation and test splits
        long bytes =
                modelBytes * models + checkpoint + synthetic + cache + cells * g * PER_GENERATION;
        return new DiskEstimate(modelBytes, models, syntheticSets, bytes);
    }
}
