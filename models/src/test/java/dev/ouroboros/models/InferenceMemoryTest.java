package dev.ouroboros.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What inference keeps alive: the last-position forward, the per-layer freeing of intermediates
 * with autograd off, and the KV cache's in-place row reordering.
 */
class InferenceMemoryTest {
    @BeforeAll
    static void engine() {
        Engine.getInstance(); // loads libtorch: JniUtils' grad mode calls need it
    }

    @ParameterizedTest
    @EnumSource(Attention.class)
    void forwardLastIsTheLastRowOfTheFullForward(Attention attention) {
        for (String name : Golden.CASES) {
            JsonNode exp = Golden.expected(name);
            long[][] ids = Golden.longs2(exp.get("input_ids"));
            long[][] mask = Golden.longs2(exp.get("attention_mask")); // row 1 left padded
            int b = ids.length;
            boolean grad = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            try (LanguageModel model =
                            LanguageModel.load(Golden.model(name), Device.cpu())
                                    .attention(attention);
                    NDManager m = model.manager().newSubManager()) {
                int v = model.config().vocabSize();
                for (boolean padded : new boolean[] {true, false}) {
                    NDList in =
                            padded
                                    ? new NDList(m.create(ids), m.create(mask))
                                    : LanguageModel.unpadded(m, ids);
                    NDArray full = model.forward(in, false).get(0); // (B, T, V)
                    NDArray last = model.forwardLast(in).get(0);
                    assertEquals(new Shape(b, 1, v), last.getShape(), name);
                    float[] want = full.get(":, -1, :").toFloatArray();
                    float[] got = last.toFloatArray();
                    double rel = maxRelative(want, got);
                    // the same values up to the head GEMM's rounding: over B rows instead of B·T
                    // the BLAS picks other kernels (measured up to 3.2e-7 here; not bit-equal)
                    assertTrue(rel <= 1e-6, name + " padded=" + padded + ": " + rel);
                }
            } finally {
                JniUtils.setGradMode(grad);
            }
        }
    }

    /** max |a − b| / max |a|: the rounding of a GEMM, relative to the logits' scale. */
    static double maxRelative(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double diff = 0;
        double scale = 0;
        for (int i = 0; i < a.length; i++) {
            diff = Math.max(diff, Math.abs((double) a[i] - b[i]));
            scale = Math.max(scale, Math.abs(a[i]));
        }
        return diff / scale;
    }

    @Test
    void reorderRowsEqualsIndexSelectInPlaceForAnyParents() {
        OptConfig cfg = OptConfig.tiny(64, 16, 2, 2, 32, 64); // H = 2, D = 8, 4 buffers
        int n = 6;
        long capacity = 9;
        long length = 5;
        SplittableRandom rnd = new SplittableRandom(7);
        List<long[]> parents = new ArrayList<>();
        parents.add(new long[] {0, 1, 2, 3, 4, 5}); // identity: nothing moves
        parents.add(new long[] {1, 1, 1, 1, 1, 1}); // every row continues row 1
        parents.add(new long[] {1, 0, 3, 2, 5, 4}); // swaps: each source is also overwritten
        parents.add(new long[] {0, 0, 0, 3, 3, 3}); // a prompt expanded to its beams
        parents.add(new long[] {5, 4, 3, 2, 1, 0});
        for (int k = 0; k < 20; k++) {
            long[] p = new long[n];
            for (int r = 0; r < n; r++) {
                p[r] = rnd.nextInt(n);
            }
            parents.add(p);
        }
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                KvCache cache = KvCache.allocate(m, cfg, n, capacity)) {
            List<NDArray> buffers = new ArrayList<>(cache.tensors());
            for (long[] p : parents) {
                try (NDManager s = m.newSubManager()) {
                    List<float[]> before = new ArrayList<>();
                    List<float[]> expectedPrefix = new ArrayList<>();
                    NDArray ix = s.create(p);
                    for (NDArray buf : cache.tensors()) {
                        buf.set(
                                new ai.djl.ndarray.index.NDIndex(":"),
                                s.randomNormal(buf.getShape()));
                        before.add(buf.toFloatArray());
                        expectedPrefix.add(
                                buf.get(":, :, :{}", length).get(ix).toFloatArray()); // reference
                    }
                    cache.reorder(ix, length);
                    for (int i = 0; i < buffers.size(); i++) {
                        NDArray buf = cache.tensors().get(i);
                        assertSame(
                                buffers.get(i), buf, "the cache's buffers are reordered in place");
                        assertArrayEquals(
                                expectedPrefix.get(i),
                                buf.get(":, :, :{}", length).toFloatArray(),
                                "prefix of buffer "
                                        + i
                                        + " for parents "
                                        + java.util.Arrays.toString(p));
                        assertArrayEquals(
                                rest(before.get(i), n, 2, capacity, 8, length),
                                rest(buf.toFloatArray(), n, 2, capacity, 8, length),
                                "positions >= length are never touched");
                    }
                }
            }
        }
    }

    /** The values of (N, H, C, D) at positions >= length, in order. */
    private static float[] rest(float[] a, int n, int h, long c, int d, long length) {
        List<Float> out = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < h; j++) {
                for (long s = length; s < c; s++) {
                    for (int e = 0; e < d; e++) {
                        out.add(a[(int) (((r * h + j) * c + s) * d + e)]);
                    }
                }
            }
        }
        float[] f = new float[out.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = out.get(i);
        }
        return f;
    }

    /** Arrays a forward leaves in its batch's manager, for a model of {@code layers} layers. */
    private static int leftAfterForward(int layers, boolean gradMode) {
        OptConfig cfg = OptConfig.tiny(64, 16, layers, 2, 32, 64);
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(gradMode);
        try (LanguageModel model = LanguageModel.random(cfg, 3, Device.cpu());
                NDManager m = model.manager().newSubManager()) {
            long[][] ids = {{2, 5, 9, 11, 7}, {2, 8, 3, 3, 4}};
            long[][] mask = {{1, 1, 1, 1, 1}, {0, 0, 1, 1, 1}};
            model.forward(new NDList(m.create(ids), m.create(mask)), false);
            return m.getManagedArrays().size();
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    @Test
    void inferenceFreesEachLayersIntermediatesAndTrainingKeepsThem() {
        int one = leftAfterForward(1, false);
        int six = leftAfterForward(6, false);
        assertEquals(one, six, "with autograd off no layer's intermediates outlive the next layer");
        int oneGrad = leftAfterForward(1, true);
        int sixGrad = leftAfterForward(6, true);
        assertTrue(
                sixGrad >= oneGrad + 5 * 10,
                "grad mode keeps every layer's activations for backward: "
                        + oneGrad
                        + " vs "
                        + sixGrad);
        assertTrue(one < oneGrad, one + " vs " + oneGrad);
    }
}
