package dev.ouroboros.harness.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.NativeCalls;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.Precision;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every crossing into libtorch a training step makes, counted by {@link NativeCalls}: a step of 2k
 * micro-batches minus a step of k gives the cost of k micro-batches; a step of k minus k
 * micro-batches gives what the optimizer step adds (clipping, unscaling, AdamW, zeroing, the
 * dropout seed). Uploads and reads are host syncs on CUDA.
 */
class TrainSyncsTest {
    static final OptConfig CFG = OptConfig.tiny(64, 32, 2, 4, 64, 32); // 2 layers, dropout 0
    static final int K = 2;

    @BeforeAll
    static void oneThread() {
        TrainFixtures.singleThread();
    }

    static List<long[][]> microBatches(int n) {
        SplittableRandom r = new SplittableRandom(7);
        List<long[][]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long[][] ids = new long[2][16];
            for (long[] row : ids) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = r.nextInt(CFG.vocabSize());
                }
            }
            out.add(ids);
        }
        return out;
    }

    /**
     * Per micro-batch, per optimizer step (without its micro-batches), and reading the figures of
     * the queued steps (what a log line costs), by method.
     */
    record Costs(NativeCalls.Count microBatch, NativeCalls.Count step, NativeCalls.Count read) {}

    static Costs count(Precision p) {
        try (LanguageModel m = LanguageModel.random(CFG, 3, Device.cpu());
                AdamW opt = new AdamW(m.manager(), 0.9, 0.999, 1e-8, 0.01)) {
            LossScaler scaler = p == Precision.FP16 ? LossScaler.fp16() : LossScaler.disabled();
            List<TrainStep.Pending> queued = new ArrayList<>();
            Runnable small =
                    () ->
                            queued.add(
                                    TrainStep.launch(
                                            m,
                                            opt,
                                            microBatches(K),
                                            1e-3,
                                            1.0,
                                            0,
                                            p,
                                            scaler,
                                            m.manager()));
            Runnable large =
                    () ->
                            queued.add(
                                    TrainStep.launch(
                                            m,
                                            opt,
                                            microBatches(2 * K),
                                            1e-3,
                                            1.0,
                                            0,
                                            p,
                                            scaler,
                                            m.manager()));
            small.run(); // warm-up: ops.pt loaded, method tags made, moments, scaler state
            NativeCalls.Count a = NativeCalls.during(small);
            NativeCalls.Count b = NativeCalls.during(large);
            NativeCalls.Count mb = scaled(minus(b, a), K);
            NativeCalls.Count step = minus(a, times(mb, K));
            NativeCalls.Count read = NativeCalls.during(() -> TrainStep.readAll(queued));
            return new Costs(mb, step, read);
        }
    }

    static NativeCalls.Count minus(NativeCalls.Count x, NativeCalls.Count y) {
        Map<String, Long> out = new TreeMap<>();
        x.byMethod().forEach((k, v) -> out.put(k, v));
        y.byMethod().forEach((k, v) -> out.merge(k, -v, Long::sum));
        out.values().removeIf(v -> v == 0);
        return new NativeCalls.Count(out);
    }

    static NativeCalls.Count scaled(NativeCalls.Count x, int div) {
        Map<String, Long> out = new TreeMap<>();
        x.byMethod().forEach((k, v) -> out.put(k, v / div));
        return new NativeCalls.Count(out);
    }

    static NativeCalls.Count times(NativeCalls.Count x, int f) {
        Map<String, Long> out = new TreeMap<>();
        x.byMethod().forEach((k, v) -> out.put(k, v * f));
        return new NativeCalls.Count(out);
    }

    /**
     * A micro-batch syncs nothing; an optimizer step uploads its blocks once and reads nothing;
     * reading the figures of any number of queued steps is one read.
     */
    static void check(String label, Costs c) {
        System.out.println(label + " micro-batch: " + c.microBatch());
        System.out.println(label + " optimizer step: " + c.step());
        System.out.println(label + " reading 3 queued steps: " + c.read());
        assertTrue(c.microBatch().total() > 0, "nothing counted");
        assertEquals(0, c.microBatch().syncs(), label + " micro-batch: " + c.microBatch());
        assertEquals(1, c.step().uploads(), label + " step: " + c.step());
        assertEquals(0, c.step().reads(), label + " step: " + c.step());
        assertEquals(0, c.read().uploads(), label + " read: " + c.read());
        assertEquals(1, c.read().reads(), label + " read: " + c.read());
    }

    @Test
    void fp32() {
        check("fp32", count(Precision.FP32));
    }

    @Test
    void bf16() {
        check("bf16", count(Precision.BF16));
    }

    @Test
    void fp16() {
        check("fp16", count(Precision.FP16));
    }
}
