package dev.ouroboros.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Mixed-precision forward and backward ({@link AutocastStore}) on the three golden architectures
 * (pre-LN tied; post-LN with project_in/out and GELU; untied, no biases, no LayerNorm affine), on
 * CPU:
 *
 * <ul>
 *   <li>against fp32: the logits come back fp32 and close to fp32's, yet not equal (the matmuls
 *       really ran in half); gradients arrive on the fp32 parameters as fp32 and close to fp32's;
 *       the parameters stay fp32. (PyTorch's own autocast differs from fp32 by as much on these
 *       models: up to 1e-1 norm-rel on a gradient.)
 *   <li>against {@code torch.autocast} ({@code golden/autocast/*.json}, one per CPU kind: half
 *       precision rounds differently on AVX2, AVX-512 and AMX;
 *       scripts/golden/make_autocast_fixture.py): loss, last-position logits and per-parameter
 *       gradient norms equal autocast's up to the fixture's rounding, in fp16 and bf16 — two orders
 *       of magnitude closer than autocast is to fp32. Two fixes were needed for that: linear layers
 *       fold their input to 2-D (bias added inside the GEMM, see {@link AutocastStore#linear}), and
 *       the LayerNorm without affine parameters uses libtorch's kernel (a hand-written mean/var
 *       differed by an fp32 ulp, which flipped fp16 roundings downstream: loss off by 2e-5).
 * </ul>
 */
class AutocastTest {
    @BeforeAll
    static void oneThread() {
        Engine.getInstance();
        JniUtils.setNumThreads(1);
    }

    /** Logits and the gradient of every parameter, for the mean next-token loss of {@code ids}. */
    record Pass(
            double loss,
            float[] logits,
            DataType logitsType,
            Map<String, float[]> grads,
            Map<String, DataType> gradTypes) {
        /** Logits of row {@code row}'s last position, vocabulary entries {@code [0, n)}. */
        float[] lastLogits(int rows, int row, int n) {
            int vocab = logits.length / rows / T;
            float[] out = new float[n];
            System.arraycopy(logits, (row * T + T - 1) * vocab, out, 0, n);
            return out;
        }

        double gradNorm(String k) {
            double s = 0;
            for (float v : grads.get(k)) {
                s += v * (double) v;
            }
            return Math.sqrt(s);
        }
    }

    static final int T = 12;

    static Pass pass(LanguageModel model, long[][] ids, Precision precision) {
        try (NDManager m = model.manager().newSubManager()) {
            NDArray logits;
            double loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                logits = model.forward(LanguageModel.unpadded(m, ids), true, precision).get(0);
                NDArray nll = TokenNll.perPosition(logits, m.create(TokenNll.shiftedTargets(ids)));
                NDArray mean = nll.sum().div(m.create((float) (ids.length * (ids[0].length - 1))));
                loss = mean.getFloat();
                gc.backward(mean);
            }
            JniUtils.setGradMode(false);
            Map<String, float[]> grads = new LinkedHashMap<>();
            Map<String, DataType> types = new LinkedHashMap<>();
            for (Map.Entry<String, Parameter> e : model.block().parametersByName().entrySet()) {
                assertEquals(
                        DataType.FLOAT32,
                        e.getValue().getArray().getDataType(),
                        e.getKey() + " is no longer fp32");
                NDArray g = e.getValue().getArray().getGradient();
                g.attach(m);
                types.put(e.getKey(), g.getDataType());
                grads.put(e.getKey(), g.toFloatArray());
                g.set(new ai.djl.ndarray.index.NDIndex("..."), 0f);
            }
            return new Pass(loss, logits.toFloatArray(), logits.getDataType(), grads, types);
        }
    }

    static long[][] ids(int vocab) {
        SplittableRandom r = new SplittableRandom(5);
        long[][] ids = new long[2][T];
        for (long[] row : ids) {
            for (int j = 0; j < row.length; j++) {
                row[j] = 2 + r.nextInt(vocab - 2);
            }
        }
        return ids;
    }

    /** max|a−b| / max|b|. */
    static double maxRel(float[] a, float[] b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num = Math.max(num, Math.abs(a[i] - b[i]));
            den = Math.max(den, Math.abs(b[i]));
        }
        return num / den;
    }

    /** ‖a−b‖ / ‖b‖. */
    static double normRel(float[] a, float[] b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (double) (a[i] - b[i]);
            den += b[i] * (double) b[i];
        }
        return Math.sqrt(num / den);
    }

    void check(Precision precision, double logitTol, double gradTol) {
        List<String> report = new ArrayList<>();
        for (String name : Golden.CASES) {
            try (LanguageModel model =
                    LanguageModel.load(
                            Golden.model(name), Device.cpu(), c -> c.withDropout(0f, 0f))) {
                long[][] ids = ids(model.config().vocabSize());
                Pass ref = pass(model, ids, Precision.FP32);
                Pass amp = pass(model, ids, precision);
                assertEquals(DataType.FLOAT32, amp.logitsType(), "logits must come back fp32");
                double lr = maxRel(amp.logits(), ref.logits());
                assertTrue(
                        lr > 0,
                        name
                                + ": "
                                + precision
                                + " logits equal fp32's bit for bit: no half compute happened");
                assertTrue(lr < logitTol, name + ": logits max rel err " + lr);
                double worst = 0;
                String worstName = "";
                for (String k : ref.grads().keySet()) {
                    assertEquals(DataType.FLOAT32, amp.gradTypes().get(k), k + " gradient type");
                    if (k.endsWith("k_proj.bias")) {
                        continue; // its exact gradient is 0 (softmax ignores a per-query constant):
                        // pure rounding noise
                    }
                    double e = normRel(amp.grads().get(k), ref.grads().get(k));
                    if (e > worst) {
                        worst = e;
                        worstName = k;
                    }
                }
                assertTrue(
                        worst < gradTol,
                        name + ": gradient of " + worstName + " norm rel err " + worst);
                report.add(
                        String.format(
                                "%s: logits max-rel %.2e, worst grad norm-rel %.2e (%s)",
                                name, lr, worst, worstName));
            }
        }
        report.forEach(l -> System.out.println(precision + " " + l));
    }

    @Test
    void fp16MatchesFp32() {
        check(Precision.FP16, 5e-3, 5e-2);
    }

    @Test
    void bf16MatchesFp32() {
        check(Precision.BF16, 4e-2, 1.5e-1);
    }

    /**
     * The torch.autocast fixture made on this CPU ({@code golden/autocast/*.json}, each naming its
     * {@link CpuFingerprint}), else the first one.
     */
    static com.fasterxml.jackson.databind.JsonNode autocastFixture() {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        try (var files = java.nio.file.Files.list(Golden.dir().resolve("autocast"))) {
            List<com.fasterxml.jackson.databind.JsonNode> all = new ArrayList<>();
            for (java.nio.file.Path f : files.sorted().toList()) {
                all.add(json.readTree(f.toFile()));
            }
            return all.stream()
                    .filter(f -> f.get("machine").asText().equals(CpuFingerprint.current()))
                    .findFirst()
                    .orElse(all.get(0));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** How far torch's default and math SDPA kernels lie apart in one fixture entry. */
    record Spread(double loss, double logits, double grads) {
        static Spread between(JsonNode a, JsonNode b) {
            double logits = 0;
            for (int r = 0; r < a.get("last_logits").size(); r++) {
                for (int j = 0; j < a.get("last_logits").get(r).size(); j++) {
                    logits =
                            Math.max(
                                    logits,
                                    Math.abs(
                                            a.get("last_logits").get(r).get(j).asDouble()
                                                    - b.get("last_logits")
                                                            .get(r)
                                                            .get(j)
                                                            .asDouble()));
                }
            }
            double grads = 0;
            var it = a.get("grad_norms").fields();
            while (it.hasNext()) {
                var e = it.next();
                if (!e.getKey().endsWith("k_proj.bias")) {
                    double x = e.getValue().asDouble();
                    grads =
                            Math.max(
                                    grads,
                                    Math.abs(x - b.get("grad_norms").get(e.getKey()).asDouble())
                                            / x);
                }
            }
            return new Spread(
                    Math.abs(a.get("loss").asDouble() - b.get("loss").asDouble()), logits, grads);
        }
    }

    @ParameterizedTest
    @EnumSource(Attention.class)
    void castsWhereTorchAutocastCasts(Attention attention) {
        com.fasterxml.jackson.databind.JsonNode fx = autocastFixture();
        boolean sameCpu = fx.get("machine").asText().equals(CpuFingerprint.current());
        if (!sameCpu) {
            System.out.println(
                    "autocast: no torch.autocast fixture for this CPU ("
                            + CpuFingerprint.current()
                            + "): fp32 checked against "
                            + fx.get("machine").asText()
                            + "'s, fp16/bf16 only against our fp32 (fp16MatchesFp32,"
                            + " bf16MatchesFp32); make one: .venv/bin/python"
                            + " scripts/golden/make_autocast_fixture.py");
        }
        for (String name : Golden.CASES) {
            com.fasterxml.jackson.databind.JsonNode top = fx.get("cases").get(name);
            long[][] ids = Golden.longs2(top.get("input_ids"));
            // HF eager attention at the case's top level, HF SDPA under "sdpa"
            com.fasterxml.jackson.databind.JsonNode c =
                    attention == Attention.EAGER ? top : top.get("sdpa");
            try (LanguageModel model =
                    LanguageModel.load(
                                    Golden.model(name), Device.cpu(), cf -> cf.withDropout(0f, 0f))
                            .attention(attention)) {
                for (Precision p : Precision.values()) {
                    if (!sameCpu && p != Precision.FP32) {
                        continue; // half-precision kernels differ between CPU kinds
                    }
                    Pass ours = pass(model, ids, p);
                    com.fasterxml.jackson.databind.JsonNode torch = c.get(p.label());
                    com.fasterxml.jackson.databind.JsonNode torch32 = c.get("fp32");
                    double lossErr = Math.abs(ours.loss() - torch.get("loss").asDouble());
                    double lossGap =
                            Math.abs(torch.get("loss").asDouble() - torch32.get("loss").asDouble());
                    double logitErr = 0;
                    double logitGap = 0;
                    for (int r = 0; r < ids.length; r++) {
                        float[] ol = ours.lastLogits(ids.length, r, 100);
                        for (int j = 0; j < 100; j++) {
                            double tv = torch.get("last_logits").get(r).get(j).asDouble();
                            logitErr = Math.max(logitErr, Math.abs(ol[j] - tv));
                            logitGap =
                                    Math.max(
                                            logitGap,
                                            Math.abs(
                                                    tv
                                                            - torch32.get("last_logits")
                                                                    .get(r)
                                                                    .get(j)
                                                                    .asDouble()));
                        }
                    }
                    double gradErr = 0;
                    double gradGap = 0;
                    var it = torch.get("grad_norms").fields();
                    while (it.hasNext()) {
                        var e = it.next();
                        if (e.getKey().endsWith("k_proj.bias")) {
                            continue;
                        }
                        double tv = e.getValue().asDouble();
                        gradErr = Math.max(gradErr, Math.abs(ours.gradNorm(e.getKey()) - tv) / tv);
                        gradGap =
                                Math.max(
                                        gradGap,
                                        Math.abs(
                                                        tv
                                                                - torch32.get("grad_norms")
                                                                        .get(e.getKey())
                                                                        .asDouble())
                                                / tv);
                    }
                    System.out.printf(
                            "%s %s vs torch.autocast: loss |d| %.2e (autocast-fp32 gap %.2e), last logits max|d| %.2e (gap %.2e),"
                                    + " grad norms max rel %.2e (gap %.2e)%n",
                            name + " " + attention,
                            p,
                            lossErr,
                            lossGap,
                            logitErr,
                            logitGap,
                            gradErr,
                            gradGap);
                    String what = name + " " + attention + " " + p;
                    if (p == Precision.FP32) {
                        assertTrue(
                                lossErr < 1e-5 && logitErr < 1e-5 && gradErr < 1e-4,
                                what + ": fp32 differs from torch");
                        continue;
                    }
                    // the half-precision SDPA backward on CPU accumulates in another order across
                    // libtorch 2.7.1 and torch 2.13: up to 1.2e-4 seen
                    double gradExact = attention == Attention.SDPA ? 5e-4 : 1e-4;
                    boolean exact = lossErr < 1e-5 && logitErr < 1e-5 && gradErr < gradExact;
                    JsonNode math = c.get(p.label() + "_math");
                    if (attention == Attention.SDPA && math != null && !exact) {
                        // On some CPUs (seen: an AVX2-only AMD EPYC) libtorch 2.7.1's SDPA kernel
                        // in half precision is not torch 2.13's; the EAGER case pins the
                        // casts exactly, and here the SDPA op must lie within half-precision
                        // noise: 1.5x the larger of torch's own kernel spread (default vs math on
                        // the same input) and torch's half-vs-fp32 gap (a wrong mask or a missing
                        // cast is orders of magnitude beyond it).
                        Spread sp = Spread.between(torch, math);
                        System.out.printf(
                                "  %s: not torch's kernel here; torch default vs math kernel: loss"
                                        + " %.2e, logits %.2e, grad norms %.2e%n",
                                what, sp.loss(), sp.logits(), sp.grads());
                        assertTrue(
                                lossErr <= 1.5 * Math.max(sp.loss(), lossGap)
                                        && logitErr <= 1.5 * Math.max(sp.logits(), logitGap)
                                        && gradErr <= 1.5 * Math.max(sp.grads(), gradGap),
                                what + ": beyond half-precision noise");
                        continue;
                    }
                    // closer to torch.autocast than torch.autocast is to fp32: the casts sit where
                    // autocast puts them
                    assertTrue(
                            lossErr < 0.25 * lossGap,
                            what + ": loss " + lossErr + " vs gap " + lossGap);
                    assertTrue(
                            logitErr < logitGap,
                            what + ": logits " + logitErr + " vs gap " + logitGap);
                    assertTrue(
                            gradErr < gradGap,
                            what + ": grad norms " + gradErr + " vs gap " + gradGap);
                    // and in fact equal to it up to the fixture's rounding (libtorch 2.7.1 and
                    // torch 2.13 share these kernels)
                    assertTrue(exact, what + ": should match torch.autocast exactly");
                }
            }
        }
    }

    @Test
    void precisionParsesConfigSpellingsOnly() {
        assertEquals(Precision.BF16, Precision.parse("precision", "bf16"));
        UserInputException e =
                org.junit.jupiter.api.Assertions.assertThrows(
                        UserInputException.class, () -> Precision.parse("precision", "fp8"));
        assertTrue(
                e.getMessage().contains("precision must be fp32, fp16 or bf16, got 'fp8'"),
                e.getMessage());
    }
}
