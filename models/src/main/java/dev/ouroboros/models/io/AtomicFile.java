package dev.ouroboros.models.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a file so that readers see either the old content or the complete new content, never a
 * torn file: the bytes go to a temporary file in the same directory, are fsynced, and the temporary
 * file is renamed over the target atomically; the directory is then fsynced so that the rename
 * survives a crash. A write killed before its rename leaves its temporary file ({@code
 * .TARGET.<n>.tmp}); {@link #removeStale} deletes those where the caller holds a lock that rules
 * out a live writer (a run directory's {@code .lock}).
 */
public final class AtomicFile {

    /** Produces the content of the file. */
    @FunctionalInterface
    public interface Body {
        void writeTo(FileChannel out) throws IOException;
    }

    private AtomicFile() {}

    /** Replaces {@code target} with {@code content}. */
    public static void write(Path target, byte[] content) {
        write(
                target,
                out -> {
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(content);
                    while (b.hasRemaining()) {
                        out.write(b);
                    }
                });
    }

    /**
     * Replaces {@code target} with what {@code body} writes.
     *
     * @throws UncheckedIOException if any step fails; the target is then untouched and the
     *     temporary file removed
     */
    public static void write(Path target, Body body) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            // not Files.createTempFile, which makes the file rw------- whatever the umask: a new
            // file gets the mode Files.write would give it (0666 less the umask, 0644 usually)
            tmp = dir.resolve("." + abs.getFileName() + "." + tempSuffix() + ".tmp");
            try (FileChannel out =
                    FileChannel.open(
                            tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                body.writeTo(out);
                dev.ouroboros.models.CrashPoint.here(
                        "atomic-write"); // temp written, not yet renamed
                out.force(true);
            }
            try {
                Files.move(
                        tmp,
                        abs,
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException(abs + ": the file system cannot rename atomically", e);
            }
            tmp = null;
            syncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(abs + ": write failed: " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the original failure is what matters
                }
            }
        }
    }

    /**
     * Whether {@code name} is the temporary file of a write: {@code .TARGET.<digits>.tmp}, which a
     * write killed before its rename leaves behind.
     */
    public static boolean isTemp(String name) {
        return TEMP.matcher(name).matches();
    }

    private static final java.util.regex.Pattern TEMP =
            java.util.regex.Pattern.compile("\\..+\\.[0-9]+\\.tmp");

    /**
     * Deletes the temporary files ({@link #isTemp}) below {@code root} that killed writes left,
     * except in directories {@code skip} accepts; returns them. The caller must know that no other
     * process is writing there (it holds the directory's lock): a temporary file is a stale one
     * only when its writer is gone.
     */
    public static List<Path> removeStale(Path root, java.util.function.Predicate<Path> skip) {
        List<Path> removed = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return removed;
        }
        try {
            Files.walkFileTree(
                    root,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult preVisitDirectory(
                                Path dir, BasicFileAttributes attrs) {
                            return !dir.equals(root) && skip.test(dir)
                                    ? FileVisitResult.SKIP_SUBTREE
                                    : FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                                throws IOException {
                            if (attrs.isRegularFile() && isTemp(file.getFileName().toString())) {
                                Files.deleteIfExists(file);
                                removed.add(file);
                            }
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            throw new UncheckedIOException(root + ": cannot remove stale temporary files", e);
        }
        return removed;
    }

    private static String tempSuffix() {
        return Long.toUnsignedString(java.util.concurrent.ThreadLocalRandom.current().nextLong());
    }

    /**
     * fsync of a directory: supported on Linux and macOS; other platforms refuse to open one, which
     * is harmless.
     */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // Windows cannot open a directory as a channel; the rename itself is still atomic
            // there.
        }
    }
}
