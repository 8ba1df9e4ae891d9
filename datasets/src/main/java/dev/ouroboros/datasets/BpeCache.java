package dev.ouroboros.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.models.io.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A trained BPE tokenizer ({@link BpeTrainer}) in a run directory, taken from a {@link
 * ContentCache} when one trained on the same lines exists: {@code bpe/<key>/} where the key hashes
 * ({@code bpe/v}{@link BpeTrainer#VERSION}, the training lines' sha256, the vocab size). A cached
 * tokenizer directory holds the trainer's files and, written last, {@value #MANIFEST}: the sha256
 * of each, checked on every read.
 */
public final class BpeCache {
    /** The manifest of a cached tokenizer directory (not copied into run directories). */
    public static final String MANIFEST = "cache-manifest.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private BpeCache() {}

    /**
     * Makes {@code dir} hold the BPE of {@code vocabSize} trained on {@code lines}: kept if {@code
     * dir} has one already, else taken from {@code shared} (trained into it on a miss), else
     * trained into {@code dir}; written atomically either way. Logs one line naming {@code label}.
     */
    public static void trained(
            Path dir,
            List<String> lines,
            int vocabSize,
            ContentCache shared,
            String label,
            Consumer<String> log) {
        long t0 = System.nanoTime();
        if (Files.exists(dir.resolve("vocab.json"))) {
            log.accept(line(label, "in the run directory", dir, t0));
            return;
        }
        String key =
                ContentCache.key(
                        List.of(
                                "bpe/v" + BpeTrainer.VERSION,
                                BlockCache.linesSha256(lines),
                                "vocab" + vocabSize));
        ContentCache.Entry e =
                shared.obtain(
                        "bpe",
                        key,
                        BpeCache::verify,
                        p -> {
                            BpeTrainer.write(p, BpeTrainer.train(lines, vocabSize));
                            writeManifest(p);
                        },
                        log);
        if (e == null) {
            Path tmp = dir.resolveSibling("." + dir.getFileName() + ".train.tmp");
            try {
                FileTrees.deleteTree(tmp); // a killed training's (the run directory is locked)
                BpeTrainer.write(tmp, BpeTrainer.train(lines, vocabSize));
                FileTrees.deleteTree(dir); // a partial one without vocab.json
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException x) {
                throw new UncheckedIOException(
                        dir + ": cannot write the tokenizer (" + x.getMessage() + ")", x);
            }
            log.accept(line(label, "trained", null, t0));
        } else {
            CachePlacement.place(e.path(), dir, Set.of(MANIFEST));
            log.accept(
                    line(label, e.produced() ? "trained into cache" : "from cache", e.path(), t0));
        }
    }

    /** Writes {@value #MANIFEST} into {@code dir}: the sha256 of each file there, by name. */
    static void writeManifest(Path dir) throws IOException {
        ObjectNode files = JSON.createObjectNode();
        for (Path f : files(dir)) {
            files.put(f.getFileName().toString(), sha256(f));
        }
        ObjectNode m = JSON.createObjectNode();
        m.put("trainer_version", BpeTrainer.VERSION);
        m.set("files", files);
        Files.write(
                dir.resolve(MANIFEST), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
    }

    /** Throws unless {@code dir} holds exactly the files its manifest names, with their sha256. */
    static void verify(Path dir) throws IOException {
        Path manifest = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            throw new IOException("no " + MANIFEST);
        }
        JsonNode files = JSON.readTree(manifest.toFile()).path("files");
        Set<String> listed = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = files.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            listed.add(f.getKey());
            Path p = dir.resolve(f.getKey());
            if (!Files.isRegularFile(p)) {
                throw new IOException(f.getKey() + " is missing");
            }
            if (!sha256(p).equals(f.getValue().asText())) {
                throw new IOException(f.getKey() + " does not match its sha256");
            }
        }
        Set<String> present = new TreeSet<>();
        for (Path f : files(dir)) {
            present.add(f.getFileName().toString());
        }
        if (!listed.equals(present) || !listed.contains("vocab.json")) {
            throw new IOException("files " + present + ", manifest lists " + listed);
        }
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.getFileName().toString().equals(MANIFEST)).sorted().toList();
        }
    }

    private static String sha256(Path f) throws IOException {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String line(String label, String how, Path where, long t0) {
        return String.format(
                Locale.ROOT,
                "data: tokenizer %s %s (%s%.2f s)",
                label,
                how,
                where == null ? "" : where + ", ",
                (System.nanoTime() - t0) / 1e9);
    }
}
