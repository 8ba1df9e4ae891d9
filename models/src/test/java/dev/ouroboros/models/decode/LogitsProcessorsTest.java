package dev.ouroboros.models.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LogitsProcessorsTest {
    private static final float NI = Float.NEGATIVE_INFINITY;

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeScoresOfSeenTokens() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray scores =
                    m.create(
                            new float[][] {
                                {2f, -1f, 0.5f, -3f, 0f, 4f}, {2f, -1f, 0.5f, -3f, 0f, 4f}
                            });
            // row 0 saw 0, 1 (twice), 4; row 1 saw 5 only (repeated) — duplicates must not compound
            NDArray seen = m.create(new long[][] {{0, 1, 1, 4}, {5, 5, 5, 5}});
            float[] out = LogitsProcessors.repetitionPenalty(scores, seen, 2f).toFloatArray();
            assertArrayEquals(
                    new float[] {1f, -2f, 0.5f, -3f, 0f, 4f, 2f, -1f, 0.5f, -3f, 0f, 2f},
                    out,
                    1e-6f);
            // the input is untouched, and penalty 1 is the identity
            assertArrayEquals(
                    new float[] {2f, -1f, 0.5f, -3f, 0f, 4f}, scores.get(0).toFloatArray(), 0f);
            assertArrayEquals(
                    scores.toFloatArray(),
                    LogitsProcessors.repetitionPenalty(scores, seen, 1f).toFloatArray(),
                    0f);
        }
    }

    @Test
    void minNewTokensMasksOnlyEos() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray scores = m.create(new float[][] {{1f, 2f, 3f}, {-1f, -2f, -3f}});
            assertArrayEquals(
                    new float[] {1f, 2f, NI, -1f, -2f, NI},
                    LogitsProcessors.maskToken(scores, 2).toFloatArray(),
                    0f);
            assertEquals(3f, scores.getFloat(0, 2));
        }
    }

    @Test
    void temperatureDividesLogitsSoSoftmaxSharpensOrFlattens() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] logits = {0f, 1f, 3f};
            NDArray s = m.create(logits).reshape(1, 3);
            for (float t : new float[] {0.5f, 1f, 2f}) {
                float[] p = LogitsProcessors.temperature(s, t).softmax(1).toFloatArray();
                double z = 0;
                for (float l : logits) {
                    z += Math.exp(l / t);
                }
                for (int i = 0; i < 3; i++) {
                    assertEquals(Math.exp(logits[i] / t) / z, p[i], 1e-6, "t=" + t + " i=" + i);
                }
            }
        }
    }

    @Test
    void topKKeepsTheKLargestAndTiesWithTheKth() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray s = m.create(new float[][] {{1f, 3f, 2f, 3f, 0f}, {5f, 4f, 3f, 2f, 1f}});
            assertArrayEquals(
                    new float[] {NI, 3f, NI, 3f, NI, 5f, 4f, NI, NI, NI},
                    LogitsProcessors.topK(s, 2).toFloatArray(),
                    0f);
            assertArrayEquals(
                    s.toFloatArray(), LogitsProcessors.topK(s, 0).toFloatArray(), 0f); // 0 = off
            assertArrayEquals(s.toFloatArray(), LogitsProcessors.topK(s, 99).toFloatArray(), 0f);
        }
    }

    @Test
    void topPKeepsTheSmallestNucleusReachingP() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] p = {0.05f, 0.5f, 0.15f, 0.3f};
            float[] logits = new float[4];
            for (int i = 0; i < 4; i++) {
                logits[i] = (float) Math.log(p[i]);
            }
            NDArray s = m.create(logits).reshape(1, 4);
            // ascending cum: .05, .20, .50, 1.0; drop cum <= 1 - 0.75 → the 0.05 and 0.15 tokens
            assertArrayEquals(
                    new float[] {NI, logits[1], NI, logits[3]},
                    LogitsProcessors.topP(s, 0.75f, 1).toFloatArray(),
                    1e-6f);
            // a tiny p keeps only the top token (min_tokens_to_keep = 1)
            assertArrayEquals(
                    new float[] {NI, logits[1], NI, NI},
                    LogitsProcessors.topP(s, 1e-3f, 1).toFloatArray(),
                    1e-6f);
            assertArrayEquals(logits, LogitsProcessors.topP(s, 1f, 1).toFloatArray(), 0f);
        }
    }

    @Test
    void deviceDrawIsTheHostDraw() {
        SplittableRandom r = new SplittableRandom(11);
        int rows = 64;
        int v = 50;
        float[] probs = new float[rows * v];
        for (int i = 0; i < probs.length; i++) {
            // a third of the entries zero, as after top-k / top-p
            probs[i] = r.nextInt(3) == 0 ? 0f : (float) r.nextDouble();
        }
        for (int row = 0; row < rows; row++) {
            float sum = 0;
            for (int j = 0; j < v; j++) {
                sum += probs[row * v + j];
            }
            for (int j = 0; j < v; j++) {
                probs[row * v + j] /= sum;
            }
        }
        try (NDManager m = NDManager.newBaseManager()) {
            for (int trial = 0; trial < 20; trial++) {
                long[] host =
                        Generator.draw(
                                probs, rows, DecodingStrategy.Sampling.seeded(1, 0, 1, trial));
                long[] device =
                        Generator.drawOnDevice(
                                        m.create(probs).reshape(rows, v),
                                        m.create(
                                                Generator.uniforms(
                                                        rows,
                                                        DecodingStrategy.Sampling.seeded(
                                                                1, 0, 1, trial))))
                                .toLongArray();
                assertArrayEquals(host, device, "trial " + trial);
            }
        }
    }

    @Test
    void hostDrawFollowsTheProbabilities() {
        DecodingStrategy.Sampling sm = DecodingStrategy.Sampling.seeded(1, 0, 1, 7);
        float[] probs = {0.1f, 0f, 0.2f, 0.7f};
        int n = 40_000;
        int[] counts = new int[4];
        for (int i = 0; i < n; i++) {
            counts[(int) Generator.draw(probs, 1, sm)[0]]++;
        }
        assertEquals(0, counts[1], "a zero-probability token is never drawn");
        assertEquals(0.1, counts[0] / (double) n, 0.01);
        assertEquals(0.2, counts[2] / (double) n, 0.01);
        assertEquals(0.7, counts[3] / (double) n, 0.01);
    }
}
