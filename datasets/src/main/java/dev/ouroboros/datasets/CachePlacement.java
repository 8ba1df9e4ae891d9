package dev.ouroboros.datasets;

import dev.ouroboros.models.io.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Puts a copy of a {@link ContentCache} entry into a run directory, so that the run directory stays
 * self-contained (resume, verify and report work if the cache is deleted): each file hard-linked
 * where the file system allows (entries are never changed in place, only replaced), copied
 * otherwise; under a temporary name first, then renamed over the target atomically.
 */
public final class CachePlacement {
    private CachePlacement() {}

    /**
     * Makes {@code target} a copy of {@code entry} (a file, or a flat directory of files, less
     * those named in {@code skip}). The caller owns {@code target}'s directory (holds the run
     * directory's lock): what killed placements left there ({@code .<name>.*.tmp}) is deleted.
     */
    public static void place(Path entry, Path target, Set<String> skip) {
        Path parent = target.toAbsolutePath().getParent();
        String name = target.getFileName().toString();
        Path tmp =
                parent.resolve(
                        "."
                                + name
                                + "."
                                + Long.toUnsignedString(ThreadLocalRandom.current().nextLong())
                                + ".tmp");
        try {
            Files.createDirectories(parent);
            try (Stream<Path> s = Files.list(parent)) {
                for (Path stale :
                        s.filter(
                                        p -> {
                                            String n = p.getFileName().toString();
                                            return n.startsWith("." + name + ".")
                                                    && n.endsWith(".tmp");
                                        })
                                .toList()) {
                    FileTrees.deleteTree(stale);
                }
            }
            if (Files.isDirectory(entry)) {
                Files.createDirectory(tmp);
                List<Path> files;
                try (Stream<Path> s = Files.list(entry)) {
                    files =
                            s.filter(p -> !skip.contains(p.getFileName().toString()))
                                    .sorted()
                                    .toList();
                }
                for (Path f : files) {
                    linkOrCopy(f, tmp.resolve(f.getFileName().toString()));
                }
                FileTrees.deleteTree(target); // a directory is not renamed over a full one
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } else {
                linkOrCopy(entry, tmp);
                Files.move(
                        tmp,
                        target,
                        StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(
                    target + ": cannot copy " + entry + " there (" + e.getMessage() + ")", e);
        } finally {
            try {
                FileTrees.deleteTree(tmp);
            } catch (IOException ignored) {
                // best effort: the original failure is what matters
            }
        }
    }

    private static void linkOrCopy(Path from, Path to) throws IOException {
        try {
            Files.createLink(to, from);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
    }
}
