package dev.ouroboros.harness.cli;

import ai.djl.Device;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.harness.base.OptParameters;
import dev.ouroboros.harness.bench.ModelFlops;
import dev.ouroboros.harness.bench.PeakRss;
import dev.ouroboros.harness.bench.PeakTflops;
import dev.ouroboros.harness.bench.PeerPython;
import dev.ouroboros.harness.config.ConfigWords;
import dev.ouroboros.models.Attention;
import dev.ouroboros.models.Devices;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.Placement;
import dev.ouroboros.models.Precision;
import dev.ouroboros.models.PrecisionChoice;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.decode.GenerationOptions;
import dev.ouroboros.models.decode.GenerationResult;
import dev.ouroboros.models.decode.Generator;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * {@code ouro generate bench}: new tokens per second of the {@link Generator} under the Shumailov
 * protocol (5-beam search, repetition penalty 3.0, exactly {@code --new-tokens} new tokens, EOS
 * masked until then) on random weights and random 64-token prompts, and — with a Python that has
 * torch and transformers ({@link PeerPython}) — HF {@code generate} on the same shape and the very
 * same prompts in a child process ({@code scripts/bench/generate_bench_hf.py}), with the ratio and
 * each side's peak RSS. On CUDA (or with {@code --peak-tflops}) also the model FLOPs utilisation,
 * {@link ModelFlops#GENERATE}. Not a test: numbers on a shared CPU are noisy.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Generation throughput: DJL Generator vs HF generate, Shumailov protocol (5-beam, repetition"
                    + " penalty 3.0, exactly --new-tokens new tokens), random weights and random"
                    + " 64-token prompts.",
            "Prints new tokens/s, the ratio, each side's peak RSS (the HF side in its own process), and on"
                    + " CUDA device memory and MFU (2*N*new tokens/s over the GPU's peak)."
        })
public final class GenerateBench implements Callable<Integer> {
    /** Tokens per prompt: Shumailov et al.'s 64-token blocks (BOS, then 63 random ids). */
    static final int PROMPT_LEN = 64;

    @Spec CommandSpec spec;

    @Option(
            names = "--shape",
            defaultValue = "opt-125m",
            description = "opt-125m | tiny (default: ${DEFAULT-VALUE}).")
    String shape;

    @Option(
            names = "--batch",
            defaultValue = "8",
            description = "Prompts per generate call (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--new-tokens",
            defaultValue = "64",
            description = "Exactly this many new tokens per prompt (default: ${DEFAULT-VALUE}).")
    int newTokens;

    @Option(
            names = "--repeat",
            defaultValue = "2",
            description =
                    "Timed calls after one warm-up; the best is reported (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(
            names = "--threads",
            defaultValue = "0",
            description =
                    "Intra-op threads on both sides; 0 keeps libtorch's default (default: ${DEFAULT-VALUE}).")
    int threads;

    @Mixin DeviceOption device;

    @Option(
            names = "--precision",
            defaultValue = "auto",
            description =
                    "auto | fp32 | bf16 | fp16, both sides: the weights and the KV cache in that type (HF:"
                            + " the model loaded with that torch_dtype); auto is bf16 on a GPU of compute"
                            + " capability >= 8.0, else fp32 (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(
            names = "--attn",
            defaultValue = "sdpa",
            description = "sdpa | eager, for both sides (default: ${DEFAULT-VALUE}).")
    String attn;

    @Option(
            names = "--seed",
            defaultValue = "0",
            description = "Seed of the prompts and the weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--peak-tflops",
            description =
                    "Peak TFLOPS for MFU (default: a table by GPU name: H100/H200 989 bf16 and 67 fp32,"
                            + " A100 312 / 19.5, L4 121 / 30.3); given, MFU is printed on the CPU too.")
    Double peakTflops;

    @Option(
            names = "--python",
            description =
                    "Python with torch + transformers for the HF side (default: $OURO_PYTHON, else"
                            + " .venv/bin/python if present; 'none' skips).")
    String python;

    /** What the DJL side measured. */
    record DjlRun(double[] seconds, long peakRssBytes, long gpuUsedBefore, long gpuUsedAfter) {}

