package dev.ouroboros.harness.train;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.AtomicFile;
import dev.ouroboros.models.io.FileTrees;
import dev.ouroboros.models.io.RawTensor;
import dev.ouroboros.models.io.Safetensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Resumable training state in {@code <run>/checkpoint/}, crash-safe by construction:
 *
 * <pre>
 * checkpoint/
 *   step-00000120/            one complete state per directory
 *     weights.safetensors     F32, HF keys (model.decoder.*)
 *     adamw.safetensors       exp_avg.NAME / exp_avg_sq.NAME, F32
 *     state.json              step, config hash, best-so-far, epoch history
 *     COMPLETE                written last, with the CRC-32C of every file above (and of the best
 *                             file), checked on load: a directory without it is ignored (and replaced)
 *   best-epoch-003.safetensors the best epoch's weights, named in state.json
 *   LATEST                    "step-00000120", replaced atomically after COMPLETE
 * </pre>
 *
 * Every file is written with {@link AtomicFile} (temporary file, fsync, rename, directory fsync).
 * Older step directories and best files no longer referenced are deleted only after LATEST points
 * at the new state, so a SIGKILL at any instant leaves at least one complete state. The data order
 * and dropout masks are pure functions of {@code (seed, step)}, so {@code step} is the whole data
 * cursor and RNG state.
 */
public final class CheckpointStore {
    public static final String COMPLETE = "COMPLETE";
    public static final String LATEST = "LATEST";
    static final String WEIGHTS = "weights.safetensors";
    static final String ADAMW = "adamw.safetensors";
    static final String STATE = "state.json";

    private static final ObjectMapper JSON =
            new ObjectMapper()
                    .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                    .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** One validated epoch. */
    public record EpochRecord(
            int epoch, long step, double trainLoss, double valLoss, boolean best) {}

    /**
     * The scalar part of a checkpoint. Version 2 added {@code optimizerSteps} (AdamW's
     * bias-correction step, which lags {@code step} by the fp16 steps skipped on overflow) and the
     * loss scaler's state; a version-1 file means {@code optimizerSteps = step} and no loss
     * scaling.
     */
    public record State(
            int version,
            long step,
            String configHash,
            long seed,
            int bestEpoch,
            double bestValLoss,
            String bestFile,
            double initialValLoss,
            long tokensSeen,
            double epochLossSum,
            long epochLossSteps,
            List<EpochRecord> history,
            long optimizerSteps,
            double lossScale,
            int lossScaleGoodSteps) {
        public static final int VERSION = 2;

        /**
         * AdamW's step count ({@code step} for version-1 files, written before steps could be
         * skipped).
         */
        public long adamwSteps() {
            return version >= 2 ? optimizerSteps : step;
        }
    }

    /** A complete checkpoint found on disk. */
    public record Loaded(Path dir, State state) {
        public Map<String, RawTensor> weights() {
            return Safetensors.read(dir.resolve(WEIGHTS));
        }

        public Map<String, RawTensor> adamw() {
            return Safetensors.read(dir.resolve(ADAMW));
        }
    }

    private final Path root;

