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
