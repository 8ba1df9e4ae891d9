package dev.ouroboros.models.decode;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.ouroboros.models.Attention;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Decoding benchmark (not a test; see docs/benchmarks.md for the command and the figures).
 *
 * <pre>
 * PYTORCH_FLAVOR=cpu mvn -q -B -pl models test-compile org.codehaus.mojo:exec-maven-plugin:3.5.0:java \
 *   -Dexec.classpathScope=test -Dexec.mainClass=dev.ouroboros.models.decode.DecodeBench \
 *   -Dexec.args="--threads 2 --batch 4 --repeat 2"
 * </pre>
 *
 * <p>{@code --profile FILE.json} also records one beam-5 run with libtorch's profiler (a Chrome
 * trace per config; summarised per op by scripts/bench/profile_ops.py).
 *
 * <p>Two parts, each for the {@code tiny} (golden fixture shape), {@code smoke}
 * (configs/smoke.yaml's model) and {@code opt125m} (random weights) configs: (1) time per new token
 * at prompt lengths {@code --positions} (default 16, 256, 1024), greedy batch 1, with and without
 * the KV cache: the median of the n step times after the prefill (timestamps from the generator's
 * step hook); (2) generation throughput for Shumailov-style 64-token prompts and exactly 64 new
 * tokens, greedy and beam-5 with repetition penalty 3.0, reported as new tokens per second
 * (returned tokens, not beam rows).
 */
public final class DecodeBench {
    private DecodeBench() {}

    public static void main(String[] args) {
        System.setProperty("ai.djl.offline", "true");
        int threads = 2;
        int batch = 4;
        int repeat = 2;
        int perTokenSteps = 16;
        boolean throughput = true;
        int[] positions = {16, 256, 1024};
        Attention attention = Attention.SDPA;
        List<String> configs = new ArrayList<>(List.of("tiny", "opt125m"));
        String profile = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--batch" -> batch = Integer.parseInt(args[++i]);
                case "--repeat" -> repeat = Integer.parseInt(args[++i]);
                case "--steps" -> perTokenSteps = Integer.parseInt(args[++i]);
                case "--configs" -> configs = Arrays.asList(args[++i].split(","));
                case "--no-throughput" -> throughput = false;
                case "--positions" ->
                        positions =
                                Arrays.stream(args[++i].split(","))
                                        .mapToInt(Integer::parseInt)
                                        .toArray();
                case "--attn" -> attention = Attention.valueOf(args[++i].toUpperCase());
                case "--profile" -> profile = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Engine.getEngine("PyTorch"); // load natives first
        ai.djl.pytorch.jni.JniUtils.setNumInteropThreads(1);
        ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        System.out.printf(
                "# DecodeBench threads=%d batch=%d repeat=%d attention=%s (best of repeat)%n",
                threads, batch, repeat, attention);
        Attention.select(attention);
        for (String name : configs) {
            OptConfig cfg = config(name);
            try (LanguageModel model = LanguageModel.random(cfg, 1234, Device.cpu())) {
                Generator gen = new Generator(model);
                List<long[]> warm = prompts(2, 32, cfg.vocabSize(), 1);
                for (int i = 0; i < 3; i++) { // JIT and allocator warm-up
                    gen.generate(warm, GenerationOptions.greedy(16));
                    gen.generate(warm, GenerationOptions.shumailov(8));
                    gen.generate(warm, GenerationOptions.greedy(4).withCache(false));
                }
                for (int len : positions) {
                    if (len + 1 + perTokenSteps > cfg.maxPositionEmbeddings()) {
                        continue;
                    }
                    List<long[]> p = prompts(1, len, cfg.vocabSize(), len);
                    for (boolean cache : new boolean[] {true, false}) {
                        GenerationOptions o =
                                GenerationOptions.greedy(1 + perTokenSteps)
                                        .withNewTokens(1 + perTokenSteps, 1 + perTokenSteps)
                                        .withCache(cache);
                        double bestMedian = Double.MAX_VALUE;
                        for (int rep = 0; rep < repeat; rep++) {
                            List<Long> stamps = new ArrayList<>();
                            new Generator(model)
                                    .observeSteps(x -> stamps.add(System.nanoTime()))
                                    .generate(p, o);
                            double[] dt =
                                    new double
                                            [stamps.size()
                                                    - 1]; // stamp 0 = after prefill; then one per
                            // step
                            for (int i = 1; i < stamps.size(); i++) {
                                dt[i - 1] = (stamps.get(i) - stamps.get(i - 1)) / 1e6;
                            }
                            Arrays.sort(dt);
                            bestMedian = Math.min(bestMedian, dt[dt.length / 2]);
                        }
                        System.out.printf(
                                "%s per-token pos=%d cache=%s: %.2f ms/token (median step, best of %d)%n",
                                name, len, cache, bestMedian, repeat);
                    }
                }
                if (!throughput) {
                    continue;
                }
                List<long[]> p = prompts(batch, 64, cfg.vocabSize(), 7);
                for (String mode : new String[] {"greedy", "beam5"}) {
                    GenerationOptions o =
                            mode.equals("greedy")
                                    ? GenerationOptions.greedy(64).withNewTokens(64, 64)
                                    : GenerationOptions.shumailov(64);
                    gen.generate(p, o.withNewTokens(2, 2)); // warm-up
                    double t = best(repeat, () -> gen.generate(p, o));
                    System.out.printf(
                            "%s throughput %s batch=%d prompt=64 new=64: %.2f s, %.1f new tokens/s%n",
                            name, mode, batch, t, batch * 64 / t);
                    if (profile != null && mode.equals("beam5")) {
                        String trace = profile.replace(".json", "") + "-" + name + ".json";
                        ai.djl.pytorch.jni.JniUtils.startProfile(false, false, false);
                        gen.generate(p, o);
                        ai.djl.pytorch.jni.JniUtils.stopProfile(trace);
                        System.out.println(
                                name + " beam5 profile (libtorch's, chrome trace): " + trace);
                    }
                }
            }
        }
    }

    static OptConfig config(String name) {
        return switch (name) {
            case "tiny" -> OptConfig.tiny(1000, 64, 2, 4, 128, 1024);
            case "smoke" -> OptConfig.tiny(3200, 64, 2, 4, 256, 256); // configs/smoke.yaml's model
            case "opt125m" -> OptConfig.tiny(50272, 768, 12, 12, 3072, 2048);
            default -> throw new IllegalArgumentException("config tiny|smoke|opt125m, got " + name);
        };
    }

    /** Deterministic prompts: BOS then random ids in [4, vocab). */
    static List<long[]> prompts(int n, int len, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<long[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long[] p = new long[len];
            p[0] = 2;
            for (int j = 1; j < len; j++) {
                p[j] = 4 + r.nextInt(vocab - 4);
            }
            out.add(p);
        }
        return out;
    }

    private static double best(int repeat, Runnable r) {
        double best = Double.MAX_VALUE;
        for (int i = 0; i < repeat; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        return best;
    }
}
