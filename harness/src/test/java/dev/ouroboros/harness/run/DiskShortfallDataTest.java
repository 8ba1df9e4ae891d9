package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23, item 6: validate measures the disk estimate against an empty run directory, while run
 * measured it after preparing the data, counting the data it had linked from the shared cache as
 * already written (the link took no space): run then started sizes validate refused. The run
 * directory's data/ now counts as validate counts it.
 */
class DiskShortfallDataTest {
    @TempDir Path tmp;

    @Test
    void dataLinkedFromTheCacheDoesNotMakeRoomThatIsNotThere() throws IOException {
        Path cache = tmp.resolve("cache");
        Files.createDirectories(cache);
        Path blob = cache.resolve("train.bin");
        Files.write(blob, new byte[64 << 20]); // 64 MiB of cached blocks
        Path runDir = tmp.resolve("runs/study");
        Files.createDirectories(runDir.resolve("data/blocks"));
        Files.createLink(runDir.resolve("data/blocks/train.bin"), blob);
        long free = Files.getFileStore(tmp).getUsableSpace();
        // 16 MiB more than is free: refused before the data is prepared (as validate sees it) ...
        DiskEstimate est = new DiskEstimate(1, 1, 0, free + (16L << 20));
        assertNotNull(est.shortfall(tmp.resolve("runs/other")), "validate's view");
        // ... and after (as run sees it): the linked data made no room
        assertNotNull(est.shortfall(runDir), "run's view, with data/ linked from the cache");
    }
}
