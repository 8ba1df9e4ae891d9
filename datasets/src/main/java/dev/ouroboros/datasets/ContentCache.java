package dev.ouroboros.datasets;

import dev.ouroboros.models.io.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Prepared data shared by run directories (the cells of a sweep, one process or several): each
 * entry, a file or a directory, is named by a hash of everything it is made from, so that equal
 * inputs find it and different ones never do. {@code ROOT/<kind>/<key>} is produced under a
 * temporary name and renamed into place atomically, while holding {@code ROOT/<kind>/<key>.lock}
 * (an OS file lock, plus a lock in this JVM): a second process asking for the same key waits for
 * the first and then reads its entry. An entry is verified on every read; one that fails is deleted
 * and produced again, with one line logged. A cache that cannot be used (the root is not a writable
 * directory, the file system refuses locks) logs one warning and is off for the rest of the
 * process: callers then compute in the run directory, so a cache never breaks a run.
 *
 * <p>The root: {@code OURO_CACHE} ({@code off} or {@code none}: no cache), else {@code
 * $XDG_CACHE_HOME/ouroboros}, else {@code ~/.cache/ouroboros}.
 */
public final class ContentCache {
    /** The environment variable naming the root, or {@code off}. */
    public static final String ENV = "OURO_CACHE";

    private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();

    private final Path root;
    private final AtomicBoolean broken = new AtomicBoolean();

    private ContentCache(Path root) {
        this.root = root == null ? null : root.toAbsolutePath().normalize();
    }

    /** A cache rooted at {@code root}. */
    public static ContentCache at(Path root) {
        return new ContentCache(root);
    }

    /** No cache: every caller computes in its own directory. */
    public static ContentCache off() {
        return new ContentCache(null);
    }

    /**
     * The cache {@code env} names ({@link ContentCache class doc}); {@code home} is the user's home
     * directory.
     */
    public static ContentCache fromEnvironment(Map<String, String> env, Path home) {
        String v = env.get(ENV);
        if (v != null && !v.isBlank()) {
            String w = v.strip().toLowerCase(Locale.ROOT);
            return w.equals("off") || w.equals("none") ? off() : at(Path.of(v.strip()));
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return at(Path.of(xdg, "ouroboros"));
        }
        return at(home.resolve(".cache").resolve("ouroboros"));
    }

    /** The root, or null when the cache is off. */
    public Path root() {
        return root;
    }

    /** Whether entries are looked up (on, and not found unusable). */
    public boolean enabled() {
        return root != null && !broken.get();
    }

