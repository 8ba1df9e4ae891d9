package dev.ouroboros.harness.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ouroboros.datasets.ContentCache;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ouro validate} says where prepared data is shared, and when it cannot be. */
class ValidateCacheLineTest {
    @Test
    void offUsableAndUnusable(@TempDir Path tmp) throws Exception {
        assertEquals("data cache: off (OURO_CACHE)", ValidateCommand.cacheLine(ContentCache.off()));
        Path root = tmp.resolve("cache");
        assertEquals(
                "data cache "
                        + root
                        + " (OURO_CACHE): trained tokenizers and token blocks are shared between run"
                        + " directories",
                ValidateCommand.cacheLine(ContentCache.at(root)));
        Files.writeString(root, "in the way");
        assertEquals(
                "data cache "
                        + root
                        + ": "
                        + root
                        + " is not a directory; each run directory will prepare its own data",
                ValidateCommand.cacheLine(ContentCache.at(root)));
    }

    /** The suite runs with the cache off (pom.xml), so no test writes to the user's cache. */
    @Test
    void theTestsRunWithTheCacheOff() {
        assertEquals("off", System.getenv(ContentCache.ENV));
    }
}
