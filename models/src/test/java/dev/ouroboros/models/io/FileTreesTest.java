package dev.ouroboros.models.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
    @Test
    void deletesATreeAFileAndNothing(@TempDir Path tmp) throws Exception {
        Path tree = tmp.resolve("a");
        Files.createDirectories(tree.resolve("b/c"));
        Files.writeString(tree.resolve("b/c/x.txt"), "x");
        Files.writeString(tree.resolve("y.txt"), "y");
        Path kept = Files.writeString(tmp.resolve("kept.txt"), "k");
        FileTrees.deleteTree(tree);
        assertFalse(Files.exists(tree));
        assertTrue(Files.exists(kept));

        FileTrees.deleteTree(kept);
        assertFalse(Files.exists(kept));
        FileTrees.deleteTree(tmp.resolve("absent")); // no error
        assertTrue(Files.isDirectory(tmp));
    }
}
