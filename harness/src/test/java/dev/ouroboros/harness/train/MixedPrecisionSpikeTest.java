package dev.ouroboros.harness.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.OptForCausalLM;
import dev.ouroboros.models.OptModel;
import dev.ouroboros.models.TokenNll;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Feasibility spike for mixed-precision training (findings in docs/mixed-precision-spike.md), CPU only:
 *
 * <ol>
 *   <li>fp16 "separate half leaves + fp32 masters": OptForCausalLM initialised in FLOAT16, forward/backward, loss in
 *       fp16 (DJL's toType is not differentiable), dynamic loss scaling with AdamW on fp32 masters;
 *   <li>a TorchScript cast helper (scripts/amp/make_cast_helper.py) making the cast differentiable; bf16 probes run in
 *       child JVMs because some DJL ops on bf16 tensors kill the process (DJL-NOTES §0 red flag 1).
 * </ol>
 */
class MixedPrecisionSpikeTest {
  static final OptConfig CFG = OptConfig.tiny(64, 32, 2, 4, 64, 32);

  @BeforeAll
  static void threads() {
    TrainFixtures.singleThread();
  }

  // ---------------------------------------------------------------- fixtures

  static long[][] batch() {
    long[][] ids = new long[2][16];
    long z = 12345;
    for (long[] row : ids) {
      for (int j = 0; j < row.length; j++) {
        z = z * 6364136223846793005L + 1442695040888963407L;
        row[j] = (z >>> 33) % CFG.vocabSize();
      }
    }
    return ids;
  }

  static long predictions(long[][] ids) {
    long n = 0;
    for (long[] r : ids) {
      n += r.length - 1;
    }
    return n;
  }

  /** An fp16 copy of an fp32 model: its own Model/manager, parameters created as FLOAT16 leaves. */
  static final class Half implements AutoCloseable {
    final Model model;
    final OptForCausalLM block;
    final ParameterStore ps;

    Half(OptModel src) {
      block = new OptForCausalLM(src.config());
      model = Model.newInstance("opt16", Device.cpu());
      model.setBlock(block);
      block.initialize(model.getNDManager(), DataType.FLOAT16, new Shape(1, 1), new Shape(1, 1));
      ps = new ParameterStore(model.getNDManager(), false);
      copyFrom(src.block().parametersByName());
    }

    /** In-place copy (grad mode off): param16[...] = master.toType(FLOAT16). */
    void copyFrom(Map<String, Parameter> masters) {
      JniUtils.setGradMode(false);
      try (NDManager tmp = model.getNDManager().newSubManager()) {
        for (Map.Entry<String, Parameter> e : block.parametersByName().entrySet()) {
          NDArray h = masters.get(e.getKey()).getArray().toType(DataType.FLOAT16, false);
          h.attach(tmp);
          e.getValue().getArray().set(new NDIndex("..."), h);
        }
      }
    }

    NDArray logits(NDList in) {
      return block.forward(ps, in, true).get(0);
    }

    @Override
    public void close() {
      model.close();
    }
  }

  /** TokenNll.perPosition without the (non-differentiable) fp32 cast: everything in the logits' dtype. */
  static NDArray nllSameDtype(NDArray logits, NDArray targets) {
    NDArray valid = targets.gte(0).toType(logits.getDataType(), false);
    NDArray safe = targets.maximum(0L);
    NDArray logp = logits.logSoftmax(-1);
    return logp.gather(safe.expandDims(-1), -1).squeeze(-1).neg().mul(valid);
  }

  /** ||a − b|| / ||b|| and max|a − b| / max|b| (both fp32). */
  static double[] relErr(NDArray a, NDArray b) {
    NDArray d = a.sub(b);
    double norm = Math.sqrt(d.square().sum().getFloat()) / Math.max(1e-30, Math.sqrt(b.square().sum().getFloat()));
    double max = d.abs().max().getFloat() / Math.max(1e-30, b.abs().max().getFloat());
    return new double[] {norm, max};
  }

  // ---------------------------------------------------------------- 1. fp16 leaves

  @Test
  void fp16ParamsForwardBackwardMatchFp32() {
    long[][] ids = batch();
    long n = predictions(ids);
    try (OptModel m32 = OptModel.random(CFG, 7, Device.cpu());
        Half h = new Half(m32);
        NDManager sm = m32.manager().newSubManager()) {
      for (Parameter p : h.block.parametersByName().values()) {
        assertEquals(DataType.FLOAT16, p.getArray().getDataType(), p.getName());
      }
      NDList in = OptModel.unpadded(sm, ids);
      NDArray targets = sm.create(TokenNll.shiftedTargets(ids));

      float loss32;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray nll = TokenNll.perPosition(m32.forward(in, true).get(0), targets).sum();
        loss32 = nll.getFloat() / n;
        gc.backward(nll.div(sm.create((float) n)));
      }
      float loss16;
      NDArray logits16;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        logits16 = h.logits(in);
        assertEquals(DataType.FLOAT16, logits16.getDataType());
        NDArray per = nllSameDtype(logits16, targets);
        assertEquals(DataType.FLOAT16, per.getDataType());
        loss16 = per.toType(DataType.FLOAT32, false).sum().getFloat() / n; // value only, no grad needed
        gc.backward(per.sum().div(sm.create((float) n).toType(DataType.FLOAT16, false)));
      }
      JniUtils.setGradMode(false);
      double lossRel = Math.abs(loss16 - loss32) / loss32;
      double logitsRel = relErr(logits16.toType(DataType.FLOAT32, false),
          m32.forward(in, false).get(0))[1];

      double worstNorm = 0;
      double worstMax = 0;
      String worstName = "";
      for (Map.Entry<String, Parameter> e : m32.block().parametersByName().entrySet()) {
        NDArray g32 = e.getValue().getArray().getGradient();
        NDArray g16 = h.block.parametersByName().get(e.getKey()).getArray().getGradient();
        g32.attach(sm);
        g16.attach(sm);
        assertEquals(DataType.FLOAT16, g16.getDataType(), "fp16 leaves get fp16 grads");
        if (e.getKey().endsWith("k_proj.bias")) {
          // the exact gradient is 0 (softmax is invariant to a per-query constant): compare absolute norms
          double a32 = Math.sqrt(g32.square().sum().getFloat());
          double a16 = Math.sqrt(g16.toType(DataType.FLOAT32, false).square().sum().getFloat());
          System.out.printf("  grad %-45s exact 0: |g32| %.2e |g16| %.2e%n", e.getKey(), a32, a16);
          assertTrue(a16 < 1e-4 && a32 < 1e-4, e.getKey());
          continue;
        }
        double[] r = relErr(g16.toType(DataType.FLOAT32, false), g32);
        System.out.printf("  grad %-45s norm-rel %.2e  max-rel %.2e%n", e.getKey(), r[0], r[1]);
        if (r[0] > worstNorm) {
          worstNorm = r[0];
          worstName = e.getKey();
        }
        worstMax = Math.max(worstMax, r[1]);
      }
      System.out.printf("fp16 vs fp32: loss %.6f vs %.6f (rel %.2e); logits max-rel %.2e; "
          + "grads worst norm-rel %.2e (%s), worst max-rel %.2e%n",
          loss16, loss32, lossRel, logitsRel, worstNorm, worstName, worstMax);
      assertTrue(lossRel < 5e-3, "loss rel err " + lossRel);
      assertTrue(logitsRel < 2e-2, "logits rel err " + logitsRel);
      assertTrue(worstNorm < 5e-2, "grad norm-rel err " + worstNorm);
    }
  }

  /** Red flag 2: the fp32 cast in TokenNll cuts the graph, so the fp16 model's loss cannot be computed in fp32. */
  @Test
  void fp32LossOnFp16LogitsHasNoGraph() {
    long[][] ids = batch();
    try (OptModel m32 = OptModel.random(CFG, 7, Device.cpu());
        Half h = new Half(m32);
        NDManager sm = h.model.getNDManager().newSubManager()) {
      NDList in = OptModel.unpadded(sm, ids);
      NDArray targets = sm.create(TokenNll.shiftedTargets(ids));
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray nll = TokenNll.perPosition(h.logits(in), targets).sum(); // toType(FLOAT32) inside
        RuntimeException ex = assertThrows(RuntimeException.class, () -> gc.backward(nll));
        System.out.println("fp32 loss on fp16 logits: backward throws " + ex.getClass().getSimpleName() + ": "
            + ex.getMessage().lines().findFirst().orElse(""));
      }
    }
  }

  record AmpRun(List<Float> losses, int skipped, float finalScale) {}

  /** Dynamic loss scaling: fp16 leaves for forward/backward, AdamW on fp32 masters, copy back in place. */
  static AmpRun ampTrain(OptModel masters, int steps, double lr, float initScale, int growthInterval) {
    long[][] ids = batch();
    long n = predictions(ids);
    Map<String, Parameter> mp = masters.block().parametersByName();
    List<Float> losses = new ArrayList<>();
    int skipped = 0;
    float scale = initScale;
    int good = 0;
    try (Half h = new Half(masters); AdamW opt = new AdamW(masters.manager(), 0.9, 0.999, 1e-8, 0.01)) {
      for (int iter = 0; losses.size() < steps && iter < steps + 40; iter++) {
        try (NDManager sm = h.model.getNDManager().newSubManager()) {
          NDList in = OptModel.unpadded(sm, ids);
          NDArray targets = sm.create(TokenNll.shiftedTargets(ids));
          float loss;
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray per = nllSameDtype(h.logits(in), targets);
            loss = per.toType(DataType.FLOAT32, false).sum().getFloat() / n;
            // scale/N applied per position before the sum: the fp16 forward value of the sum may overflow,
            // but the backward only needs the fp16 factor scale/N (< 65504)
            NDArray factor = sm.create(scale / n).toType(DataType.FLOAT16, false);
            gc.backward(per.mul(factor).sum());
          }
          JniUtils.setGradMode(false);
          Map<String, NDArray> weights = new LinkedHashMap<>();
          Map<String, NDArray> grads = new LinkedHashMap<>();
          List<NDArray> halfGrads = new ArrayList<>();
          boolean finite = true;
          for (Map.Entry<String, Parameter> e : h.block.parametersByName().entrySet()) {
            NDArray g16 = e.getValue().getArray().getGradient();
            g16.attach(sm);
            halfGrads.add(g16);
            NDArray g32 = g16.toType(DataType.FLOAT32, false);
            g32.attach(sm);
            if (g32.isInfinite().any().getBoolean() || g32.isNaN().any().getBoolean()) {
              finite = false;
            }
            g32.divi(scale);
            weights.put(e.getKey(), mp.get(e.getKey()).getArray());
            grads.put(e.getKey(), g32);
          }
          for (NDArray g : halfGrads) {
            g.set(new NDIndex("..."), 0f); // not muli(0): inf * 0 = NaN would poison every later step
          }
          if (!finite) {
            skipped++;
            scale /= 2;
            good = 0;
            continue;
          }
          opt.step(weights, grads, lr);
          h.copyFrom(mp);
          losses.add(loss);
          if (++good == growthInterval) {
            scale *= 2;
            good = 0;
          }
        }
      }
      // the fp16 leaves hold exactly the rounded masters after the in-place copy
      for (Map.Entry<String, Parameter> e : h.block.parametersByName().entrySet()) {
        try (NDManager tmp = h.model.getNDManager().newSubManager()) {
          NDArray want = mp.get(e.getKey()).getArray().toType(DataType.FLOAT16, false);
          want.attach(tmp);
          NDArray got = e.getValue().getArray().duplicate();
          got.attach(tmp);
          assertTrue(want.contentEquals(got), e.getKey() + ": fp16 leaf != fp16(master)");
        }
      }
    }
    return new AmpRun(losses, skipped, scale);
  }

  @Test
  void dynamicLossScalingWithFp32MastersTracksFp32Training() {
    int steps = 12;
    double lr = 1e-2;
    List<Float> ref = new ArrayList<>();
    try (OptModel m = OptModel.random(CFG, 7, Device.cpu());
        AdamW opt = new AdamW(m.manager(), 0.9, 0.999, 1e-8, 0.01)) {
      for (int i = 0; i < steps; i++) {
        ref.add((float) TrainStep.run(m, opt, List.<long[][]>of(batch()), lr, 0, 0).loss());
      }
    }
    AmpRun amp;
    try (OptModel masters = OptModel.random(CFG, 7, Device.cpu())) {
      amp = ampTrain(masters, steps, lr, 1 << 20, 4);
    }
    double worst = 0;
    for (int i = 0; i < steps; i++) {
      worst = Math.max(worst, Math.abs(amp.losses().get(i) - ref.get(i)) / ref.get(i));
    }
    System.out.println("fp32 losses: " + ref);
    System.out.println("amp  losses: " + amp.losses());
    System.out.printf("amp: %d skipped steps (init scale 2^20), final scale %.0f, worst loss rel diff %.2e%n",
        amp.skipped(), amp.finalScale(), worst);
    assertEquals(steps, amp.losses().size());
    assertTrue(amp.skipped() >= 1, "2^20 should overflow fp16 grads at least once");
    assertTrue(amp.losses().get(steps - 1) < amp.losses().get(0) - 0.3, "amp training does not learn");
    assertTrue(worst < 2e-2, "amp loss curve diverges from fp32: " + worst);
  }

  // ---------------------------------------------------------------- 2. TorchScript cast helper

  static Path helper(String name) throws Exception {
    Path p = Files.createTempFile(name, ".pt");
    p.toFile().deleteOnExit();
    try (InputStream s = MixedPrecisionSpikeTest.class.getResourceAsStream("/amp/" + name)) {
      Files.copy(s, p, StandardCopyOption.REPLACE_EXISTING);
    }
    return p;
  }

  static PtSymbolBlock load(PtNDManager m, String name) throws Exception {
    return JniUtils.loadModule(m, helper(name), true, new String[0], new String[0], false);
  }

  static NDArray toFp32(PtSymbolBlock cast, NDArray x) {
    NDArray dummy = x.getManager().create(0f);
    dummy.setName("module_method:to_fp32");
    return IValueUtils.forward(cast, new NDList(x, dummy), true).head();
  }

  @Test
  void torchScriptFp16CastIsDifferentiable() throws Exception {
    try (PtNDManager m = (PtNDManager) NDManager.newBaseManager(Device.cpu())) {
      PtSymbolBlock cast = load(m, "cast_fp16.pt");
      assertTrue(List.of(JniUtils.getMethodNames(cast)).contains("to_fp32"));
      Engine.getInstance().setRandomSeed(3);
      NDArray w = m.randomNormal(0, 1, new Shape(16, 8), DataType.FLOAT32);
      NDArray x = m.randomNormal(0, 1, new Shape(4, 16), DataType.FLOAT32);
      w.setRequiresGradient(true);
      NDArray w16;
      NDArray y32;
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        w16 = IValueUtils.forward(cast, new NDList(w), true).head();
        NDArray y16 = x.toType(DataType.FLOAT16, false).matMul(w16);
        y32 = toFp32(cast, y16);
        gc.backward(y32.square().sum()); // loss in fp32, graph intact through both casts
      }
      JniUtils.setGradMode(false);
      NDArray g = w.getGradient();
      NDArray ref = x.transpose().matMul(x.matMul(w)).mul(2f); // d/dw sum((xw)^2)
      double[] r = relErr(g, ref);
      System.out.printf("TorchScript fp16 cast: w16 %s, y32 %s, master grad %s, rel err vs fp32 norm %.2e max %.2e%n",
          w16.getDataType(), y32.getDataType(), g.getDataType(), r[0], r[1]);
      assertEquals(DataType.FLOAT16, w16.getDataType());
      assertEquals(DataType.FLOAT32, y32.getDataType());
      assertEquals(DataType.FLOAT32, g.getDataType());
      assertTrue(r[0] < 5e-3, "grad rel err " + r[0]);
    }
  }

  /**
   * Option 2 without touching production code: a ParameterStore that hands every fp32 master out through the
   * TorchScript cast, so the unchanged OptForCausalLM computes in half and autograd delivers fp32 grads to the masters.
   */
  static final class CastingStore extends ParameterStore {
    final PtSymbolBlock cast;
    NDManager step; // owns the cast copies (IValueUtils results would otherwise land on the model's manager)
    int calls;

    CastingStore(NDManager m, PtSymbolBlock cast) {
      super(m, false);
      this.cast = cast;
    }

    @Override
    public NDArray getValue(Parameter p, Device d, boolean training) {
      NDArray w = super.getValue(p, d, training);
      NDArray h = IValueUtils.forward(cast, new NDList(w), true).head();
      h.attach(step);
      calls++;
      return h;
    }
  }

  /** Loss in fp32 (the unchanged TokenNll) on logits brought back with the helper's to_fp32. */
  static NDArray castModelNll(OptModel m, CastingStore cs, NDManager sm, long[][] ids) {
    cs.step = sm;
    NDArray logits16 = m.block().forward(cs, OptModel.unpadded(sm, ids), true).get(0);
    if (logits16.getDataType() != DataType.FLOAT16) {
      throw new AssertionError("logits " + logits16.getDataType());
    }
    NDArray logits = toFp32(cs.cast, logits16);
    logits.attach(sm);
    return TokenNll.perPosition(logits, sm.create(TokenNll.shiftedTargets(ids))).sum();
  }

  @Test
  void castingParameterStoreGivesFp32MasterGradsAndTrains() throws Exception {
    long[][] ids = batch();
    long n = predictions(ids);
    int steps = 12;
    double lr = 1e-2;
    List<Float> ref = new ArrayList<>();
    try (OptModel m = OptModel.random(CFG, 7, Device.cpu());
        AdamW opt = new AdamW(m.manager(), 0.9, 0.999, 1e-8, 0.01)) {
      for (int i = 0; i < steps; i++) {
        ref.add((float) TrainStep.run(m, opt, List.<long[][]>of(ids), lr, 0, 0).loss());
      }
    }
    Map<String, NDArray> refGrads = new LinkedHashMap<>();
    try (OptModel m = OptModel.random(CFG, 7, Device.cpu());
        NDManager sm = m.manager().newSubManager()) {
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray nll = TokenNll.perPosition(m.forward(OptModel.unpadded(sm, ids), true).get(0),
            sm.create(TokenNll.shiftedTargets(ids))).sum();
        gc.backward(nll.div(sm.create((float) n)));
      }
      JniUtils.setGradMode(false);
      for (Map.Entry<String, Parameter> e : m.block().parametersByName().entrySet()) {
        NDArray g = e.getValue().getArray().getGradient();
        refGrads.put(e.getKey(), g.duplicate());
        g.close();
      }
      try (OptModel masters = OptModel.random(CFG, 7, Device.cpu());
          AdamW opt = new AdamW(masters.manager(), 0.9, 0.999, 1e-8, 0.01)) {
        CastingStore cs = new CastingStore(masters.manager(), load((PtNDManager) masters.manager(), "cast_fp16.pt"));
        List<Float> amp = new ArrayList<>();
        float scale = 1 << 20;
        int skipped = 0;
        int good = 0;
        double worstGrad = 0;
        long castNanos = 0;
        int fetchesPerForward = 0;
        for (int iter = 0; amp.size() < steps && iter < steps + 40; iter++) {
          try (NDManager step = masters.manager().newSubManager()) {
            float loss;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
              cs.calls = 0;
              NDArray nll = castModelNll(masters, cs, step, ids);
              fetchesPerForward = cs.calls;
              loss = nll.getFloat() / n;
              gc.backward(nll.mul(step.create(scale / n))); // scaled in fp32: no fp16 overflow of the factor
            }
            JniUtils.setGradMode(false);
            Map<String, NDArray> weights = new LinkedHashMap<>();
            Map<String, NDArray> grads = new LinkedHashMap<>();
            boolean finite = true;
            for (Map.Entry<String, Parameter> e : masters.block().parametersByName().entrySet()) {
              NDArray w = e.getValue().getArray();
              NDArray g = w.getGradient();
              g.attach(step);
              if (g.getDataType() != DataType.FLOAT32) {
                throw new AssertionError("master grad " + g.getDataType());
              }
              finite &= !(g.isInfinite().any().getBoolean() || g.isNaN().any().getBoolean());
              weights.put(e.getKey(), w);
              grads.put(e.getKey(), g);
            }
            if (finite) {
              for (NDArray g : grads.values()) {
                g.divi(scale);
              }
              if (amp.isEmpty()) {
                for (Map.Entry<String, NDArray> e : grads.entrySet()) {
                  if (!e.getKey().endsWith("k_proj.bias")) {
                    worstGrad = Math.max(worstGrad, relErr(e.getValue(), refGrads.get(e.getKey()))[0]);
                  }
                }
              }
              opt.step(weights, grads, lr);
              amp.add(loss);
              if (++good == 4) {
                scale *= 2;
                good = 0;
              }
            } else {
              skipped++;
              scale /= 2;
              good = 0;
            }
            for (NDArray g : grads.values()) {
              g.set(new NDIndex("..."), 0f);
            }
          }
        }
        // cost of the differentiable cast: one JNI + TorchScript call per parameter fetch
        try (NDManager step = masters.manager().newSubManager()) {
          cs.step = step;
          NDArray w = masters.block().parametersByName().get("decoder.layers.0.fc1.bias").getArray();
          JniUtils.setGradMode(true);
          for (int i = 0; i < 200; i++) {
            cs.getValue(masters.block().parametersByName().get("decoder.layers.0.fc1.bias"), Device.cpu(), true);
          }
          long t0 = System.nanoTime();
          for (int i = 0; i < 2000; i++) {
            cs.getValue(masters.block().parametersByName().get("decoder.layers.0.fc1.bias"), Device.cpu(), true);
          }
          castNanos = (System.nanoTime() - t0) / 2000;
          long t1 = System.nanoTime();
          for (int i = 0; i < 2000; i++) {
            w.toType(DataType.FLOAT16, false).attach(step);
          }
          long toTypeNanos = (System.nanoTime() - t1) / 2000;
          JniUtils.setGradMode(false);
          System.out.printf("cast cost per parameter fetch: TorchScript helper %.1f us, DJL toType %.1f us "
              + "(%d fetches per forward here)%n", castNanos / 1e3, toTypeNanos / 1e3, fetchesPerForward);
        }
        double worst = 0;
        for (int i = 0; i < steps; i++) {
          worst = Math.max(worst, Math.abs(amp.get(i) - ref.get(i)) / ref.get(i));
        }
        System.out.println("fp32 losses:      " + ref);
        System.out.println("cast-store losses: " + amp);
        System.out.printf("cast-store: step-1 master grads worst norm-rel %.2e vs fp32; %d skipped, final scale %.0f, "
            + "worst loss rel diff %.2e%n", worstGrad, skipped, scale, worst);
        assertEquals(steps, amp.size());
        assertTrue(worstGrad < 5e-2, "grad rel err " + worstGrad);
        assertTrue(worst < 2e-2, "loss curve rel diff " + worst);
      }
    }
  }

  /** Child-JVM probes on bf16 tensors from the helper: name → (expected exit 0?). */
  @Test
  void bf16ProbesInChildJvms() throws Exception {
    Map<String, Integer> exit = new LinkedHashMap<>();
    Map<String, String> out = new LinkedHashMap<>();
    for (String probe : List.of("bf16-grad", "bf16-ops", "bf16-softmax", "bf16-logsoftmax", "bf16-model")) {
      String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder pb = new ProcessBuilder(List.of(java, "-Xmx512m", "-Dai.djl.offline=true",
          "-DOPT_OUT_TRACKING=true", "-Dai.djl.pytorch.num_threads=1", "-cp", cp,
          MixedPrecisionSpikeTest.class.getName(), probe)).redirectErrorStream(true).directory(new File("."));
      pb.environment().put("PYTORCH_FLAVOR", "cpu");
      Process p = pb.start();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      Thread t = new Thread(() -> {
        try (InputStream s = p.getInputStream()) {
          s.transferTo(buf);
        } catch (Exception ignored) {
          // child died
        }
      });
      t.start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      t.join(5000);
      String text = buf.toString(StandardCharsets.UTF_8);
      exit.put(probe, p.exitValue());
      out.put(probe, text);
      String tail = text.lines().filter(l -> l.startsWith("PROBE") || l.contains("terminate") || l.contains("SIG"))
          .reduce("", (a, b) -> a + "\n    " + b);
      System.out.printf("child %-16s exit %d%s%n", probe, p.exitValue(), tail);
    }
    assertEquals(0, exit.get("bf16-grad"), out.get("bf16-grad"));
    assertTrue(out.get("bf16-grad").contains("PROBE OK bf16-grad"));
    assertEquals(0, exit.get("bf16-ops"), out.get("bf16-ops"));
    // DJL-NOTES red flag 1: softmax / logSoftmax on bf16 (UNKNOWN) tensors kill the JVM
    assertTrue(exit.get("bf16-softmax") != 0 && !out.get("bf16-softmax").contains("PROBE OK"), out.get("bf16-softmax"));
    // the unchanged model with a bf16 casting store dies in attention's softmax
    assertTrue(exit.get("bf16-model") != 0 && !out.get("bf16-model").contains("PROBE OK"), out.get("bf16-model"));
    assertTrue(exit.get("bf16-logsoftmax") != 0 && !out.get("bf16-logsoftmax").contains("PROBE OK"),
        out.get("bf16-logsoftmax"));
  }

  /** Child-JVM entry point for {@link #bf16ProbesInChildJvms}. */
  public static void main(String[] args) throws Exception {
    String probe = args[0];
    Engine.getInstance();
    JniUtils.setNumThreads(1);
    try (PtNDManager m = (PtNDManager) NDManager.newBaseManager(Device.cpu())) {
      PtSymbolBlock cast = load(m, "cast_bf16.pt");
      Engine.getInstance().setRandomSeed(3);
      NDArray w = m.randomNormal(0, 1, new Shape(16, 8), DataType.FLOAT32);
      NDArray x = m.randomNormal(0, 1, new Shape(4, 16), DataType.FLOAT32);
      w.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray w16 = IValueUtils.forward(cast, new NDList(w), true).head();
        NDArray x16 = IValueUtils.forward(cast, new NDList(x), true).head();
        System.out.println("PROBE dtype of bf16 tensor in DJL: " + w16.getDataType());
        System.out.flush();
        NDArray y = x16.matMul(w16); // (4, 8) bf16
        switch (probe) {
          case "bf16-grad" -> {
            NDArray y32 = toFp32(cast, y);
            gc.backward(y32.square().sum());
            JniUtils.setGradMode(false);
            NDArray g = w.getGradient();
            NDArray ref = x.transpose().matMul(x.matMul(w)).mul(2f);
            double[] r = relErr(g, ref);
            System.out.printf("PROBE bf16 master grad %s rel err vs fp32 norm %.2e max %.2e%n", g.getDataType(), r[0],
                r[1]);
            if (g.getDataType() != DataType.FLOAT32 || r[0] > 5e-2) {
              System.exit(3);
            }
          }
          case "bf16-ops" -> {
            NDArray gamma = IValueUtils.forward(cast, new NDList(m.ones(new Shape(8))), true).head();
            NDArray beta = IValueUtils.forward(cast, new NDList(m.zeros(new Shape(8))), true).head();
            NDArray z = LayerNorm.layerNorm(y, new Shape(8), gamma, beta, 1e-5f).head();
            z = Activation.gelu(z).add(Activation.relu(y)).mul(y);
            NDArray z32 = z.toType(DataType.FLOAT32, false); // no grad, but must not crash
            NDArray s32 = toFp32(cast, z).softmax(-1); // softmax in fp32 is fine
            gc.backward(toFp32(cast, z).sum().add(s32.max()));
            System.out.printf("PROBE bf16 layerNorm/gelu/relu/add/mul ok, toType(F32) %s, grad %s%n",
                z32.getDataType(), w.getGradient().getDataType());
          }
          case "bf16-model" -> {
            try (OptModel om = OptModel.random(CFG, 7, Device.cpu());
                NDManager sm = om.manager().newSubManager()) {
              CastingStore cs = new CastingStore(om.manager(), load((PtNDManager) om.manager(), "cast_bf16.pt"));
              cs.step = sm;
              System.out.println("PROBE bf16 model forward starting");
              System.out.flush();
              NDArray lg = om.block().forward(cs, OptModel.unpadded(sm, batch()), true).get(0);
              System.out.println("PROBE bf16 model logits " + lg.getDataType());
            }
          }
          case "bf16-softmax" -> System.out.println("PROBE softmax " + y.softmax(-1).getDataType());
          case "bf16-logsoftmax" -> System.out.println("PROBE logSoftmax " + y.logSoftmax(-1).getDataType());
          default -> throw new IllegalArgumentException(probe);
        }
      }
    }
    System.out.println("PROBE OK " + probe);
    System.out.flush();
  }
}
