package dev.ouroboros.harness.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.ChildJvm;
import dev.ouroboros.harness.CliRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ouro setup} without the internet: the child JVMs run with DJL's offline mode on (so no
 * test reaches publish.djl.ai) and a DJL_CACHE_DIR of their own.
 */
class SetupTest {
    record Child(int exit, String out) {}

    static Child setup(Path cache, String flavorEnv, String... args) throws Exception {
        List<String> a = new java.util.ArrayList<>(List.of("setup"));
        a.addAll(List.of(args));
        ProcessBuilder pb = ChildJvm.ouro(null, a);
        pb.environment().put("DJL_CACHE_DIR", cache.toString());
        pb.environment().put("PYTORCH_FLAVOR", flavorEnv);
        pb.environment().remove("PYTORCH_LIBRARY_PATH");
        pb.environment().remove("PYTORCH_VERSION");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new Child(p.exitValue(), out);
    }

    @Test
    void withoutNetworkSetupFailsWithOneLineNamingTheUrl(@TempDir Path tmp) throws Exception {
        Child c = setup(tmp, "cu128", "--flavor", "cu128");
        assertEquals(2, c.exit(), c.out());
        List<String> errors = c.out().lines().filter(l -> l.startsWith("ouro: ")).toList();
        assertEquals(1, errors.size(), c.out());
        assertTrue(
                errors.get(0)
                        .startsWith(
                                "ouro: setup: cannot fetch libtorch 2.7.1 cu128 from"
                                        + " https://publish.djl.ai/pytorch/2.7.1/: "),
                c.out());
        assertTrue(errors.get(0).contains("offline mode"), errors.get(0));
        assertFalse(c.out().contains("\tat "), c.out());
        assertFalse(Files.exists(tmp.resolve("pytorch/2.7.1-cu128-linux-x86_64")), c.out());
    }

    /** What a compute node sees: the flavor's directory is already in the cache, so no download. */
    @Test
    void anAlreadyFilledCacheNeedsNoNetworkAndGetsItsJni(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("pytorch/2.7.1-cu128-linux-x86_64"));
        Files.writeString(dir.resolve("libtorch.so"), ""); // stands in for the 2.5 GB download
        Child c = setup(tmp, "cu128");
        assertEquals(0, c.exit(), c.out());
        assertTrue(c.out().contains("libtorch 2.7.1 cu128 in " + dir), c.out());
        assertTrue(Files.size(dir.resolve("0.35.1-libdjl_torch.so")) > 1_000_000, c.out());
        assertTrue(c.out().contains("this jar carries the CPU natives"), c.out());
    }

    @Test
    void aFlavorTheEnvironmentContradictsIsRefused(@TempDir Path tmp) throws Exception {
        Child c = setup(tmp, "cpu", "--flavor", "cu128");
        assertEquals(2, c.exit(), c.out());
        assertTrue(c.out().contains("ouro: PYTORCH_FLAVOR=cpu is set and DJL reads it"), c.out());
    }

    @Test
    void anUnknownFlavorIsOneLineAndExit2() {
        CliRun r = CliRun.of("setup", "--flavor", "rocm");
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertEquals(
                "ouro: --flavor 'rocm': expected cpu or cu128 (the libtorch 2.7.1 builds DJL 0.35.1"
                        + " runs)",
                r.err().strip());
    }
}
