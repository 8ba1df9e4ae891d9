package dev.ouroboros.harness.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.ouroboros.harness.config.Schedule;
import dev.ouroboros.models.io.RawTensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * AdamW against two steps computed by hand, the LR schedules at chosen steps, and global-norm
 * clipping.
 */
class OptimUnitsTest {

    /** torch.optim.AdamW (single tensor) for one scalar element, in double. */
    private static double[] torchAdamW(
            double p, double[] grads, double lr, double b1, double b2, double eps, double wd) {
        double m = 0;
        double v = 0;
        double[] out = new double[grads.length];
        for (int t = 1; t <= grads.length; t++) {
            double g = grads[t - 1];
            p *= 1 - lr * wd;
            m = b1 * m + (1 - b1) * g;
            v = b2 * v + (1 - b2) * g * g;
            double bc1 = 1 - Math.pow(b1, t);
            double bc2 = 1 - Math.pow(b2, t);
            double denom = Math.sqrt(v) / Math.sqrt(bc2) + eps;
            p -= lr / bc1 * m / denom;
            out[t - 1] = p;
        }
        return out;
    }

    @Test
    void adamWTwoStepsMatchHandComputedTorchFormula() {
        double lr = 0.1;
        double b1 = 0.8;
        double b2 = 0.9;
        double eps =
                1e-3; // large, so that "eps after bias correction" (torch) differs visibly from
        // DJL's variant
        double wd = 0.5;
        float[] w0 = {1.0f, -2.0f, 0.5f, 3.0f};
        float[] b0 = {0.25f, -0.75f};
        float[][] gw = {{0.1f, -0.2f, 0.3f, 1e-4f}, {-0.4f, 0.05f, 0.3f, 2.0f}};
        float[][] gb = {{0.5f, -1e-4f}, {0.5f, 0.25f}};
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(w0, new Shape(2, 2)); // ndim 2: decays
            NDArray b = m.create(b0); // ndim 1: no decay
            AdamW opt = new AdamW(m, b1, b2, eps, wd);
            AdamW restored = null;
            for (int step = 0; step < 2; step++) {
                try (NDManager sm = m.newSubManager()) {
                    Map<String, NDArray> weights = new LinkedHashMap<>();
                    weights.put("layer.weight", w);
                    weights.put("layer.bias", b);
                    Map<String, NDArray> grads = new LinkedHashMap<>();
                    grads.put("layer.weight", sm.create(gw[step], new Shape(2, 2)));
                    grads.put("layer.bias", sm.create(gb[step]));
                    opt.step(weights, grads, lr);
                    if (step == 0) {
                        // state round trip: a fresh optimizer loaded from the exported moments must
                        // continue identically
                        Map<String, RawTensor> saved = new LinkedHashMap<>();
                        for (RawTensor t : opt.stateTensors()) {
                            saved.put(t.name(), t);
                        }
                        assertEquals(4, saved.size());
                        restored = new AdamW(m, b1, b2, eps, wd);
                        restored.load(saved, opt.steps(), weights);
                    }
                }
            }
            float[] gotW = w.toFloatArray();
            float[] gotB = b.toFloatArray();
            for (int i = 0; i < 4; i++) {
                double want =
                        torchAdamW(w0[i], new double[] {gw[0][i], gw[1][i]}, lr, b1, b2, eps, wd)[
                                1];
                assertEquals(
                        want, gotW[i], 2e-6 * Math.max(1, Math.abs(want)), "weight[" + i + "]");
            }
            for (int i = 0; i < 2; i++) {
                double want =
                        torchAdamW(b0[i], new double[] {gb[0][i], gb[1][i]}, lr, b1, b2, eps, 0.0)[
                                1];
                assertEquals(
                        want,
                        gotB[i],
                        2e-6 * Math.max(1, Math.abs(want)),
                        "bias[" + i + "] (no decay)");
            }
            assertEquals(2, opt.steps());
            assertEquals(1, restored.steps());
        }
    }

    @Test
    void adamWStateRoundTripIsBitExact() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] w0 = {0.3f, -0.1f, 0.7f};
            NDArray a = m.create(w0);
            NDArray c = m.create(w0);
            AdamW first = new AdamW(m, 0.9, 0.999, 1e-8, 0.01);
            AdamW second = new AdamW(m, 0.9, 0.999, 1e-8, 0.01);
            float[][] g = {{0.1f, 0.2f, -0.3f}, {0.05f, -0.2f, 0.1f}, {1f, 1f, 1f}};
            for (int s = 0; s < 3; s++) {
                try (NDManager sm = m.newSubManager()) {
                    first.step(Map.of("p", a), Map.of("p", sm.create(g[s])), 1e-2);
                    if (s == 0) {
                        second.step(Map.of("p", c), Map.of("p", sm.create(g[s])), 1e-2);
                        Map<String, RawTensor> saved = new LinkedHashMap<>();
                        second.stateTensors().forEach(t -> saved.put(t.name(), t));
                        second = new AdamW(m, 0.9, 0.999, 1e-8, 0.01);
                        second.load(saved, 1, Map.of("p", c));
                    } else {
                        second.step(Map.of("p", c), Map.of("p", sm.create(g[s])), 1e-2);
                    }
                }
            }
            assertArrayEquals(a.toFloatArray(), c.toFloatArray());
        }
    }

    @Test
    void schedulesAtChosenSteps() {
        double lr = 1e-3;
        // constant with warmup 4: 0, lr/4, lr/2, 3lr/4, then lr
        LrSchedule c = new LrSchedule(Schedule.Kind.CONSTANT, lr, 0, 4, 100, 10, false);
        assertEquals(0.0, c.at(0), 0);
        assertEquals(lr / 4, c.at(1), 1e-18);
        assertEquals(3 * lr / 4, c.at(3), 1e-18);
        assertEquals(lr, c.at(4), 0);
        assertEquals(lr, c.at(99), 0);
        // linear (HF get_linear_schedule_with_warmup): warmup 10, total 110
        LrSchedule l = new LrSchedule(Schedule.Kind.LINEAR, lr, 0, 10, 110, 10, false);
        assertEquals(lr * 5 / 10, l.at(5), 1e-18);
        assertEquals(lr, l.at(10), 1e-18);
        assertEquals(lr * 0.5, l.at(60), 1e-18);
        assertEquals(lr * 0.01, l.at(109), 1e-18);
        assertEquals(0.0, l.at(110), 1e-18);
        // cosine over the run, no warmup, eta_min 1e-5: lr at 0, midpoint (lr+eta)/2 at 50, eta at
        // the end
        LrSchedule cr = new LrSchedule(Schedule.Kind.COSINE, lr, 1e-5, 0, 100, 10, false);
        assertEquals(lr, cr.at(0), 1e-15);
        assertEquals((lr + 1e-5) / 2, cr.at(50), 1e-15);
        assertEquals(1e-5 + (lr - 1e-5) * 0.5 * (1 + Math.cos(Math.PI * 0.25)), cr.at(25), 1e-15);
        // cosine per epoch (Shumailov: eta_min 1e-6), 8 steps per epoch: restarts at every epoch
        // boundary
        LrSchedule ce = new LrSchedule(Schedule.Kind.COSINE, lr, 1e-6, 0, 40, 8, true);
        assertEquals(lr, ce.at(0), 1e-15);
        assertEquals(lr, ce.at(8), 1e-15);
        assertEquals(lr, ce.at(32), 1e-15);
        assertEquals((lr + 1e-6) / 2, ce.at(4), 1e-15);
        assertEquals((lr + 1e-6) / 2, ce.at(12), 1e-15);
        double last = 1e-6 + (lr - 1e-6) * 0.5 * (1 + Math.cos(Math.PI * 7 / 8));
        assertEquals(last, ce.at(7), 1e-15);
        assertEquals(last, ce.at(39), 1e-15);
    }

    @Test
    void globalNormClippingScalesEveryGradientTogether() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {3f, -4f}); // |a|^2 = 25
            NDArray b = m.create(new float[] {0f, 12f}, new Shape(1, 2)); // |b|^2 = 144 -> total 13
            double norm = TrainStep.clipGlobalNorm(List.of(a, b), 1.0);
            assertEquals(13.0, norm, 1e-6);
            float c = 1f / (13f + 1e-6f);
            assertArrayEquals(new float[] {3f * c, -4f * c}, a.toFloatArray(), 1e-7f);
            assertArrayEquals(new float[] {0f, 12f * c}, b.toFloatArray(), 1e-7f);
            // now of norm ~1: below a threshold of 5, nothing changes (negative entries included,
            // unlike optClipGrad)
            float[] before = a.toFloatArray();
            double n2 = TrainStep.clipGlobalNorm(List.of(a, b), 5.0);
            assertEquals(1.0, n2, 1e-5);
            assertArrayEquals(before, a.toFloatArray(), 0f);
            // threshold 0 = measure only
            NDArray big = m.create(new float[] {-30f, 40f});
            assertEquals(50.0, TrainStep.clipGlobalNorm(List.of(big), 0), 1e-5);
            assertArrayEquals(new float[] {-30f, 40f}, big.toFloatArray(), 0f);
        }
    }
}
