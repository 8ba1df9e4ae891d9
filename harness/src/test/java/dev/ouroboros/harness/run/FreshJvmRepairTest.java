package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.harness.ChildJvm;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --fresh-jvm} on a complete run started no child (nothing to train) and so never repaired
 * metrics.jsonl; now it resumes in process and repairs as a plain resume does. {@code ouro resume}
 * takes {@code --fresh-jvm} too.
 */
class FreshJvmRepairTest {
    @TempDir Path tmp;

    @Test
    void freshJvmRepairsTheMetricsOfACompleteRunAndResumeTakesTheFlag() throws Exception {
        List<String> cfg = StudyTestSupport.tiny(tmp);
        StringBuilder log = new StringBuilder();
        assertEquals(0, StudyTestSupport.runChild(cfg, null, log), log.toString());
        Path run = tmp.resolve("study");
        Path metrics = run.resolve(MetricsLog.FILE);
        String whole = Files.readString(metrics, StandardCharsets.UTF_8);
        TreeMap<String, String> reference = StudyTestSupport.rows(run);

        truncate(metrics, 120);
        List<String> args = new ArrayList<>(List.of("run", "--fresh-jvm"));
        args.add(StudyTestSupport.SMOKE.toString());
        args.addAll(cfg);
        String out = ouro(args, 0);
        assertTrue(
                out.contains("metrics.jsonl: removed a torn last line; restored 1 row from"), out);
        assertEquals(whole, Files.readString(metrics, StandardCharsets.UTF_8));

        truncate(metrics, 120);
        out = ouro(List.of("resume", "--fresh-jvm", run.toString()), 0);
        assertTrue(
                out.contains("metrics.jsonl: removed a torn last line; restored 1 row from"), out);
        assertEquals(whole, Files.readString(metrics, StandardCharsets.UTF_8));

        // an unfinished run: resume --fresh-jvm finishes it in a child JVM
        Files.delete(run.resolve("policy=accumulate/seed=3/gen=002/DONE"));
        out = ouro(List.of("resume", "--fresh-jvm", run.toString()), 0);
        assertTrue(out.contains("--fresh-jvm: starting a child JVM"), out);
        assertTrue(Files.exists(run.resolve("policy=accumulate/seed=3/gen=002/DONE")), out);
        assertEquals(reference, StudyTestSupport.rows(run));
    }

    private static void truncate(Path file, int bytes) throws Exception {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - bytes);
        }
    }

    private static String ouro(List<String> args, int expected) throws Exception {
        Process p = ChildJvm.ouro(null, args).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child did not finish: " + out);
        }
        assertEquals(expected, p.exitValue(), out);
        return out;
    }
}
