package dev.ouroboros.harness.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.Precision;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link TrainStep} under fp16 and bf16 (CPU, libtorch's half kernels): the same model and batch
 * trained for a few steps tracks the fp32 loss curve; fp16's dynamic loss scaling skips the steps
 * whose gradients overflow, backs the scale off and grows it back by GradScaler's rule; parameters
 * and optimizer state stay fp32 throughout.
 */
class MixedPrecisionTrainingTest {
    static final OptConfig CFG = OptConfig.tiny(64, 32, 2, 4, 64, 32); // dropout 0
    static final double LR = 1e-2;

    @BeforeAll
    static void oneThread() {
        TrainFixtures.singleThread();
    }

    static long[][] batch() {
        SplittableRandom r = new SplittableRandom(12345);
        long[][] ids = new long[2][16];
        for (long[] row : ids) {
            for (int j = 0; j < row.length; j++) {
                row[j] = r.nextInt(CFG.vocabSize());
            }
        }
        return ids;
    }

    /**
     * Runs steps until {@code applied} of them changed the weights; returns every step's result.
     */
    static List<TrainStep.Result> train(Precision p, LossScaler scaler, int applied) {
        List<TrainStep.Result> out = new ArrayList<>();
        try (LanguageModel m = LanguageModel.random(CFG, 7, Device.cpu());
                AdamW opt = new AdamW(m.manager(), 0.9, 0.999, 1e-8, 0.01)) {
            int done = 0;
            while (done < applied && out.size() < applied + 40) {
                TrainStep.Result r =
                        TrainStep.run(m, opt, List.<long[][]>of(batch()), LR, 1.0, 0, p, scaler);
                out.add(r);
                done += r.skipped() ? 0 : 1;
            }
            for (Parameter q : m.block().parametersByName().values()) {
                assertEquals(
                        DataType.FLOAT32,
                        q.getArray().getDataType(),
                        "master weights must stay fp32");
            }
            assertEquals(applied, opt.steps(), "AdamW counts applied steps only");
        }
        return out;
    }

    static List<Double> appliedLosses(List<TrainStep.Result> rs) {
        return rs.stream().filter(r -> !r.skipped()).map(TrainStep.Result::loss).toList();
    }

    static double worstRel(List<Double> a, List<Double> b) {
        double w = 0;
        for (int i = 0; i < a.size(); i++) {
            w = Math.max(w, Math.abs(a.get(i) - b.get(i)) / b.get(i));
        }
        return w;
    }

    @Test
    void fp16WithLossScalingTracksFp32AndSkipsOverflowingSteps() {
        int steps = 12;
        List<Double> ref = appliedLosses(train(Precision.FP32, LossScaler.disabled(), steps));
        // 2^30 overflows fp16 gradients for sure; growth every 3 good steps makes the scale climb
        // back into overflow
        LossScaler scaler = new LossScaler(Math.pow(2, 30), 2.0, 0.5, 3);
        List<TrainStep.Result> rs = train(Precision.FP16, scaler, steps);
        List<Double> amp = appliedLosses(rs);
        long skipped = rs.stream().filter(TrainStep.Result::skipped).count();
        double worst = worstRel(amp, ref);
        System.out.printf(
                "fp16: %d applied, %d skipped, scales %s%n  fp32 %s%n  fp16 %s%n  worst rel diff %.2e%n",
                amp.size(),
                skipped,
                rs.stream().map(r -> (r.skipped() ? "x" : "") + (long) r.lossScale()).toList(),
                ref,
                amp,
                worst);

        assertTrue(rs.get(0).skipped(), "2^30 must overflow the first step");
        assertTrue(Double.isNaN(rs.get(0).gradNorm()));
        // GradScaler's rule, replayed: overflow halves, every 3rd consecutive good step doubles
        double s = Math.pow(2, 30);
        int good = 0;
        for (TrainStep.Result r : rs) {
            assertEquals(s, r.lossScale(), "scale used by the step");
            if (r.skipped()) {
                s /= 2;
                good = 0;
            } else if (++good == 3) {
                s *= 2;
                good = 0;
            }
        }
        assertEquals(s, scaler.scale());
        assertTrue(worst < 2e-2, "fp16 loss curve leaves fp32's: " + worst);
        assertTrue(amp.get(steps - 1) < amp.get(0) - 0.3, "fp16 training does not learn: " + amp);
    }

    @Test
    void bf16TracksFp32WithoutLossScaling() {
        int steps = 12;
        List<Double> ref = appliedLosses(train(Precision.FP32, LossScaler.disabled(), steps));
        List<TrainStep.Result> rs = train(Precision.BF16, LossScaler.disabled(), steps);
        List<Double> amp = appliedLosses(rs);
        double worst = worstRel(amp, ref);
        System.out.printf("bf16: fp32 %s%n  bf16 %s%n  worst rel diff %.2e%n", ref, amp, worst);
        assertEquals(steps, rs.size());
        assertFalse(rs.stream().anyMatch(TrainStep.Result::skipped));
        assertTrue(rs.stream().allMatch(r -> r.lossScale() == 1.0));
        assertTrue(worst > 0, "bf16 identical to fp32: no half compute happened");
        assertTrue(worst < 5e-2, "bf16 loss curve leaves fp32's: " + worst);
        assertTrue(amp.get(steps - 1) < amp.get(0) - 0.3, "bf16 training does not learn: " + amp);
    }

    /**
     * Under fp16 a non-finite loss goes to the loss scaler: the step is skipped (no weight changes)
     * and the scale backed off, as GradScaler does; once the scale a skipped step used is below
     * 2^-24 (every step overflows whatever the scale) the run is stopped as diverged.
     */
    @Test
    void fp16NonFiniteLossIsSkippedUntilTheScaleIsSpent() {
        try (LanguageModel m = LanguageModel.random(CFG, 7, Device.cpu());
                AdamW opt = new AdamW(m.manager(), 0.9, 0.999, 1e-8, 0.01)) {
            m.block()
                    .parametersByName()
                    .get("decoder.layers.0.fc1.weight")
                    .getArray()
                    .set(new ai.djl.ndarray.index.NDIndex("0, 0"), Float.NaN);
            float[] before =
                    m.block()
                            .parametersByName()
                            .get("decoder.layers.1.fc1.weight")
                            .getArray()
                            .toFloatArray();
            LossScaler scaler = new LossScaler(Math.pow(2, -23), 2.0, 0.5, 2000);
            List<long[][]> b = List.<long[][]>of(batch());
            TrainStep.Result r = TrainStep.run(m, opt, b, LR, 1.0, 0, Precision.FP16, scaler);
            assertTrue(r.skipped() && Double.isNaN(r.loss()), r.toString());
            assertEquals(Math.pow(2, -24), scaler.scale());
            TrainStep.run(m, opt, b, LR, 1.0, 0, Precision.FP16, scaler); // used 2^-24: skipped
            TrainStep.NonFinite nf =
                    org.junit.jupiter.api.Assertions.assertThrows(
                            TrainStep.NonFinite.class,
                            () -> TrainStep.run(m, opt, b, LR, 1.0, 0, Precision.FP16, scaler));
            assertEquals(Math.pow(2, -25), nf.value);
            assertEquals(0, opt.steps(), "no skipped step updates");
            assertArrayEquals(
                    before,
                    m.block()
                            .parametersByName()
                            .get("decoder.layers.1.fc1.weight")
                            .getArray()
                            .toFloatArray());
        }
    }

    @Test
    void lossScalerFollowsGradScalerRule() {
        LossScaler s = new LossScaler(8, 2, 0.5, 2);
        s.update(false);
        assertEquals(8, s.scale());
        s.update(false);
        assertEquals(16, s.scale());
        assertEquals(0, s.goodSteps());
        s.update(false);
        s.update(true);
        assertEquals(8, s.scale());
        assertEquals(0, s.goodSteps());
        s.restore(1024, 1);
        s.update(false);
        assertEquals(2048, s.scale());
        LossScaler off = LossScaler.disabled();
        off.update(true);
        assertEquals(1.0, off.scale());
        assertFalse(off.enabled());
    }
}
