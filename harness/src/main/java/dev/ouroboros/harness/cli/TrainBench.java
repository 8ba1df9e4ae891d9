package dev.ouroboros.harness.cli;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ouroboros.harness.base.OptParameters;
import dev.ouroboros.harness.bench.ModelFlops;
import dev.ouroboros.harness.bench.PeakTflops;
import dev.ouroboros.harness.bench.PeerPython;
import dev.ouroboros.harness.config.ConfigWords;
import dev.ouroboros.harness.train.AdamW;
import dev.ouroboros.harness.train.LossScaler;
import dev.ouroboros.harness.train.TrainStep;
import dev.ouroboros.models.Attention;
import dev.ouroboros.models.Devices;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.Placement;
import dev.ouroboros.models.Precision;
import dev.ouroboros.models.PrecisionChoice;
import dev.ouroboros.models.UserInputException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ouro train bench}: training throughput of {@link TrainStep} (forward, backward, clipping,
 * AdamW) on random weights and random tokens, and — when a Python with torch and transformers is
 * available — the same step in a PyTorch eager loop ({@code scripts/bench/train_torch.py}: same
 * shape, device, precision — torch.autocast for fp16/bf16 — and fused AdamW unless {@code
 * --torch-adamw} says otherwise), reported as a time-per-step ratio. Not a test: numbers on a
 * shared CPU are noisy; run it alone and repeat.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description =
                "Train-step throughput: DJL loop vs an equivalent PyTorch eager loop (random weights and tokens).")
