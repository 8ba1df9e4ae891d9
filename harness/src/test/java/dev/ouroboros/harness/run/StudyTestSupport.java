package dev.ouroboros.harness.run;

import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.harness.ChildJvm;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A tiny study (a few seconds) derived from configs/smoke.yaml, run in a child JVM that can be
 * killed.
 */
public final class StudyTestSupport {
    public static final Path SMOKE = Path.of("../configs/smoke.yaml").toAbsolutePath().normalize();

    /**
     * Overrides that shrink the smoke study: 3 generations of accumulate (uses every stage), one
     * seed.
     */
    public static List<String> tiny(Path out) {
        return List.of(
                "out=" + out,
                "name=study",
                "policies=[accumulate]",
                "seeds=[3]",
                "data.max_train_blocks=24",
                "data.max_validation_blocks=8",
                "data.max_test_blocks=8",
                "train.epochs=2",
                "train.batch_size=8",
                "train.micro_batch_size=8",
                "checkpoint.every_steps=2",
                "generate.num_beams=2",
                "generate.batch_size=8",
                "eval.diversity_prompts=4",
                "eval.self_bleu_samples=4",
                "keep=all");
    }

    /** Runs {@code ouro run smoke.yaml overrides} in a fresh JVM; returns its exit code. */
    public static int runChild(List<String> overrides, String crash, StringBuilder log)
            throws Exception {
        Process p = ChildJvm.ouro(crash, runArgs(overrides)).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("child did not finish: " + out);
        }
        log.append(out);
        return p.exitValue();
    }

    /** {@code run smoke.yaml overrides…}: the arguments of {@code ouro}. */
    public static List<String> runArgs(List<String> overrides) {
        List<String> args = new ArrayList<>(List.of("run", SMOKE.toString()));
        args.addAll(overrides);
        return args;
    }

    /**
     * metrics.jsonl (of a run directory, or the file itself) as comparable rows: every field but
     * the wall-clock time, keyed by (policy, seed, gen, split).
     */
    public static TreeMap<String, String> rows(Path runDirOrFile) {
        Path file =
                java.nio.file.Files.isDirectory(runDirOrFile)
                        ? runDirOrFile.resolve(MetricsLog.FILE)
                        : runDirOrFile;
        TreeMap<String, String> out = new TreeMap<>();
        for (MetricsRow r : MetricsLog.read(file).rows()) {
            TreeMap<String, Object> raw = new TreeMap<>();
            r.raw().forEach((k, v) -> raw.put(k, new TreeMap<>(v)));
            String prev = out.put(MetricsFile.rowKey(r), new TreeMap<>(r.metrics()) + " " + raw);
            if (prev != null) {
                throw new AssertionError("row written twice: " + MetricsFile.rowKey(r));
            }
        }
        return out;
    }
}
