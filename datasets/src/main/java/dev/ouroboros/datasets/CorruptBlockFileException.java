package dev.ouroboros.datasets;

import dev.ouroboros.models.UserInputException;
import java.nio.file.Path;

/**
 * A block file whose bytes no longer match what was written: a checksum that fails (of the header
 * or of the ids), a file shorter than its header promises, or no block-file header at all. Unlike a
 * file from another tokenizer or block size, such a file can be made again by whoever made it
 * (docs/studies.md#resume).
 */
public final class CorruptBlockFileException extends UserInputException {
    private static final long serialVersionUID = 1L;

    private final transient Path path;

    CorruptBlockFileException(Path path, String problem) {
        super(path + ": " + problem);
        this.path = path;
    }

    /** The file that failed. */
    public Path path() {
        return path;
    }
}
