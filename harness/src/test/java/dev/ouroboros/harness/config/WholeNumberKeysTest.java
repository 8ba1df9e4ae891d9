package dev.ouroboros.harness.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.ouroboros.harness.CliRun;
import dev.ouroboros.models.UserInputException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 23, item 6: an integer-valued key given a fraction is refused (train.epochs=1.5 used to
 * train 1 epoch without a word), by validate and run alike.
 */
class WholeNumberKeysTest {
    static final Path SMOKE = Path.of("../configs/smoke.yaml").toAbsolutePath().normalize();

    @TempDir Path tmp;

    @Test
    void aFractionForAnIntegerKeyIsRefused() {
        UserInputException e =
                assertThrows(
                        UserInputException.class,
                        () -> RunConfig.load(SMOKE, List.of("train.epochs=1.5")));
        assertEquals(
                SMOKE + ": bad value for 'train.epochs' (1.5: a whole number is expected)",
                e.getMessage());
        assertThrows(
                UserInputException.class,
                () -> RunConfig.load(SMOKE, List.of("data.block_size=32.5")));
        assertThrows(UserInputException.class, () -> RunConfig.load(SMOKE, List.of("seeds=[0.5]")));
        assertEquals(
                3, RunConfig.load(SMOKE, List.of("train.epochs=3")).training().train().epochs());
    }

    @Test
    void validateAndRunSayTheSame() {
        String o = "out=" + tmp;
        CliRun v = CliRun.of("validate", SMOKE.toString(), o, "train.epochs=2.5");
        CliRun r = CliRun.of("run", SMOKE.toString(), o, "train.epochs=2.5");
        String line = SMOKE + ": bad value for 'train.epochs' (2.5: a whole number is expected)";
        assertEquals(2, v.exitCode());
        assertEquals(2, r.exitCode());
        assertEquals(true, v.out().contains("✗ config: " + line), v.out());
        assertEquals("ouro: " + line, r.err().strip());
    }
}
