package dev.ouroboros.harness.cli;

import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Output directories of the CLI verbs that write a checkpoint: absent or empty, never merged into.
 */
final class OutputDirs {
    private OutputDirs() {}

    static void requireEmpty(Path out) {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new UserInputException(out + ": exists and is not a directory");
        }
        if (!Files.isDirectory(out)) {
            return;
        }
        try (Stream<Path> s = Files.list(out)) {
            if (s.findAny().isPresent()) {
                throw new UserInputException(out + ": exists and is not empty");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
