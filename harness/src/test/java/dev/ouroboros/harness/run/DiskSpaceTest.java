package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.CliRun;
import dev.ouroboros.harness.config.RunConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk estimate {@code ouro run}'s plan checks before it trains (the refusal itself: {@link
 * StudyPlanTest}) is within 2× of what a run actually peaks at.
 */
class DiskSpaceTest {
    @TempDir Path tmp;

    static List<String> args(Path out, String... extra) {
        List<String> a = new ArrayList<>(List.of("run", StudyTestSupport.SMOKE.toString()));
        a.addAll(StudyTestSupport.tiny(out));
        a.addAll(List.of(extra));
        return a;
    }

    @Test
    void theEstimateIsWithinTwiceThePeak() throws Exception {
        for (String keep : List.of("keep=all", "keep=last")) {
            Path out = tmp.resolve(keep.replace('=', '-'));
            AtomicLong peak = new AtomicLong();
            AtomicBoolean running = new AtomicBoolean(true);
            Thread poll =
                    new Thread(
                            () -> {
                                while (running.get()) {
                                    peak.accumulateAndGet(size(out), Math::max);
                                    try {
                                        Thread.sleep(5);
                                    } catch (InterruptedException e) {
                                        return;
                                    }
                                }
                            });
            poll.start();
            CliRun r = CliRun.of(args(out, keep).toArray(String[]::new));
            running.set(false);
            poll.join();
            assertEquals(0, r.exitCode(), r.err());
            RunConfig cfg = RunConfig.load(out.resolve("study/config.resolved.yaml"), List.of());
            dev.ouroboros.models.OptConfig shape =
                    dev.ouroboros.models.OptConfig.read(
                            out.resolve("study/policy=accumulate/seed=3/gen=002/model"));
            long estimate =
                    DiskEstimate.of(
                                    cfg,
                                    dev.ouroboros.harness.base.OptParameters.count(shape),
                                    cfg.data().maxTrainBlocks())
                            .bytes();
            long p = peak.get();
            assertTrue(
                    estimate >= p / 2 && estimate <= 2 * p,
                    keep + ": estimate " + estimate + " vs peak " + p);
            System.out.printf(
                    "disk (%s): estimate %d B, peak %d B, ratio %.2f%n",
                    keep, estimate, p, (double) estimate / p);
        }
    }

    /**
     * The plan's bytes per model are what a saved model directory holds (weights, config.json, the
     * tokenizer's copy), within 5%: for the random-init smoke shape and for a study that fine-tunes
     * a saved base ({@code init: base}).
     */
    @Test
    void thePerModelFigureIsARealSavedModelsSize() throws Exception {
        Path out = tmp.resolve("scratch");
        CliRun r = CliRun.of(args(out, "generations=1").toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        Path model = out.resolve("study/policy=accumulate/seed=3/gen=000/model");
        assertWithin(planned(List.of("out=" + tmp.resolve("plan1"))), size(model));

        Path base = out.resolve("study/policy=accumulate/seed=3/gen=000/model");
        List<String> fromBase =
                new ArrayList<>(
                        List.of("out=" + tmp.resolve("plan2"), "init=base", "model.base=" + base));
        assertWithin(planned(fromBase), size(base));
    }

    private long planned(List<String> overrides) {
        List<String> o = new ArrayList<>(StudyTestSupport.tiny(tmp.resolve("unused")));
        o.addAll(overrides);
        RunConfig cfg = RunConfig.load(StudyTestSupport.SMOKE, o);
        StudyPlan plan = StudyPlan.of(cfg);
        plan.require();
        StudyData data =
                plan.prepareData(
                        tmp.resolve("data-" + overrides.size()),
                        dev.ouroboros.datasets.ContentCache.off(),
                        s -> {});
        try {
            plan.checkData(data);
            plan.require();
        } finally {
            data.tokenizer().close();
        }
        return plan.disk().modelBytes();
    }

    private static void assertWithin(long estimate, long real) {
        assertTrue(
                Math.abs(estimate - real) <= 0.05 * real,
                "per model: estimate " + estimate + " B, saved " + real + " B");
        System.out.printf(
                "per model: estimate %d B, saved %d B, ratio %.3f%n",
                estimate, real, (double) estimate / real);
    }

    /** Bytes of the regular files under {@code dir}, a hard-linked file once per link. */
    static long size(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        } catch (Exception e) {
            return 0; // files come and go while the run writes them
        }
    }
}
