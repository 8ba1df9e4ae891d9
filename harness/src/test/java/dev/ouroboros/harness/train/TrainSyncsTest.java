package dev.ouroboros.harness.train;

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

    /** Per micro-batch and per optimizer step (without the micro-batches), by method. */
    record Costs(NativeCalls.Count microBatch, NativeCalls.Count step) {}

    static Costs count(Precision p) {
        try (LanguageModel m = LanguageModel.random(CFG, 3, Device.cpu());
                AdamW opt = new AdamW(m.manager(), 0.9, 0.999, 1e-8, 0.01)) {
            LossScaler scaler = p == Precision.FP16 ? LossScaler.fp16() : LossScaler.disabled();
            Runnable small = () -> TrainStep.run(m, opt, microBatches(K), 1e-3, 1.0, 0, p, scaler);
            Runnable large =
                    () -> TrainStep.run(m, opt, microBatches(2 * K), 1e-3, 1.0, 0, p, scaler);
            small.run(); // warm-up: ops.pt loaded, method tags made, moments allocated
            NativeCalls.Count a = NativeCalls.during(small);
            NativeCalls.Count b = NativeCalls.during(large);
            NativeCalls.Count mb = scaled(minus(b, a), K);
            NativeCalls.Count step = minus(a, times(mb, K));
            return new Costs(mb, step);
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

    @Test
    void fp32() {
        Costs c = count(Precision.FP32);
        System.out.println("fp32 micro-batch: " + c.microBatch());
        System.out.println("fp32 optimizer step: " + c.step());
    }

    @Test
    void bf16() {
        Costs c = count(Precision.BF16);
        System.out.println("bf16 micro-batch: " + c.microBatch());
        System.out.println("bf16 optimizer step: " + c.step());
    }

    @Test
    void fp16() {
        Costs c = count(Precision.FP16);
        System.out.println("fp16 micro-batch: " + c.microBatch());
        System.out.println("fp16 optimizer step: " + c.step());
    }
}
