package dev.ouroboros.harness.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.ChildJvm;
import dev.ouroboros.models.io.RawTensor;
import dev.ouroboros.models.io.Safetensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM ({@code Process.destroy()}) to {@code ouro train} in the middle of an epoch: the JVM
 * finishes the optimizer step in progress, writes a checkpoint of exactly that step, and exits 75;
 * {@code ouro train} again resumes from it and ends with the weights and validation losses of an
 * uninterrupted run, to the bit. Checkpoints are otherwise only written at epoch ends (every 6
 * steps), so without the stop's own checkpoint the steps since the last epoch would be redone.
 */
class SigtermResumeTest {
    private static final Pattern STOPPED = Pattern.compile("stopped at step (\\d+)/(\\d+)");

    @TempDir Path tmp;

    static List<String> args(Path out) {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Path golden = root.resolve("models/src/test/resources/golden");
        return List.of(
                "train",
                "--config",
                root.resolve("configs/train-tiny.yaml").toString(),
                "out=" + out,
                "model.tokenizer=" + golden.resolve("tokenizer"),
                "data.train=" + golden.resolve("eval.txt"),
                "data.validation=" + golden.resolve("eval.txt"),
                "train.epochs=8",
                "checkpoint.every_steps=1000",
                "log.every_steps=1");
    }

    @Test
    void sigtermCheckpointsTheStepInProgressAndResumesExactly() throws Exception {
        Path a = tmp.resolve("uninterrupted");
        Path b = tmp.resolve("stopped");
        Process full = ChildJvm.ouro(null, args(a)).start();
        String fullOut = drain(full);
        assertEquals(0, full.waitFor(), fullOut);

        Path log = tmp.resolve("stopped.log");
        Process victim = ChildJvm.ouro(null, args(b)).redirectOutput(log.toFile()).start();
        awaitLine(victim, log, "step 8/");
        // SIGTERM (Process.destroy would also close the pipes)
        assertEquals(
                0,
                new ProcessBuilder("kill", "-TERM", Long.toString(victim.pid())).start().waitFor());
        assertTrue(victim.waitFor(60, TimeUnit.SECONDS), "no exit after SIGTERM");
        String out = Files.readString(log);
        assertEquals(75, victim.exitValue(), out);
        Matcher m = STOPPED.matcher(out);
        assertTrue(m.find(), out);
        long step = Long.parseLong(m.group(1));
        long total = Long.parseLong(m.group(2));
        assertTrue(step >= 8 && step < total, "stopped at " + step + " of " + total);
        assertEquals(
                String.format("step-%08d", step),
                Files.readString(b.resolve("checkpoint").resolve(CheckpointStore.LATEST)).trim(),
                "the checkpoint is of the step the stop finished");
        assertFalse(Files.exists(b.resolve("DONE")));
        assertFalse(out.contains("Exception"), out);

        Process resumed = ChildJvm.ouro(null, args(b)).start();
        String resumedOut = drain(resumed);
        assertEquals(0, resumed.waitFor(), resumedOut);
        assertTrue(
                resumedOut.contains(String.format("(step %d/%d)", step, total)),
                "resumes from the stop's checkpoint\n" + resumedOut);

        Map<String, RawTensor> wa = Safetensors.read(a.resolve("model/model.safetensors"));
        Map<String, RawTensor> wb = Safetensors.read(b.resolve("model/model.safetensors"));
        assertEquals(wa.keySet(), wb.keySet());
        for (String k : wa.keySet()) {
            assertTrue(wa.get(k).data().equals(wb.get(k).data()), k + " differs");
        }
        assertEquals(valLosses(a), valLosses(b));
        System.out.printf(
                "SIGTERM at step %d/%d: exit 75, checkpoint step-%08d, resumed run bit-identical"
                        + " (%d tensors)%n",
                step, total, step, wa.size());
    }

    /** The epochs' validation losses in train.jsonl, in order. */
    private static List<String> valLosses(Path run) throws IOException {
        List<String> v = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("train.jsonl"))) {
            if (line.contains("\"event\":\"eval\"")) {
                v.add(line.replaceAll(".*\"val_loss\":([^,}]+).*", "$1"));
            }
        }
        return v;
    }

    private static String drain(Process p) throws IOException {
        return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    /**
     * Waits until the child's log holds {@code marker} (failing if it exits first, or in 120 s).
     */
    private static void awaitLine(Process p, Path log, String marker) throws Exception {
        long end = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < end) {
            String text = Files.exists(log) ? Files.readString(log) : "";
            if (text.contains(marker)) {
                return;
            }
            if (!p.isAlive()) {
                throw new AssertionError("the run ended before " + marker + "\n" + text);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no " + marker + " within 120 s");
    }
}
