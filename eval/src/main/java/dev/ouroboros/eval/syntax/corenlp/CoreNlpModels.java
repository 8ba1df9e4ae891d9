package dev.ouroboros.eval.syntax.corenlp;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Where CoreNLP's English models live for Ouroboros, and how they get there. The models jar ({@code
 * edu.stanford.nlp:stanford-corenlp:4.5.10:models}, 474 MB) is not bundled; {@code ouro setup
 * corenlp} checks its SHA-256 and extracts the two models that {@code tokenize,ssplit,pos,depparse}
 * needs (the POS tagger and the UD dependency parser, 27 MB) into {@code <cache>/corenlp/4.5.10/},
 * with a {@code DONE} marker written last.
 */
public final class CoreNlpModels {
    /** The CoreNLP release the code jar and the models come from. */
    public static final String VERSION = "4.5.10";

    /** The Maven coordinates of the models jar. */
    public static final String ARTIFACT =
            "edu.stanford.nlp:stanford-corenlp:" + VERSION + ":jar:models";

    /** The models jar's file name in a Maven repository. */
    public static final String JAR_NAME = "stanford-corenlp-" + VERSION + "-models.jar";

    /**
     * SHA-256 of that jar (its Maven Central SHA-1 is 4daba7d4efb11acad6649dd16530821db0ea8283).
     */
    public static final String JAR_SHA256 =
            "a5da9f6feb35a0fd2ea2cbe8909bede3952965b238a68c833ae3e031ed9026a0";

    /** The POS tagger: entry in the jar → file name in the models directory. */
    public static final String TAGGER = "english-left3words-distsim.tagger";

    /** The UD dependency parser (neural, Chen &amp; Manning 2014). */
    public static final String DEPPARSE = "english_UD.gz";

    private static final Map<String, String> ENTRIES =
            Map.of(
                    "edu/stanford/nlp/models/pos-tagger/" + TAGGER, TAGGER,
                    "edu/stanford/nlp/models/parser/nndep/" + DEPPARSE, DEPPARSE);

    /** The environment variable that names the models directory directly. */
    public static final String ENV = "OURO_CORENLP";

    private CoreNlpModels() {}

    /**
     * The models directory: {@code OURO_CORENLP} when set, else {@code <cacheRoot>/corenlp/4.5.10}
     * with {@code cacheRoot} the data cache (or {@code ~/.cache/ouroboros} when the cache is off).
     */
    public static Path dir(Map<String, String> env, Path cacheRoot) {
        String v = env.get(ENV);
        if (v != null && !v.isBlank()) {
            return Path.of(v.strip());
        }
        return cacheRoot.resolve("corenlp").resolve(VERSION);
    }

    /** Whether {@code dir} holds installed models (its {@code DONE} marker). */
    public static boolean present(Path dir) {
        return Files.isRegularFile(dir.resolve("DONE"))
                && Files.isRegularFile(dir.resolve(TAGGER))
                && Files.isRegularFile(dir.resolve(DEPPARSE));
    }

    /** One line for doctor / validate: where the models are, or how to install them. */
    public static String status(Path dir) {
        return present(dir)
                ? "CoreNLP " + VERSION + " English models in " + dir
                : "CoreNLP "
                        + VERSION
                        + " English models not installed in "
                        + dir
                        + " (needed by eval.syntactic: run `ouro setup corenlp`)";
    }

    /** Where a Maven local repository keeps the models jar. */
    public static Path inMavenRepository(Path repository) {
        return repository.resolve("edu/stanford/nlp/stanford-corenlp/" + VERSION + "/" + JAR_NAME);
    }

    /**
     * Checks {@code jar}'s SHA-256 and extracts the two models into {@code dir} (temporary files
     * renamed into place, {@code DONE} last).
     *
     * @throws IllegalArgumentException when the jar is not the expected one or lacks a model
     */
    public static void install(Path jar, Path dir) throws IOException {
        String sha = sha256(jar);
        if (!sha.equals(JAR_SHA256)) {
            throw new IllegalArgumentException(
                    jar
                            + ": SHA-256 "
                            + sha
                            + ", not that of "
                            + ARTIFACT
                            + " ("
                            + JAR_SHA256
                            + ")");
        }
        Files.createDirectories(dir);
        Files.deleteIfExists(dir.resolve("DONE"));
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (Map.Entry<String, String> e : ENTRIES.entrySet()) {
                ZipEntry entry = zip.getEntry(e.getKey());
                if (entry == null) {
                    throw new IllegalArgumentException(jar + " has no " + e.getKey());
                }
                Path tmp = Files.createTempFile(dir, e.getValue(), ".tmp");
                try (InputStream in = zip.getInputStream(entry)) {
                    Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                }
                Files.move(tmp, dir.resolve(e.getValue()), StandardCopyOption.ATOMIC_MOVE);
            }
        }
        Files.writeString(
                dir.resolve("DONE"), String.join("\n", List.of(ARTIFACT, "sha256 " + sha)) + "\n");
    }

    static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buf = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