public final class TrainBench implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--shape",
            defaultValue = "tiny",
            description = "tiny | opt-125m (default: ${DEFAULT-VALUE}).")
    String shape;

    @Option(
            names = "--batch",
            defaultValue = "4",
            description = "Rows per step (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--seq",
            defaultValue = "128",
            description = "Tokens per row (default: ${DEFAULT-VALUE}).")
    int seq;

    @Option(
            names = "--steps",
            defaultValue = "5",
            description = "Timed steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(
            names = "--warmup",
            defaultValue = "2",
            description = "Untimed steps first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Mixin DeviceOption device;

    @Option(
            names = "--precision",
            defaultValue = "auto",
            description =
                    "auto (bf16 on a GPU of compute capability >= 8.0, else fp32) | fp32 | fp16 | bf16 compute"
                            + " (fp32 masters; the reference uses torch.autocast + GradScaler)"
                            + " (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(
            names = "--attn",
            defaultValue = "sdpa",
            description =
                    "sdpa (scaled_dot_product_attention) | eager, for both loops (default: ${DEFAULT-VALUE}).")
    String attn;

    @Option(
            names = "--torch-adamw",
            defaultValue = "fused",
            description =
                    "Reference optimizer: fused (what the DJL loop runs) | foreach | single (torch's CPU default)"
                            + " (default: ${DEFAULT-VALUE}).")
    String torchAdamw;

    @Option(
            names = "--python",
            description =
                    "Python with torch + transformers for the reference loop (default: $OURO_PYTHON, else"
                            + " .venv/bin/python if present; 'none' skips).")
    String python;

    @Option(
            names = "--peak-tflops",
            description =
                    "Peak TFLOPS for MFU (default: a table by GPU name: H100/H200 989 bf16 and 67 fp32,"
                            + " A100 312 / 19.5, L4 121 / 30.3); given, MFU is printed on the CPU too.")
    Double peakTflops;

    @Override
    public Integer call() throws Exception {
        if (!List.of("fused", "foreach", "single").contains(torchAdamw)) {
            throw new UserInputException(
                    "--torch-adamw must be fused, foreach or single, got '" + torchAdamw + "'");
        }
        PeakTflops given = peakTflops == null ? null : PeakTflops.given(peakTflops);
        Attention attention = ConfigWords.parse(Attention.class, "--attn", attn);
        Attention.select(attention);
        OptConfig cfg = shape(shape);
        PrecisionChoice asked = PrecisionChoice.parse("--precision", precision);
        Placement where = device.resolve(asked);
        spec.commandLine().getErr().println(where.line());
        Device dev = where.device();
        Precision prec = where.precision();
        double[] ours = runDjl(cfg, dev, prec, batch, seq, warmup, steps);
        double djlMedian = median(ours);
        var out = spec.commandLine().getOut();
        out.printf(
                Locale.ROOT,
                "shape %s | B=%d T=%d | %s | %s | attention %s | threads %d%n",
                shape,
                batch,
                seq,
                Devices.describe(dev),
                prec.label(),
                ConfigWords.word(attention),
                JniUtils.getNumThreads());
        out.printf(
                Locale.ROOT,
                "djl   : median %.3f s/step (min %.3f, max %.3f over %d) | %.0f tok/s%n",
                djlMedian,
                Arrays.stream(ours).min().orElse(0),
                Arrays.stream(ours).max().orElse(0),
                ours.length,
                batch * seq / djlMedian);
        JsonNode ref = runPeer(dev, prec);
        double torchMedian = ref == null ? Double.NaN : printPeer(out, ref, djlMedian);
        if (dev.isGpu() || given != null) {
            PeakTflops.Found f =
                    PeakTflops.find(
                            given,
                            dev.getDeviceId(),
                            ref != null && ref.has("device_name")
                                    ? ref.get("device_name").asText()
                                    : null,
                            prec);
            out.println(
                    ModelFlops.TRAIN.line(
                            OptParameters.count(cfg),
                            batch * seq / djlMedian,
                            batch * seq / torchMedian,
                            f.peak(),
                            f.gpu(),
                            "torch"));
        }
        out.flush();
        return 0;
    }

    /** The same step in PyTorch, when a Python with torch is found; null (said why) when not. */
    private JsonNode runPeer(Device dev, Precision prec) {
        PeerPython py = PeerPython.find(python);
        PeerPython.Outcome r =
                py.python() == null
                        ? new PeerPython.Outcome(null, py.skipped())
                        : py.run(
                                PeerPython.script("train_torch.py"),
                                torchArgs(
                                        JniUtils.getNumThreads(),
                                        prec.label(),
                                        dev.isGpu() ? "cuda:" + dev.getDeviceId() : "cpu"));
        if (r.json() == null) {
            spec.commandLine().getOut().println("torch : skipped (" + r.skipped() + ")");
        }
        return r.json();
    }

    /** PyTorch's line and the ratio; returns its median seconds per step. */
    private double printPeer(java.io.PrintWriter out, JsonNode ref, double djlMedian) {
        double torchMedian = ref.get("median_s").asDouble();
        out.printf(
                Locale.ROOT,
                "torch : median %.3f s/step (min %.3f, max %.3f over %d) | %.0f tok/s (torch %s, %s, AdamW %s)%n",
                torchMedian,
                ref.get("min_s").asDouble(),
                ref.get("max_s").asDouble(),
                ref.get("steps").asInt(),
                batch * seq / torchMedian,
                ref.get("torch").asText(),
                ref.get("precision").asText(),
                ref.get("adamw").asText());
        out.printf(
                Locale.ROOT,
                "ratio : djl/torch time per step = %.2f (target <= 1.20)%n",
                djlMedian / torchMedian);
        return torchMedian;
    }

    static OptConfig shape(String name) {
        return switch (name) {
            case "tiny" -> OptConfig.tiny(1000, 64, 2, 4, 256, 128).withDropout(0.1f, 0.0f);
            case "opt-125m" ->
                    OptConfig.tiny(50272, 768, 12, 12, 3072, 2048).withDropout(0.1f, 0.0f);
            default ->
                    throw new UserInputException(
                            "--shape must be tiny or opt-125m, got '" + name + "'");
        };
    }

    /** Seconds per timed step of {@link TrainStep#run}. */
    public static double[] runDjl(
            OptConfig cfg,
            Device dev,
            Precision precision,
            int batch,
            int seq,
            int warmup,
            int steps) {
        if (seq > cfg.maxPositionEmbeddings()) {
            throw new UserInputException(
                    "--seq "
                            + seq
                            + " exceeds max_position_embeddings "
                            + cfg.maxPositionEmbeddings());
        }
        ai.djl.engine.Engine.getInstance(); // loads the native library before any JniUtils call
        JniUtils.setGradMode(false);
        SplittableRandom rng = new SplittableRandom(0);
        long[][] ids = new long[batch][seq];
        for (long[] row : ids) {
            for (int j = 0; j < seq; j++) {
                row[j] = rng.nextInt(cfg.vocabSize());
            }
        }
        try (LanguageModel model = LanguageModel.random(cfg, 0, dev)) {
            AdamW opt = new AdamW(model.manager(), 0.9, 0.999, 1e-8, 0.01);
            LossScaler scaler =
                    precision.needsLossScaling() ? LossScaler.fp16() : LossScaler.disabled();
            double[] t = new double[steps];
            for (int s = 0; s < warmup + steps; s++) {
                long t0 = System.nanoTime();
                TrainStep.run(model, opt, List.<long[][]>of(ids), 1e-4, 1.0, s, precision, scaler);
                if (s >= warmup) {
                    t[s - warmup] = (System.nanoTime() - t0) / 1e9;
                }
            }
            opt.close();
            return t;
        }
    }

    private List<String> torchArgs(int threads, String precision, String device) {
        return List.of(
                "--shape",
                shape,
                "--batch",
                "" + batch,
                "--seq",
                "" + seq,
                "--warmup",
                "" + warmup,
                "--steps",
                "" + steps,
                "--threads",
                "" + threads,
                "--adamw",
                torchAdamw,
                "--precision",
                precision,
                "--device",
                device,
                "--attn",
                attn);
    }

    static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