    @Override
    public Integer call() throws IOException {
        checkOptions();
        PeakTflops given = peakTflops == null ? null : PeakTflops.given(peakTflops);
        PrecisionChoice asked = PrecisionChoice.parse("--precision", precision);
        Attention attention = ConfigWords.parse(Attention.class, "--attn", attn);
        OptConfig cfg = checkedShape();
        Placement where = device.resolve(asked);
        Precision p = where.precision();
        if (p.isHalf() && attention != Attention.SDPA) {
            throw new UserInputException(
                    "--precision "
                            + p.label()
                            + " decodes through the fused step: use --attn sdpa");
        }
        PrintWriter err = spec.commandLine().getErr();
        err.println(where.line());
        err.flush();
        Device dev = where.device();
        ai.djl.engine.Engine.getInstance(); // loads the native library before any JniUtils call
        if (threads > 0) {
            JniUtils.setNumThreads(threads);
        }
        int usedThreads = JniUtils.getNumThreads();
        long[][] prompts = prompts(batch, cfg.vocabSize(), seed);
        DjlRun djl = runDjl(cfg, attention, p, dev, prompts, newTokens, repeat, seed);
        double djlBest = Arrays.stream(djl.seconds()).min().orElseThrow();
        double djlRate = batch * (double) newTokens / djlBest;
        PrintWriter out = spec.commandLine().getOut();
        out.printf(
                Locale.ROOT,
                "shape %s | %d prompts x %d tokens, %d new | beam 5, repetition penalty 3.0 | %s | %s |"
                        + " attention %s | threads %d%n",
                shape,
                batch,
                PROMPT_LEN,
                newTokens,
                Devices.describe(dev),
                p.label(),
                ConfigWords.word(attention),
                usedThreads);
        out.printf(
                Locale.ROOT,
                "djl   : best %.3f s (median %.3f over %d) | %.1f new tok/s | peak RSS %s (VmHWM, this JVM)%n",
                djlBest,
                TrainBench.median(djl.seconds()),
                repeat,
                djlRate,
                PeakRss.gib(djl.peakRssBytes()));
        JsonNode hf = runPeer(attention, p, dev, prompts, usedThreads);
        double hfRate = hf == null ? Double.NaN : printPeer(out, hf, djlRate);
        printDevice(out, dev, p, given, cfg, djl, hf, djlRate, hfRate);
        out.flush();
        return 0;
    }

    private void checkOptions() {
        positive("--batch", batch);
        positive("--new-tokens", newTokens);
        positive("--repeat", repeat);
        if (threads < 0) {
            throw new UserInputException(
                    "--threads must be 0 (libtorch's default) or more, got " + threads);
        }
    }

    /** The {@code --shape}, refused when the prompts and new tokens exceed its positions. */
    private OptConfig checkedShape() {
        OptConfig cfg = shape(shape);
        if (PROMPT_LEN + newTokens > cfg.maxPositionEmbeddings()) {
            throw new UserInputException(
                    "--new-tokens "
                            + newTokens
                            + ": "
                            + PROMPT_LEN
                            + " prompt tokens + new tokens exceed the "
                            + shape
                            + " shape's "
                            + cfg.maxPositionEmbeddings()
                            + " positions");
        }
        return cfg;
    }

    /** The peer's line and the ratio; returns its new tokens/s. */
    private static double printPeer(PrintWriter out, JsonNode hf, double djlRate) {
        double hfRate = hf.get("new_tokens_per_s").asDouble();
        out.printf(
                Locale.ROOT,
                "hf    : best %.3f s (median %.3f over %d) | %.1f new tok/s | peak RSS %s (VmHWM, its own"
                        + " process) (torch %s, transformers %s)%n",
                hf.get("best_s").asDouble(),
                hf.get("median_s").asDouble(),
                hf.get("times").size(),
                hfRate,
                PeakRss.gib(hf.get("peak_rss_bytes").asLong()),
                hf.get("torch").asText(),
                hf.get("transformers").asText());
        out.printf(Locale.ROOT, "ratio : djl/hf new tokens/s = %.2f%n", djlRate / hfRate);
        return hfRate;
    }

