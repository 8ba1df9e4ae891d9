package dev.ouroboros.harness.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.ChildJvm;
import dev.ouroboros.harness.config.TrainConfig;
import dev.ouroboros.models.io.RawTensor;
import dev.ouroboros.models.io.Safetensors;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training killed with SIGKILL ({@code Process.destroyForcibly()}) in a separate JVM, then
 * restarted, ends with weights bit-identical to an uninterrupted run. The kill comes after step 7
 * while the last checkpoint is step 6, so step 7 (with dropout 0.1) is lost and must be recomputed
 * exactly.
 */
class KillAndResumeTest {
    static final long TOTAL_STEPS =
            12; // capped by train.max_steps (2 epochs of 6 steps: 45 blocks of 16, batch 8)
    static final long KILL_AFTER = 7;

    @TempDir Path tmp;

    static TrainConfig config(Path out, String... extra) {
        List<String> o =
                new ArrayList<>(
                        List.of(
                                "train.epochs=3",
                                "train.max_steps=12",
                                "model.dropout=0.1",
                                "checkpoint.every_steps=3",
                                "schedule.kind=cosine",
                                "schedule.warmup_steps=2",
                                "optim.lr=3e-3",
                                "seed=11"));
        o.addAll(List.of(extra));
        return TrainFixtures.tinyConfig(out, o.toArray(String[]::new));
    }

    @Test
    void sigkillAndRestartGivesBitIdenticalWeights() throws Exception {
        killAndResume();
    }

    /**
     * The same with fp16 compute and a loss scaler set to overflow: 2^28 skips the first steps, and
     * growth every 2 good steps drives the scale back into overflow, so skips happen on both sides
     * of the kill. The resumed run must restore the scale, its good-step count and AdamW's step
     * count (which lags the run's) to end bit-identical.
     */
    @Test
    void fp16WithLossScalingResumesBitIdentically() throws Exception {
        String out =
                killAndResume(
                        "precision=fp16",
                        "optim.loss_scale_init=268435456",
                        "optim.loss_scale_growth_interval=2");
        assertTrue(
                out.contains(" skipped "),
                "no step was skipped: the test does not exercise the scaler\n" + out);
        boolean skippedAfterKill = false;
        for (String l : out.split("\n")) {
            skippedAfterKill |=
                    l.startsWith("STEP ")
                            && l.contains(" skipped ")
                            && Long.parseLong(l.split(" ")[1]) > KILL_AFTER;
        }
        assertTrue(skippedAfterKill, "no skip after the kill point:\n" + out);
    }

    /**
     * Runs the scenario with config overrides {@code extra}; returns the uninterrupted run's
     * output.
     */
    private String killAndResume(String... extra) throws Exception {
        Path a = tmp.resolve("uninterrupted");
        Path b = tmp.resolve("killed");

        Child full = Child.start(a, -1, extra);
        assertEquals(0, full.waitForExit(), "uninterrupted run failed:\n" + full.output());

        Child victim = Child.start(b, KILL_AFTER, extra);
        assertTrue(
                victim.waitForLine("PAUSED", 90),
                "run to be killed never reached step " + KILL_AFTER + ":\n" + victim.output());
        victim.process.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no finally blocks
        assertTrue(victim.process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, victim.process.exitValue(), "expected death by SIGKILL");
        String latest =
                Files.readString(b.resolve("checkpoint").resolve(CheckpointStore.LATEST)).trim();
        assertEquals("step-00000006", latest, "last complete checkpoint before the kill");
        assertTrue(!Files.exists(b.resolve("DONE")));

        Child resumed = Child.start(b, -1, extra);
        assertEquals(0, resumed.waitForExit(), "resumed run failed:\n" + resumed.output());
        assertTrue(resumed.output().contains("resuming from"), resumed.output());
        assertTrue(resumed.output().contains("STEP 7 "), "step 7 recomputed");
        assertTrue(
                !resumed.output().contains("STEP 6 "), "steps up to the checkpoint are not redone");

        // the recomputed steps report the same losses as the uninterrupted run, to the last bit
        for (long s = KILL_AFTER; s <= TOTAL_STEPS; s++) {
            assertEquals(
                    lossLine(full.output(), s), lossLine(resumed.output(), s), "loss of step " + s);
        }
        assertEquals(lossLine(full.output(), KILL_AFTER), lossLine(victim.output(), KILL_AFTER));

        int compared = 0;
        for (String file : List.of("final.safetensors", "model/model.safetensors")) {
            Map<String, RawTensor> wa = Safetensors.read(a.resolve(file));
            Map<String, RawTensor> wb = Safetensors.read(b.resolve(file));
            assertEquals(wa.keySet(), wb.keySet());
            for (String k : wa.keySet()) {
                assertTrue(wa.get(k).data().equals(wb.get(k).data()), file + ": " + k + " differs");
                compared++;
            }
        }
        System.out.printf(
                "kill-and-resume: killed after step %d (checkpoint %s), %d tensors bit-identical%n",
                KILL_AFTER, latest, compared);
        // the log reads as one run: one train row per logged step, no duplicates from the killed
        // attempt
        List<String> steps = new ArrayList<>();
        for (String line : Files.readAllLines(b.resolve("train.jsonl"))) {
            if (line.contains("\"event\":\"train\"")) {
                steps.add(line.replaceAll(".*\"step\":(\\d+).*", "$1"));
            }
        }
        assertEquals(List.of("5", "10", "12"), steps);
        return full.output();
    }

    private static String lossLine(String out, long step) {
        for (String l : out.split("\n")) {
            if (l.startsWith("STEP " + step + " ")) {
                return l;
            }
        }
        throw new AssertionError("no line for step " + step + " in:\n" + out);
    }

    /** A CrashableTrainMain JVM with the test's classpath. */
    static final class Child {
        final Process process;
        private final StringBuffer out = new StringBuffer();
        private final Thread reader;

        private Child(Process p) {
            this.process = p;
            this.reader =
                    new Thread(
                            () -> {
                                try (BufferedReader r =
                                        new BufferedReader(
                                                new InputStreamReader(
                                                        p.getInputStream(),
                                                        StandardCharsets.UTF_8))) {
                                    for (String line; (line = r.readLine()) != null; ) {
                                        out.append(line).append('\n');
                                    }
                                } catch (java.io.IOException e) {
                                    // process killed
                                }
                            });
            reader.setDaemon(true);
            reader.start();
        }

        static Child start(Path outDir, long pauseAfter, String... overrides) throws Exception {
            List<String> args =
                    new ArrayList<>(List.of(outDir.toString(), Long.toString(pauseAfter)));
            args.addAll(List.of(overrides));
            return new Child(ChildJvm.of(null, CrashableTrainMain.class.getName(), args).start());
        }

        boolean waitForLine(String line, int seconds) throws InterruptedException {
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < end) {
                if (out.toString().contains(line + "\n")) {
                    return true;
                }
                if (!process.isAlive()) {
                    reader.join(2000);
                    return out.toString().contains(line + "\n");
                }
                Thread.sleep(50);
            }
            return false;
        }

        int waitForExit() throws InterruptedException {
            if (!process.waitFor(150, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return -1;
            }
            reader.join(5000);
            return process.exitValue();
        }

        String output() {
            return out.toString();
        }
    }
}
