package dev.ouroboros.models.decode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.ouroboros.models.KvCache;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.TokenIds;
import java.util.Arrays;
import java.util.List;

/**
 * Produces last-position logits {@code (N, V)} for every row; row r continues prompt {@code
 * origin[r]} with its generated tokens. The KV cache, the attention mask and the token rows so far
 * (the repetition penalty's input) are allocated once at their final width (prompt + new tokens)
 * and filled in place: per step only the N new tokens (and the beams' parents) go host → device.
 * Everything else of step t lives in a sub-manager freed as step t+1 begins, before its forward, so
 * native memory stays flat and two steps' scores are never alive together.
 */
final class DecodeSteps implements AutoCloseable {
    private final Generator generator;
    private final LanguageModel model;
    final long[][] prompts; // (B, W) left padded
    final long[][] masks; // (B, W)
    final int width;
    final long capacity; // W + max new tokens
    final boolean useCache;
    final NDManager root;
    NDManager step;
    KvCache cache;
    DecodeOps ops; // the fused step, or null: DJL ops
    NDArray mask; // (N, capacity) INT64: prompt masks, then ones
    NDArray tokens; // (N, capacity) INT64: padded prompt, then the generated tokens so far

    private final boolean fuse;

    DecodeSteps(
            Generator generator,
            List<long[]> ps,
            int width,
            int maxNew,
            long pad,
            GenerationOptions o) {
        this.generator = generator;
        this.model = generator.model;
        this.width = width;
        this.capacity = (long) width + maxNew;
        this.useCache = o.useCache();
        this.fuse = generator.fused(o);
        int b = ps.size();
        prompts = new long[b][width];
        masks = new long[b][width];
        for (int i = 0; i < b; i++) {
            long[] p = ps.get(i);
            int padLen = width - p.length;
            Arrays.fill(prompts[i], 0, padLen, pad);
            System.arraycopy(p, 0, prompts[i], padLen, p.length);
            Arrays.fill(masks[i], padLen, width, 1L);
        }
        root = model.manager().newSubManager();
    }

    NDManager step() {
        return step;
    }

    /**
     * Prefill: the prompts in one forward (B rows), then expanded to the rows of {@code origin}.
     */
    NDArray first(int[] origin) {
        NDManager m = root.newSubManager();
        NDArray logits; // (B, V)
        if (fuse) {
            ops =
                    new DecodeOps(
                            model, generator.precision.dataType(), origin.length, capacity, root);
            cache = ops.cache();
            logits = ops.prefill(generator.upload(m, prompts), generator.upload(m, masks), m);
        } else {
            NDList in = new NDList(generator.upload(m, prompts), generator.upload(m, masks));
            if (useCache) {
                // the cache at its final rows; the prompts are prefilled into its first B rows
                cache = KvCache.allocate(root, model.config(), origin.length, capacity);
                in.addAll(cache.firstRows(prompts.length, m));
            }
            // the LM head on the last position only: (B, 1, V), not the (B, W, V) nothing reads
            logits = model.forwardLast(in).get(0).reshape(prompts.length, -1);
        }
        boolean expand = origin.length != prompts.length || !Generator.isIdentity(origin);
        if (expand) {
            NDArray ix = generator.upload(m, TokenIds.toLong(origin));
            logits = logits.get(ix); // (N, V)
            if (useCache) {
                cache.reorder(ix, width); // row r ← prompt origin[r], in place
            }
        }
        // one host → device copy each per generate call
        long[][] full = new long[origin.length][(int) capacity];
        long[][] rows = new long[origin.length][(int) capacity];
        for (int r = 0; r < origin.length; r++) {
            System.arraycopy(masks[origin[r]], 0, full[r], 0, width);
            Arrays.fill(full[r], width, (int) capacity, 1L);
            System.arraycopy(prompts[origin[r]], 0, rows[r], 0, width);
        }
        mask = generator.upload(root, full);
        tokens = generator.upload(root, rows);
        logits.attach(m);
        rotate(m);
        return logits;
    }