    /**
     * Why the root cannot hold entries (its nearest existing ancestor is not a writable directory),
     * or null if it looks usable or the cache is off; creates nothing.
     */
    public String problem() {
        if (root == null) {
            return null;
        }
        Path p = root;
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null || !Files.isDirectory(p)) {
            return (p == null ? root : p) + " is not a directory";
        }
        return Files.isWritable(p) ? null : p + " is not writable";
    }

    /** What {@link #obtain} found: the entry, and whether this call produced it (a miss). */
    public record Entry(Path path, boolean produced) {}

    /** Checks an entry; throws (any exception, its message saying what is wrong) if it is bad. */
    @FunctionalInterface
    public interface Check {
        void verify(Path entry) throws Exception;
    }

    /** Writes a new entry (a file or a directory) at {@code path}, which does not exist yet. */
    @FunctionalInterface
    public interface Producer {
        void produce(Path path) throws IOException;
    }

    /**
     * The entry {@code ROOT/kind/name}, produced by {@code producer} if it is missing or fails
     * {@code check}; null when the cache is off or cannot be used (a warning then went to {@code
     * log}, once per cache). Exceptions of the producer other than I/O failures propagate.
     */
    public Entry obtain(
            String kind, String name, Check check, Producer producer, Consumer<String> log) {
        if (!enabled()) {
            return null;
        }
        Path dir = root.resolve(kind);
        Path entry = dir.resolve(name);
        Path lockFile = dir.resolve(name + ".lock");
        ReentrantLock inJvm = LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        inJvm.lock();
        try {
            Files.createDirectories(dir);
            try (FileChannel ch =
                            FileChannel.open(
                                    lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock held = ch.lock()) {
                if (Files.exists(entry)) {
                    String bad = problem(check, entry);
                    if (bad == null) {
                        return new Entry(entry, false);
                    }
                    log.accept(
                            "data: cache entry "
                                    + entry
                                    + " failed its check ("
                                    + bad
                                    + "); making it again");
                    FileTrees.deleteTree(entry);
                }
                removeTemps(dir, name); // under the lock: their writers are gone
                Path tmp =
                        dir.resolve(
                                "."
                                        + name
                                        + "."
                                        + Long.toUnsignedString(
                                                ThreadLocalRandom.current().nextLong())
                                        + ".tmp");
                try {
                    producer.produce(tmp);
                    Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    FileTrees.deleteTree(tmp);
                }
                syncDirectory(dir);
                return new Entry(entry, true);
            }
        } catch (IOException | UncheckedIOException e) {
            if (broken.compareAndSet(false, true)) {
                log.accept(
                        "data: warning: cache "
                                + root
                                + " cannot be used ("
                                + message(e)
                                + "); preparing data in the run directory ("
                                + ENV
                                + "=off silences this)");
            }
            return null;
        } finally {
            inJvm.unlock();
        }
    }

    /**
     * An entry on disk: {@code ROOT/kind/name}, its size (a directory's files summed), when made.
     */
    public record Stored(String kind, String name, long bytes, Instant made) {}

    /**
     * Every entry under the root, by kind then name (not the lock files, not a producer's
     * temporaries); empty when the cache is off or the root does not exist yet.
     */
    public List<Stored> list() throws IOException {
        List<Stored> out = new ArrayList<>();
        if (root == null || !Files.isDirectory(root)) {
            return out;
        }
        for (Path kind : children(root)) {
            if (!Files.isDirectory(kind)) {
                continue;
            }
            for (Path e : children(kind)) {
                String n = e.getFileName().toString();
                if (n.startsWith(".") || n.endsWith(".lock")) {
                    continue;
                }
                long bytes;
                try (Stream<Path> w = Files.walk(e)) {
                    bytes = w.filter(Files::isRegularFile).mapToLong(ContentCache::size).sum();
                }
                out.add(
                        new Stored(
                                kind.getFileName().toString(),
                                n,
                                bytes,
                                Files.getLastModifiedTime(e).toInstant()));
            }
        }
        return out;
    }

    /**
     * Deletes {@code entry} (and what killed producers of it left) unless a thread or process is
     * using it now, i.e. holds its lock; returns whether it was deleted. The lock file stays: a
     * process waiting on it must keep locking the same file. Run directories that linked the entry
     * keep their copies (hard links).
     */
    public boolean remove(Stored entry) throws IOException {
        Path dir = root.resolve(entry.kind());
        Path lockFile = dir.resolve(entry.name() + ".lock");
        ReentrantLock inJvm = LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        if (!inJvm.tryLock()) {
            return false;
        }
        try (FileChannel ch =
                FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock held = ch.tryLock();
            if (held == null) {
                return false;
            }
            try (held) {
                FileTrees.deleteTree(dir.resolve(entry.name()));
                removeTemps(dir, entry.name());
                return true;
            }
        } finally {
            inJvm.unlock();
        }
    }

    private static List<Path> children(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return 0; // deleted meanwhile
        }
    }

    /** Hex SHA-256 of the UTF-8 bytes of {@code parts}, each followed by a newline. */
    public static String key(List<String> parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                md.update((p + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String problem(Check check, Path entry) {
        try {
            check.verify(entry);
            return null;
        } catch (Exception e) {
            return message(e);
        }
    }

    private static String message(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** Deletes what killed producers of {@code name} left ({@code .<name>.*.tmp}, nested too). */
    private static void removeTemps(Path dir, String name) throws IOException {
        List<Path> stale;
        try (Stream<Path> s = Files.list(dir)) {
            stale =
                    s.filter(
                                    p -> {
                                        String n = p.getFileName().toString();
                                        return n.startsWith(".")
                                                && n.contains(name + ".")
                                                && n.endsWith(".tmp");
                                    })
                            .toList();
        }
        for (Path p : stale) {
            FileTrees.deleteTree(p);
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // not every platform opens a directory as a channel; the rename is atomic regardless
        }
    }
}
