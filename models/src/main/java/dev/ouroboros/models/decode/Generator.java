package dev.ouroboros.models.decode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import dev.ouroboros.models.Attention;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.Precision;
import dev.ouroboros.models.UserInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;

/**
 * Batched incremental decoding for an {@link LanguageModel} with HF {@code generate} semantics (see
 * docs/decoding.md).
 *
 * <p>Prompts of different lengths are left padded to the longest with {@code pad_token_id} (mask
 * 0); the model derives positions from the mask, so each row sees the same positions as it would
 * alone. Every step feeds one token per row through the KV cache and extends the attention mask by
 * one column of ones. Each step's arrays live in their own sub-manager, closed as the next step
 * begins (its scores have been read by then), so native memory stays flat.
 *
 * <p>Runs with autograd off on the calling thread (grad mode is thread-local in libtorch,
 * docs/design.md#grad-mode-per-thread) and restores the previous mode afterwards. Not thread-safe:
 * one {@code generate} at a time per model.
 */
public final class Generator {

    final LanguageModel model;
    private int idLimit; // ids >= this are never generated
    Precision precision = Precision.FP32; // of the fused step's weights and cache
    IntConsumer stepObserver; // tests: live arrays of the generator after each step
    Consumer<List<NDArray>> liveObserver; // tests: the live arrays themselves
    private LongConsumer hostReads; // tests: values copied device → host, per copy
    private LongConsumer hostWrites; // tests: values copied host → device, per copy

    public Generator(LanguageModel model) {
        this.model = model;
        this.idLimit = model.config().vocabSize();
    }

    /**
     * Never generates an id at or above {@code limit}: the tokenizer's id count when the model's
     * embedding is padded beyond it (from-scratch models round the vocabulary up to a multiple of
     * 8; those rows are untrained, and a sampled or beam-searched id there would decode to
     * nothing). Their scores become -inf after the repetition penalty, like HF's {@code
     * SuppressTokensLogitsProcessor}.
     */
    public Generator limitIds(int limit) {
        int vocab = model.config().vocabSize();
        if (limit < 1 || limit > vocab) {
            throw new UserInputException(
                    "generation: id limit " + limit + " outside [1, " + vocab + "]");
        }
        this.idLimit = limit;
        return this;
    }

    /**
     * Decodes in {@code p}: FP32 (default) or, through the fused step (the KV cache with SDPA
     * attention), BF16 / FP16 with every weight and the cache in that dtype, as HF's model loaded
     * with that {@code torch_dtype}; the scores are processed in fp32 (HF {@code generate}).
     */
    public Generator precision(Precision p) {
        this.precision = p;
        return this;
    }

    /** Test hook: called after every step with the number of native arrays the generator holds. */
    Generator observeSteps(IntConsumer observer) {
        this.stepObserver = observer;
        return this;
    }

    /** Test hook: called after every step with the native arrays the generator holds. */
    Generator observeLiveArrays(Consumer<List<NDArray>> observer) {
        this.liveObserver = observer;
        return this;
    }

    /**
     * Test hook: called with the number of values of every device → host copy the generator makes.
     */
    Generator observeHostReads(LongConsumer observer) {
        this.hostReads = observer;
        return this;
    }

    /**
     * Test hook: called with the number of values of every host → device copy the generator makes.
     */
    Generator observeHostWrites(LongConsumer observer) {
        this.hostWrites = observer;
        return this;
    }

    /** Every host → device copy of decoding goes through these (counted by the test hook). */
    NDArray upload(NDManager m, long[][] a) {
        countWrite(a.length == 0 ? 0 : (long) a.length * a[0].length);
        return m.create(a);
    }

    NDArray upload(NDManager m, long[] a) {
        countWrite(a.length);
        return m.create(a);
    }

    NDArray upload(NDManager m, float[] a) {
        countWrite(a.length);
        return m.create(a);
    }

    NDArray upload(NDManager m, double[] a) {
        countWrite(a.length);
        return m.create(a);
    }

    private void countWrite(long values) {
        if (hostWrites != null) {
            hostWrites.accept(values);
        }
    }

    /** Every device → host copy of decoding goes through here (counted by the test hook). */
    private long[] hostLongs(NDArray a) {
        if (hostReads != null) {
            hostReads.accept(a.size());
        }
        return a.toLongArray();
    }

    double[] hostDoubles(NDArray a) {
        if (hostReads != null) {
            hostReads.accept(a.size());
        }
        return a.toDoubleArray();
    }

    private float[] hostFloats(NDArray a) {
        if (hostReads != null) {
            hostReads.accept(a.size());
        }
        return a.toFloatArray();
    }