    /**
     * A greedy / sampling step through the fused op: the processed fp32 scores {@code (N, V)}. One
     * upload (the last tokens).
     */
    NDArray fusedSample(long[][] gen, int g, DecodeOps.Processors p) {
        NDManager m = freshStep();
        long[] last = new long[gen.length];
        for (int r = 0; r < last.length; r++) {
            last[r] = gen[r][g - 1];
        }
        NDArray s = ops.sampleStep(generator.upload(m, last), tokens, mask, width + g - 1L, p, m);
        rotate(m);
        return s;
    }

    /**
     * A beam step through the fused op: one upload (each row's last token, parent and running
     * score, packed) and one read: {@code (B, 2k)}, the k best values then their flat ids.
     */
    double[] fusedBeam(
            long[][] gen, int g, int[] parent, float[] run, DecodeOps.Processors p, int b, int k) {
        NDManager m = freshStep();
        int n = gen.length;
        double[] state = new double[3 * n];
        for (int r = 0; r < n; r++) {
            state[3 * r] = gen[r][g - 1];
            state[3 * r + 1] = parent[r];
            state[3 * r + 2] = run[r];
        }
        NDArray st = generator.upload(m, state).reshape(n, 3);
        NDArray top =
                ops.beamStep(
                        st,
                        !Generator.isIdentity(parent),
                        tokens,
                        mask,
                        width + g - 1L,
                        p,
                        b,
                        k,
                        m);
        double[] packed = generator.hostDoubles(top);
        rotate(m);
        return packed;
    }

    /**
     * Frees the previous step's arrays (their values have been read: only host values are used from
     * here on) before this step's forward, not after it; returns the new step's manager.
     */
    private NDManager freshStep() {
        if (step != null) {
            step.close();
            step = null;
        }
        return root.newSubManager();
    }

    /**
     * One decoding step. {@code parent[r]} is the row of the previous step that row r continues
     * (beam reordering), or null when rows keep their place.
     */
    NDArray next(int[] origin, long[][] gen, int g, int[] parent) {
        NDManager m = freshStep();
        int n = origin.length;
        long[][] last = new long[n][1];
        for (int r = 0; r < n; r++) {
            last[r][0] = gen[r][g - 1];
        }
        NDArray lastArr = generator.upload(m, last); // (N, 1)
        if (parent != null && !Generator.isIdentity(parent)) {
            // each beam continues its parent: reorder the filled positions
            NDArray ix = generator.upload(m, TokenIds.toLong(parent));
            if (useCache) {
                cache.reorder(ix, width + g - 1L); // in place
            }
            NDArray reordered = tokens.get(ix); // (N, capacity): N·S ids on the device
            reordered.attach(root);
            tokens.close();
            tokens = reordered;
        }
        tokens.set(new NDIndex(":, {}:{}", width + g - 1, width + g), lastArr);
        NDArray maskArr = view(mask, width + g, m);
        NDArray logits;
        if (useCache) {
            NDList in = new NDList(lastArr, maskArr);
            in.addAll(cache.tensors());
            logits = model.forwardLast(in).get(0).reshape(n, -1);
        } else {
            NDList in = new NDList(view(tokens, width + g, m), maskArr);
            logits = model.forwardLast(in).get(0).reshape(n, -1);
        }
        logits.attach(m);
        rotate(m);
        return logits;
    }

    /**
     * The rows so far (padded prompt + {@code g} generated), as the repetition penalty sees them:
     * {@code (N, W + g)}, a view of the device buffer.
     */
    NDArray seen(int g) {
        return view(tokens, width + g, step);
    }

    /** The first {@code columns} columns of {@code a}, a view owned by {@code m}: no copy. */
    private NDArray view(NDArray a, long columns, NDManager m) {
        NDArray v = a.get(":, :{}", columns);
        v.attach(m);
        return v;
    }

    private void rotate(NDManager m) {
        if (step != null) {
            step.close();
        }
        step = m;
        if (generator.stepObserver != null) {
            generator.stepObserver.accept(root.getManagedArrays().size());
        }
        if (generator.liveObserver != null) {
            generator.liveObserver.accept(root.getManagedArrays());
        }
    }

    @Override
    public void close() {
        if (ops != null) {
            ops.close();
        }
        root.close();
    }
}
