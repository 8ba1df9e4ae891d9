package dev.ouroboros.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NotDirectoryException;
import java.nio.file.ReadOnlyFileSystemException;
import java.util.List;
import java.util.Locale;

/**
 * Faults of the machine rather than of Ouroboros — a directory that cannot be written (permissions,
 * a read-only file system, a path through a regular file) or a full disk — found anywhere in an
 * exception's cause chain, as the one line the CLI prints for them (exit code 2, no stack trace).
 */
public final class EnvironmentFault {
    /** errno texts (strerror) that name a fault of the environment. */
    private static final List<String> REASONS =
            List.of(
                    "no space left on device",
                    "disk quota exceeded",
                    "read-only file system",
                    "permission denied",
                    "operation not permitted",
                    "not a directory");

    private EnvironmentFault() {}

    /** The line to print for {@code t}, or null when it is not an environment fault. */
    public static String describe(Throwable t) {
        String outerPathMessage =
                null; // an enclosing message that names the file, e.g. AtomicFile's
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof java.nio.file.InvalidPathException p) {
                return unmappableName(p);
            }
            if (c instanceof ReadOnlyFileSystemException) {
                return "read-only file system; choose a directory you can write (out=...)";
            }
            if (c instanceof FileSystemException f && f.getFile() != null) {
                String reason = reason(f);
                if (reason != null) {
                    return f.getFile()
                            + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "")
                            + ": "
                            + reason
                            + hint(reason);
                }
            }
            if (c instanceof IOException && matching(c.getMessage()) != null) {
                String reason = matching(c.getMessage());
                String where =
                        outerPathMessage != null
                                ? outerPathMessage.substring(0, outerPathMessage.indexOf(": "))
                                : null;
                return (where != null ? where + ": " : "") + reason + hint(reason);
            }
            if (c instanceof UncheckedIOException
                    && c.getMessage() != null
                    && c.getMessage().indexOf(": ") > 0
                    && outerPathMessage == null) {
                outerPathMessage = c.getMessage();
            }
        }
        return null;
    }

    /**
     * A path the JVM cannot encode: under a non-UTF-8 locale (LC_ALL=C) file names are ASCII to the
     * JVM, fixed when it starts, so a non-ASCII run name or file cannot be made or opened.
     */
    private static String unmappableName(java.nio.file.InvalidPathException p) {
        String enc = System.getProperty("sun.jnu.encoding", "?");
        return p.getInput()
                + ": "
                + p.getReason()
                + (enc.replace("-", "").equalsIgnoreCase("UTF8")
                        ? ""
                        : " (the JVM encodes file names in "
                                + enc
                                + ", from the locale; run it under a UTF-8 locale, e.g."
                                + " LC_ALL=C.UTF-8, as scripts/ouro does)");
    }

    private static String reason(FileSystemException f) {
        if (f instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (f instanceof NotDirectoryException) {
            return "not a directory";
        }
        return matching(f.getReason());
    }

    private static String matching(String message) {
        if (message == null) {
            return null;
        }
        String m = message.toLowerCase(Locale.ROOT);
        for (String r : REASONS) {
            if (m.contains(r)) {
                return r;
            }
        }
        return null;
    }

    private static String hint(String reason) {
        return switch (reason) {
            case "no space left on device", "disk quota exceeded" ->
                    "; free some space or choose another out=, then run the same command again";
            case "not a directory" -> "; a part of that path is a regular file";
            default -> "; choose a directory you can write (out=...)";
        };
    }
}