    public CheckpointStore(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    /**
     * The newest complete checkpoint: the one LATEST names, else the highest complete step
     * directory.
     */
    public Optional<Loaded> latest() {
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        Path latest = root.resolve(LATEST);
        if (Files.isRegularFile(latest)) {
            try {
                Path dir = root.resolve(Files.readString(latest, StandardCharsets.UTF_8).trim());
                if (Files.isRegularFile(dir.resolve(COMPLETE))) {
                    return Optional.of(new Loaded(dir, verified(dir)));
                }
            } catch (IOException e) {
                // fall through to the scan
            }
        }
        return stepDirs().stream()
                .filter(d -> Files.isRegularFile(d.resolve(COMPLETE)))
                .max(Comparator.comparing(Path::toString))
                .map(d -> new Loaded(d, verified(d)));
    }

    /**
     * The state of a complete checkpoint directory, after checking every file its COMPLETE marker
     * lists against the CRC-32C recorded when it was written (markers written before checksums were
     * recorded list none).
     *
     * @throws UserInputException naming the first file whose content changed
     */
    public State verified(Path dir) {
        try {
            for (String line : Files.readAllLines(dir.resolve(COMPLETE), StandardCharsets.UTF_8)) {
                String[] f = line.trim().split(" ");
                if (f.length == 3 && f[0].equals("crc32c")) {
                    Path file = dir.resolve(f[1]).normalize();
                    if (!Files.isRegularFile(file) || !crc32c(file).equals(f[2])) {
                        throw new UserInputException(
                                file
                                        + ": corrupt training checkpoint (its checksum does not"
                                        + " match what was written); delete "
                                        + root
                                        + " to train this run again from the start");
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot read the checkpoint", e);
        }
        return readState(dir);
    }

    /** CRC-32C of a file's bytes, as 8 hex digits. */
    static String crc32c(Path file) throws IOException {
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocateDirect(1 << 20);
            while (ch.read(buf) >= 0) {
                buf.flip();
                crc.update(buf);
                buf.clear();
            }
        }
        return String.format("%08x", crc.getValue());
    }

    /** Writes a complete checkpoint for {@code state.step()} and makes it the latest. */
    public Path save(State state, List<RawTensor> weights, List<RawTensor> adamw) {
        Path dir = root.resolve(String.format("step-%08d", state.step()));
        try {
            if (Files.exists(dir)) {
                deleteTree(
                        dir); // a torn directory from a crash (a complete one is never rewritten)
            }
            Files.createDirectories(dir);
            Safetensors.write(dir.resolve(WEIGHTS), weights, Map.of("format", "pt"));
            Safetensors.write(dir.resolve(ADAMW), adamw, Map.of("format", "ouroboros-adamw"));
            AtomicFile.write(
                    dir.resolve(STATE),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
            StringBuilder complete = new StringBuilder("step " + state.step() + "\n");
            for (String f : List.of(WEIGHTS, ADAMW, STATE)) {
                complete.append("crc32c ").append(f).append(' ').append(crc32c(dir.resolve(f)));
                complete.append('\n');
            }
            if (state.bestFile() != null) {
                complete.append("crc32c ../").append(state.bestFile()).append(' ');
                complete.append(crc32c(root.resolve(state.bestFile()))).append('\n');
            }
            AtomicFile.write(
                    dir.resolve(COMPLETE), complete.toString().getBytes(StandardCharsets.UTF_8));
            AtomicFile.write(
                    root.resolve(LATEST),
                    dir.getFileName().toString().getBytes(StandardCharsets.UTF_8));
            for (Path old : stepDirs()) {
                if (!old.equals(dir)) {
                    deleteTree(old);
                }
            }
            try (Stream<Path> s = Files.list(root)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    String n = p.getFileName().toString();
                    if (n.startsWith("best-epoch-") && !n.equals(state.bestFile())) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": cannot write checkpoint", e);
        }
        return dir;
    }

    /**
     * Writes the best epoch's weights (before the checkpoint that names them) and returns the file
     * name.
     */
    public String writeBest(int epoch, List<RawTensor> weights) {
        String name = String.format("best-epoch-%03d.safetensors", epoch);
        Safetensors.write(root.resolve(name), weights, Map.of("format", "pt"));
        return name;
    }

    public Map<String, RawTensor> readBest(String name) {
        return Safetensors.read(root.resolve(name));
    }

    /** Removes the whole checkpoint directory (after the final model is safely written). */
    public void deleteAll() {
        if (Files.exists(root)) {
            deleteTree(root);
        }
    }

    private List<Path> stepDirs() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            List<Path> out = new ArrayList<>();
            s.filter(p -> Files.isDirectory(p) && p.getFileName().toString().startsWith("step-"))
                    .forEach(out::add);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static State readState(Path dir) {
        try {
            return JSON.readValue(dir.resolve(STATE).toFile(), State.class);
        } catch (NoSuchFileException e) {
            throw new IllegalStateException(dir + ": complete checkpoint without " + STATE);
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": unreadable " + STATE, e);
        }
    }

    private static void deleteTree(Path p) {
        try {
            FileTrees.deleteTree(p);
        } catch (IOException e) {
            throw new UncheckedIOException(p + ": cannot delete", e);
        }
    }
}