    /** On a GPU: its memory; on a GPU or with {@code --peak-tflops}: MFU. */
    private static void printDevice(
            PrintWriter out,
            Device dev,
            Precision p,
            PeakTflops given,
            OptConfig cfg,
            DjlRun djl,
            JsonNode hf,
            double djlRate,
            double hfRate) {
        if (dev.isGpu()) {
            out.printf(
                    Locale.ROOT,
                    "gpu   : djl %s in use on the device after the run, %s before (CUDA's used memory, every"
                            + " process; libtorch's caching allocator keeps its peak reservation; DJL has no"
                            + " peak-allocated counter)%s%n",
                    PeakRss.gib(djl.gpuUsedAfter()),
                    PeakRss.gib(djl.gpuUsedBefore()),
                    hf != null && hf.has("cuda_peak_allocated_bytes")
                            ? " | hf peak allocated "
                                    + PeakRss.gib(hf.get("cuda_peak_allocated_bytes").asLong())
                                    + " (torch.cuda.max_memory_allocated)"
                            : "");
        }
        if (dev.isGpu() || given != null) {
            PeakTflops.Found f =
                    PeakTflops.find(
                            given,
                            dev.getDeviceId(),
                            hf != null && hf.has("device_name")
                                    ? hf.get("device_name").asText()
                                    : null,
                            p);
            out.println(
                    ModelFlops.GENERATE.line(
                                    OptParameters.count(cfg),
                                    djlRate,
                                    hfRate,
                                    f.peak(),
                                    f.gpu(),
                                    "hf")
                            + " (new tokens as returned; a beam search computes 5 rows for each)");
        }
    }

    static OptConfig shape(String name) {
        return TrainBench.shape(name).withDropout(0f, 0f);
    }

    private static void positive(String option, int v) {
        if (v < 1) {
            throw new UserInputException(option + " must be at least 1, got " + v);
        }
    }

    /** {@code n} prompts of {@link #PROMPT_LEN} ids: BOS (2), then ids drawn from [4, vocab). */
    static long[][] prompts(int n, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        long[][] p = new long[n][PROMPT_LEN];
        for (long[] row : p) {
            row[0] = 2;
            for (int j = 1; j < PROMPT_LEN; j++) {
                row[j] = 4 + r.nextInt(vocab - 4);
            }
        }
        return p;
    }

    /** Seconds per timed {@code generate} call (after one warm-up call of 2 new tokens). */
    static DjlRun runDjl(
            OptConfig cfg,
            Attention attention,
            Precision precision,
            Device dev,
            long[][] prompts,
            int newTokens,
            int repeat,
            long seed) {
        long before = used(dev);
        List<long[]> batch = Arrays.asList(prompts);
        GenerationOptions o = GenerationOptions.shumailov(newTokens);
        double[] t = new double[repeat];
        try (LanguageModel model = LanguageModel.random(cfg, seed, dev).attention(attention)) {
            Generator gen = new Generator(model).precision(precision);
            int warm = Math.min(2, newTokens);
            gen.generate(batch, o.withNewTokens(warm, warm));
            for (int i = 0; i < repeat; i++) {
                long t0 = System.nanoTime();
                GenerationResult r = gen.generate(batch, o);
                t[i] = (System.nanoTime() - t0) / 1e9;
                for (long[] row : r.tokens()) {
                    if (row.length != newTokens) {
                        throw new IllegalStateException(
                                row.length + " new tokens, expected exactly " + newTokens);
                    }
                }
            }
            return new DjlRun(t, PeakRss.bytes(), before, used(dev));
        }
    }

    /** CUDA's used memory of {@code dev} (every process), or -1 on the CPU. */
    private static long used(Device dev) {
        if (!dev.isGpu()) {
            return -1;
        }
        try {
            return ai.djl.util.cuda.CudaUtils.getGpuMemory(dev).getCommitted();
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }

    /** The HF side's JSON, or null after printing the one line that says why it was skipped. */
    private JsonNode runPeer(
            Attention attention, Precision p, Device dev, long[][] prompts, int usedThreads) {
        PeerPython py = PeerPython.find(python);
        PeerPython.Outcome r;
        if (py.python() == null) {
            r = new PeerPython.Outcome(null, py.skipped());
        } else {
            Path file;
            try {
                file = Files.createTempFile("ouro-genbench-prompts", ".json");
                new ObjectMapper().writeValue(file.toFile(), prompts);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                r =
                        py.run(
                                PeerPython.script("generate_bench_hf.py"),
                                new ArrayList<>(
                                        List.of(
                                                "--shape",
                                                shape,
                                                "--prompts",
                                                file.toString(),
                                                "--new-tokens",
                                                "" + newTokens,
                                                "--repeat",
                                                "" + repeat,
                                                "--threads",
                                                "" + usedThreads,
                                                "--device",
                                                dev.isGpu() ? "cuda:" + dev.getDeviceId() : "cpu",
                                                "--attn",
                                                ConfigWords.word(attention),
                                                "--dtype",
                                                p.label(),
                                                "--seed",
                                                "" + seed)));
            } finally {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    // a temp file left behind is harmless
                }
            }
        }
        if (r.json() == null) {
            spec.commandLine().getOut().println("hf    : skipped (" + r.skipped() + ")");
        }
        return r.json();
    }
}