    /**
     * Generates for every prompt (token ids without padding; OPT prompts normally start with BOS
     * 2).
     */
    public GenerationResult generate(List<long[]> prompts, GenerationOptions opts) {
        int width = validate(prompts, opts);
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (DecodeSteps steps =
                new DecodeSteps(
                        this, prompts, width, opts.maxNewTokens(), opts.padTokenId(), opts)) {
            DecodingStrategy s = opts.strategy();
            if (s instanceof DecodingStrategy.BeamSearch beam) {
                return beamSearch(steps, opts, beam);
            }
            return sample(steps, opts, s instanceof DecodingStrategy.Sampling sm ? sm : null);
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    /** Whether decoding runs through the fused step ({@link DecodeOps}). */
    boolean fused(GenerationOptions opts) {
        return opts.useCache() && model.block().attention() == Attention.SDPA;
    }

    private int validate(List<long[]> prompts, GenerationOptions opts) {
        OptConfig cfg = model.config();
        if (prompts.isEmpty()) {
            throw new UserInputException("generation: no prompts");
        }
        int width = 0;
        for (int i = 0; i < prompts.size(); i++) {
            long[] p = prompts.get(i);
            if (p.length == 0) {
                throw new UserInputException("generation: prompt " + i + " is empty");
            }
            for (long t : p) {
                if (t < 0 || t >= cfg.vocabSize()) {
                    throw new UserInputException(
                            "generation: prompt "
                                    + i
                                    + " has token id "
                                    + t
                                    + " outside the vocabulary [0, "
                                    + cfg.vocabSize()
                                    + ")");
                }
            }
            width = Math.max(width, p.length);
        }
        if ((long) width + opts.maxNewTokens() > cfg.maxPositionEmbeddings()) {
            throw new UserInputException(
                    "generation: prompt length "
                            + width
                            + " + max_new_tokens "
                            + opts.maxNewTokens()
                            + " exceeds max_position_embeddings "
                            + cfg.maxPositionEmbeddings());
        }
        if (precision.isHalf() && !fused(opts)) {
            throw new UserInputException(
                    "generation: precision "
                            + precision.label()
                            + " needs the KV cache and SDPA attention (use_cache: true,"
                            + " attention: sdpa)");
        }
        if (opts.eosTokenId() >= cfg.vocabSize() || opts.padTokenId() >= cfg.vocabSize()) {
            throw new UserInputException(
                    "generation: eos/pad token id outside the vocabulary of " + cfg.vocabSize());
        }
        return width;
    }

    // ---------------------------------------------------------------------------------------------------------
    // greedy and sampling (HF _sample)

    private GenerationResult sample(
            DecodeSteps st, GenerationOptions o, DecodingStrategy.Sampling sm) {
        int b = st.prompts.length;
        int[] origin = identity(b);
        long[][] gen = new long[b][o.maxNewTokens()];
        int[] len = new int[b];
        boolean[] done = new boolean[b];
        int eos = o.eosTokenId();
        int g = 0;
        NDArray s = processed(st, st.first(origin), g, o, false);
        while (true) {
            long[] next;
            if (sm == null) {
                next = hostLongs(s.argMax(1));
            } else {
                s = LogitsProcessors.temperature(s, (float) sm.temperature());
                s = LogitsProcessors.topK(s, sm.topK());
                s = LogitsProcessors.topP(s, (float) sm.topP(), 1);
                next = hostLongs(drawOnDevice(s.softmax(1), upload(st.step(), uniforms(b, sm))));
            }
            boolean all = true;
            for (int r = 0; r < b; r++) {
                long tok = done[r] ? o.padTokenId() : next[r];
                gen[r][g] = tok;
                if (!done[r]) {
                    len[r] = g + 1;
                    done[r] = tok == eos;
                }
                all &= done[r];
            }
            g++;
            if (all || g >= o.maxNewTokens()) {
                break;
            }
            s =
                    st.ops != null
                            ? st.fusedSample(gen, g, processors(o, g))
                            : processed(st, st.next(origin, gen, g, null), g, o, false);
        }
        List<long[]> out = new ArrayList<>(b);
        for (int r = 0; r < b; r++) {
            out.add(Arrays.copyOf(gen[r], len[r]));
        }
        return new GenerationResult(out, new float[0], g);
    }

    /**
     * {@link #draw}'s inverse-CDF draw on the probabilities' device: the host supplies one uniform
     * per row (the same {@code nextDouble()} sequence), the cumulative sum (fp64) and the search
     * run on the device, and only the N drawn ids come back. {@code probs (N, V)} → {@code (N)}.
     */
    static NDArray drawOnDevice(NDArray probs, NDArray uniforms) {
        NDManager m = probs.getManager();
        long n = probs.getShape().get(0);
        long v = probs.getShape().get(1);
        NDArray cum = probs.toType(DataType.FLOAT64, false).cumSum(1); // (N, V)
        NDArray target = uniforms.reshape(n, 1).mul(cum.get(":, -1:")); // (N, 1)
        NDArray first = cum.lte(target).toType(DataType.INT64, false).sum(new int[] {1}); // (N)
        // rounding can leave target above the total: then the last token of non-zero probability
        NDArray ix = m.arange(0, v, 1, DataType.INT64, probs.getDevice()).reshape(1, v);
        NDArray last = probs.gt(0).toType(DataType.INT64, false).mul(ix).max(new int[] {1});
        return first.minimum(last);
    }

    /** One {@code nextDouble()} per row, in row order: the uniforms of {@link #drawOnDevice}. */
    static double[] uniforms(int rows, DecodingStrategy.Sampling sm) {
        double[] u = new double[rows];
        for (int r = 0; r < rows; r++) {
            u[r] = sm.random().nextDouble();
        }
        return u;
    }

    /**
     * Inverse-CDF draw per row from host probabilities, one {@code nextDouble()} per row in order
     * (the reference {@link #drawOnDevice} is tested against).
     */
    static long[] draw(float[] probs, int rows, DecodingStrategy.Sampling sm) {
        int v = probs.length / rows;
        long[] out = new long[rows];
        for (int r = 0; r < rows; r++) {
            int off = r * v;
            double total = 0;
            int last = 0;
            for (int i = 0; i < v; i++) {
                total += probs[off + i];
                if (probs[off + i] > 0) {
                    last = i;
                }
            }
            double target = sm.random().nextDouble() * total;
            double cum = 0;
            out[r] = last;
            for (int i = 0; i < v; i++) {
                cum += probs[off + i];
                if (cum > target) {
                    out[r] = i;
                    break;
                }
            }
        }
        return out;
    }

    /**
     * HF's processor order on the last-step scores: (beam search: log_softmax first), repetition
     * penalty over the whole row so far, the ids beyond {@link #limitIds}, then EOS masking while
     * fewer than {@code min_new_tokens} were generated.
     */
    private NDArray processed(
            DecodeSteps st, NDArray logits, int g, GenerationOptions o, boolean logSoftmax) {
        NDArray s = logits.toType(DataType.FLOAT32, false);
        if (logSoftmax) {
            s = s.logSoftmax(1);
        }
        if (o.repetitionPenalty() != 1.0) {
            s = LogitsProcessors.repetitionPenalty(s, st.seen(g), (float) o.repetitionPenalty());
        }
        if (idLimit < model.config().vocabSize()) {
            s = LogitsProcessors.maskFrom(s, idLimit);
        }
        if (o.eosTokenId() >= 0 && g < o.minNewTokens()) {
            s = LogitsProcessors.maskToken(s, o.eosTokenId());
        }
        return s;
    }

    /** {@link #processed}'s settings for the fused step at step {@code g}. */
    private DecodeOps.Processors processors(GenerationOptions o, int g) {
        boolean eos = o.eosTokenId() >= 0 && g < o.minNewTokens();
        return new DecodeOps.Processors(o.repetitionPenalty(), idLimit, eos ? o.eosTokenId() : -1);
    }

    // ---------------------------------------------------------------------------------------------------------
    // beam search (HF _beam_search, transformers 5.18)

    private GenerationResult beamSearch(
            DecodeSteps st, GenerationOptions o, DecodingStrategy.BeamSearch bs) {
        int b = st.prompts.length;
        int nb = bs.numBeams();
        int n = b * nb;
        int vocab = model.config().vocabSize();
        BeamBook book = new BeamBook(b, bs, o.eosTokenId(), o.maxNewTokens(), vocab);
        int k = book.k();
        int[] origin = new int[n];
        for (int r = 0; r < n; r++) {
            origin[r] = r / nb;
        }
        NDArray s = processed(st, st.first(origin), 0, o, true);
        NDList first = topK(s, book.runScore, st.step(), b, k);
        float[] vals = hostFloats(first.get(0)); // (B, k): O(rows x k) per step
        long[] idx = hostLongs(first.get(1));
        int g = 0;
        while (true) {
            book.advance(vals, idx, g);
            g++;
            if (!book.goOn(g)) {
                break;
            }
            if (st.ops != null) {
                double[] packed =
                        st.fusedBeam(
                                book.gen, g, book.parent, book.runScore, processors(o, g), b, k);
                for (int p = 0; p < b; p++) {
                    for (int j = 0; j < k; j++) {
                        vals[p * k + j] = (float) packed[p * 2 * k + j];
                        idx[p * k + j] = (long) packed[p * 2 * k + k + j];
                    }
                }
            } else {
                s = processed(st, st.next(origin, book.gen, g, book.parent), g, o, true);
                NDList top = topK(s, book.runScore, st.step(), b, k);
                vals = hostFloats(top.get(0));
                idx = hostLongs(top.get(1));
            }
        }
        return book.result(g);
    }

    /** The k best of each prompt's {@code scores (N, V)} + running scores, over its beams' rows. */
    private NDList topK(NDArray scores, float[] run, NDManager m, int b, int k) {
        long n = run.length;
        NDArray acc = scores.add(upload(m, run).reshape(n, 1)); // (N, V)
        return acc.reshape(b, -1).topK(k, 1, true, true); // (B, k) values, flat ids
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        return a;
    }

    static boolean isIdentity(int[] a) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] != i) {
                return false;
            }
        }
        return true;
    }
}
