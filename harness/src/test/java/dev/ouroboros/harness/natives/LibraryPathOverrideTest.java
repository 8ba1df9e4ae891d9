package dev.ouroboros.harness.natives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.LibUtils;
import dev.ouroboros.harness.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "a box's own libtorch" path, offline on this CPU box: a child JVM with {@code
 * PYTORCH_LIBRARY_PATH} at a directory holding only libtorch 2.7.1's libraries (links to those DJL
 * unpacked from the CPU jar, no JNI), {@code PYTORCH_VERSION=2.7.1}, {@code PYTORCH_FLAVOR=cpu} and
 * a cache of its own, so DJL has to take the libraries from there and the matching JNI from the
 * pytorch-jni jar. Its model forward must equal this JVM's bit for bit.
 */
class LibraryPathOverrideTest {
    @Test
    void ownLibtorchGivesTheSameLogitsAsTheBundledOne(@TempDir Path tmp) throws Exception {
        Engine.getInstance();
        Path bundled = Path.of(LibUtils.getLibtorchPath());
        Path own = Files.createDirectories(tmp.resolve("libtorch/lib"));
        try (Stream<Path> s = Files.list(bundled)) {
            for (Path f : s.toList()) {
                String name = f.getFileName().toString();
                if (!name.contains("djl_torch")) {
                    Files.createSymbolicLink(own.resolve(name), f);
                }
            }
        }
        ProcessBuilder pb = ChildJvm.of(null, ParityMain.class.getName(), List.of());
        pb.environment().put("PYTORCH_LIBRARY_PATH", own.toString());
        pb.environment().put("PYTORCH_VERSION", "2.7.1");
        pb.environment().put("PYTORCH_FLAVOR", "cpu");
        pb.environment().put("DJL_CACHE_DIR", tmp.resolve("cache").toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("libtorch=" + own + "\n"), out);
        assertTrue(out.contains("doctor-exit=0"), out); // and doctor finds nothing wrong with it
        assertTrue(
                Files.isRegularFile(
                        tmp.resolve("cache/pytorch/2.7.1-cpu-linux-x86_64/0.35.1-libdjl_torch.so")),
                "the JNI came from the pytorch-jni jar: " + out);
        String theirs =
                out.lines()
                        .filter(l -> l.startsWith("logits="))
                        .findFirst()
                        .orElseThrow(() -> new AssertionError(out));
        assertEquals("logits=" + ParityMain.logits(), theirs);
    }
}
