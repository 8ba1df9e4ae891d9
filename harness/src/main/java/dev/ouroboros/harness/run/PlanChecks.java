package dev.ouroboros.harness.run;

import dev.ouroboros.datasets.GroundTruthLanguage;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.OptForCausalLM;
import dev.ouroboros.models.OptWeights;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.RawTensor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The checks of a {@link StudyPlan} that a run would otherwise meet only after it has written its
 * directory (or never, failing instead): the output path, the base checkpoint's tensors against its
 * config, the memory the ground-truth corpus takes, and the blocks each split yields. Each returns
 * the plan's problem line, or null when the check holds.
 */
final class PlanChecks {
    /** The longest file name most file systems take (ext4, xfs, btrfs, tmpfs, APFS), in bytes. */
    static final int NAME_MAX = 255;

    /**
     * Bytes of heap one ground-truth line costs beyond its characters while the data is prepared:
     * the String, its list slot, its token ids and their share of the block arrays.
     */
    static final long LINE_OVERHEAD = 96;

    private PlanChecks() {}

    /**
     * The run directory {@code out/name} can be made: its name fits a file name, and the nearest
     * path that exists is a writable directory (not a file {@code out} points at).
     */
    static String outputPath(Path runDir) {
        Path abs = runDir.toAbsolutePath().normalize();
        for (Path part : abs) {
            int bytes = part.toString().getBytes(StandardCharsets.UTF_8).length;
            if (bytes > NAME_MAX) {
                return "run directory "
                        + runDir
                        + ": the name '"
                        + part.toString().substring(0, 24)
                        + "…' is "
                        + bytes
                        + " bytes, more than a file name can be ("
                        + NAME_MAX
                        + "); choose a shorter `name` or `out`";
            }
        }
        Path existing = abs;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return null;
        }
        if (!Files.isDirectory(existing)) {
            return "out: "
                    + existing
                    + " is a file, not a directory; the run directory "
                    + runDir
                    + " cannot be made under it (set `out` to a directory)";
        }
        if (!Files.isWritable(existing)) {
            return "out: " + existing + " is not writable; set `out` to a directory you can write";
        }
        return null;
    }

    /**
     * The base checkpoint's tensors, their names, count and shapes, as its config.json implies
     * them: what loading it checks, before any weight is allocated.
     */
    static String baseTensors(Path base, OptConfig shape, Map<String, RawTensor> stateDict) {
        try {
            OptWeights.bind(new OptForCausalLM(shape), stateDict, base.toString());
            return null;
        } catch (UserInputException e) {
            return "model.base " + e.getMessage();
        }
    }

    /**
     * The base checkpoint's weights are all finite, scanned in the mapped file (its float bits, no
     * copy): a model holding NaN or an infinity is refused by the plan, as loading it refuses it.
     */
    static String baseFinite(Path base, Map<String, RawTensor> stateDict) {
        for (RawTensor t : stateDict.values()) {
            if (!finite(t)) {
                return "model.base "
                        + base
                        + ": tensor "
                        + t.name()
                        + " holds NaN or an infinity (a corrupt or diverged model); it is refused"
                        + " rather than used";
            }
        }
        return null;
    }

    /** Whether every value of a float tensor is finite (its exponent bits not all ones). */
    private static boolean finite(RawTensor t) {
        java.nio.ByteBuffer b = t.data().duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        switch (t.dtype()) {
            case F32 -> {
                java.nio.IntBuffer v = b.asIntBuffer();
                while (v.hasRemaining()) {
                    if ((v.get() & 0x7f80_0000) == 0x7f80_0000) {
                        return false;
                    }
                }
            }
            case F16, BF16 -> {
                int mask = t.dtype() == dev.ouroboros.models.io.DType.F16 ? 0x7c00 : 0x7f80;
                java.nio.ShortBuffer v = b.asShortBuffer();
                while (v.hasRemaining()) {
                    if ((v.get() & mask) == mask) {
                        return false;
                    }
                }
            }
            case F64 -> {
                java.nio.DoubleBuffer v = b.asDoubleBuffer();
                while (v.hasRemaining()) {
                    if (!Double.isFinite(v.get())) {
                        return false;
                    }
                }
            }
            default -> {
                return true; // not a float tensor: loading it refuses its dtype
            }
        }
        return true;
    }

    /**
     * The ground-truth corpus fits the heap: its lines (their length sampled from the language) are
     * all held while the data is prepared. A corpus that does not is refused before it is sampled,
     * instead of an out-of-memory error minutes later.
     */
    static String groundTruthMemory(RunConfig.GroundTruth g, long maxHeap) {
        GroundTruthLanguage truth =
                new GroundTruthLanguage(GroundTruthLanguage.Config.defaults(g.seed()));
        SplittableRandom r = new SplittableRandom(g.seed());
        long chars = 0;
        int sample = 200;
        for (int i = 0; i < sample; i++) {
            chars += truth.sampleLine(r).length();
        }
        long lines = (long) g.trainLines() + g.validationLines() + g.testLines();
        long perLine = 2 * (chars / sample) + LINE_OVERHEAD;
        long need = lines * perLine;
        if (need <= maxHeap / 2) {
            return null;
        }
        return "data.ground_truth: "
                + lines
                + " lines take about "
                + DiskEstimate.human(need)
                + " of memory while the data is prepared, more than half the JVM's heap ("
                + DiskEstimate.human(maxHeap)
                + "); use fewer lines or a larger heap (OURO_JAVA_OPTS=-Xmx…)";
    }

    /**
     * A text or JSONL corpus file that holds no text (empty, or only whitespace) is refused by name
     * before a tokenizer is trained on it (whose error would name a temporary directory).
     */
    static String emptyCorpus(Path file) {
        try {
            if (!Files.isRegularFile(file)) {
                return null; // a directory (wikitext-2): its files are checked as it is read
            }
            long size = Files.size(file);
            if (size == 0
                    || (size < (1 << 16)
                            && new String(Files.readAllBytes(file), StandardCharsets.UTF_8)
                                    .isBlank())) {
                return "data.path " + file + ": the corpus is empty (no text to train on)";
            }
        } catch (java.io.IOException e) {
            return "data.path " + file + ": cannot read (" + e.getMessage() + ")";
        }
        return null;
    }

    /**
     * Every split yields at least one block: D0 trains on the train split's, each epoch is
     * validated on the validation split's, every generation is scored on the test split's.
     */
    static String splits(StudyData data, RunConfig cfg) {
        int b = cfg.data().blockSize();
        String[] names = {"train", "validation", "test"};
        int[] counts = {data.train().count(), data.validation().count(), data.test().count()};
        for (int i = 0; i < names.length; i++) {
            if (counts[i] == 0) {
                return "data: the "
                        + names[i]
                        + " split yields no block of data.block_size "
                        + b
                        + " tokens (the corpus is empty or too short for one block; lower"
                        + " data.block_size or give more text)";
            }
        }
        return null;
    }
}
