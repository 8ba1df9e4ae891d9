package dev.ouroboros.models.decode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The host side of HF's {@code _beam_search} (transformers 5.18): the running beams, each prompt's
 * finished hypotheses and the early-stop heuristic, fed each step's top-k candidates. Row {@code r
 * = p · numBeams + i} is beam i of prompt p. See docs/decoding.md#beam-search-bookkeeping.
 */
final class BeamBook {
    private static final float NEG = -1.0e9f; // HF's "very large negative" in beam bookkeeping

    private final DecodingStrategy.BeamSearch bs;
    private final int b; // prompts
    private final int nb; // beams per prompt
    private final int k; // candidates per prompt and step (beams_to_keep)
    private final int eos;
    private final int maxNew;
    private final int vocab;

    // running beams
    long[][] gen; // (N, maxNew) the tokens so far
    float[] runScore; // (N)
    int[] parent; // (N) the row each beam continues, after a step

    // finished hypotheses per prompt, nb slots each, kept sorted by score
    private final long[][] finTok;
    private final int[] finLen;
    private final float[] finScore;
    private final boolean[] finDone;
    private final boolean[] unsatisfied;
    private boolean allHit;
    private boolean allFull;

    BeamBook(int prompts, DecodingStrategy.BeamSearch bs, int eos, int maxNew, int vocab) {
        this.bs = bs;
        this.b = prompts;
        this.nb = bs.numBeams();
        this.k = Math.max(2, 1 + (eos >= 0 ? 1 : 0)) * nb;
        this.eos = eos;
        this.maxNew = maxNew;
        this.vocab = vocab;
        int n = b * nb;
        gen = new long[n][maxNew];
        runScore = new float[n];
        for (int r = 0; r < n; r++) {
            runScore[r] = r % nb == 0 ? 0f : NEG;
        }
        finTok = new long[n][];
        finLen = new int[n];
        finScore = new float[n];
        finDone = new boolean[n];
        Arrays.fill(finScore, NEG);
        Arrays.fill(finTok, new long[0]);
        unsatisfied = new boolean[b];
        Arrays.fill(unsatisfied, true);
    }

    /** Candidates per prompt and step: {@code max(2, 1 + has EOS) · numBeams}. */
    int k() {
        return k;
    }

    /**
     * Step {@code g}'s candidates, {@code vals} and flat ids ({@code beam · V + token}), each
     * {@code (B, k)} best first: the next running beams ({@link #gen}, {@link #runScore}, {@link
     * #parent}) and the finished hypotheses.
     */
    void advance(float[] vals, long[] idx, int g) {
        long[][] newGen = new long[b * nb][];
        float[] newRun = new float[b * nb];
        parent = new int[b * nb];
        allHit = true;
        allFull = true;
        float lenPen = (float) Math.pow(g + 1, bs.lengthPenalty());
        for (int p = 0; p < b; p++) {
            int[] src = new int[k];
            long[] tok = new long[k];
            boolean[] hit = new boolean[k];
            float[] runVal = new float[k];
            for (int j = 0; j < k; j++) {
                long id = idx[p * k + j];
                src[j] = (int) (id / vocab);
                tok[j] = id % vocab;
                hit[j] = (eos >= 0 && tok[j] == eos) || g + 1 >= maxNew;
                allHit &= hit[j];
                runVal[j] = vals[p * k + j] + (hit[j] ? NEG : 0f);
            }
            // e. next running beams: best nb candidates that did not stop
            int[] order = argsortDesc(runVal);
            for (int i = 0; i < nb; i++) {
                int j = order[i];
                int row = p * nb + i;
                parent[row] = p * nb + src[j];
                newGen[row] = gen[parent[row]].clone();
                newGen[row][g] = tok[j];
                newRun[row] = runVal[j];
            }
            finish(p, vals, src, tok, hit, g, lenPen);
        }
        gen = newGen;
        runScore = newRun;
    }

    /**
     * f. prompt {@code p}'s finished hypotheses: the old ones merged with the candidates that just
     * stopped among the top nb.
     */
    private void finish(
            int p, float[] vals, int[] src, long[] tok, boolean[] hit, int g, float lenPen) {
        boolean full = true;
        for (int i = 0; i < nb; i++) {
            full &= finDone[p * nb + i];
        }
        float[] merged = new float[nb + k];
        for (int i = 0; i < nb; i++) {
            merged[i] = finScore[p * nb + i];
        }
        for (int j = 0; j < k; j++) {
            float sc = vals[p * k + j] / lenPen;
            if (full && bs.earlyStopping() == DecodingStrategy.EarlyStopping.WHEN_FULL) {
                sc += NEG;
            }
            if (!unsatisfied[p]) {
                sc += NEG;
            }
            if (!(hit[j] && j < nb)) {
                sc += NEG;
            }
            merged[nb + j] = sc;
        }
        int[] morder = argsortDesc(merged);
        long[][] nTok = new long[nb][];
        int[] nLen = new int[nb];
        float[] nScore = new float[nb];
        boolean[] nDone = new boolean[nb];
        for (int i = 0; i < nb; i++) {
            int m = morder[i];
            nScore[i] = merged[m];
            if (m < nb) {
                nTok[i] = finTok[p * nb + m];
                nLen[i] = finLen[p * nb + m];
                nDone[i] = finDone[p * nb + m];
            } else {
                int j = m - nb;
                long[] t = Arrays.copyOf(gen[p * nb + src[j]], g + 1);
                t[g] = tok[j];
                nTok[i] = t;
                nLen[i] = g + 1;
                nDone[i] = hit[j] && j < nb;
            }
        }
        for (int i = 0; i < nb; i++) {
            finTok[p * nb + i] = nTok[i];
            finLen[p * nb + i] = nLen[i];
            finScore[p * nb + i] = nScore[i];
            finDone[p * nb + i] = nDone[i];
            allFull &= nDone[i];
        }
    }

    /**
     * After {@code g} tokens: whether another step is needed — the early-stop heuristic (sticky per
     * prompt), a beam still open, a candidate that did not stop, and fewer than max new tokens.
     */
    boolean goOn(int g) {
        boolean anyUnsatisfied = false;
        for (int p = 0; p < b; p++) {
            if (unsatisfied[p]) {
                unsatisfied[p] = canImprove(p, g);
            }
            anyUnsatisfied |= unsatisfied[p];
        }
        boolean openBeam =
                !(allFull && bs.earlyStopping() == DecodingStrategy.EarlyStopping.WHEN_FULL);
        return anyUnsatisfied && openBeam && !allHit && g < maxNew;
    }

    /** Whether prompt {@code p}'s best running beam could still beat a finished hypothesis. */
    private boolean canImprove(int p, int g) {
        int hyp =
                bs.earlyStopping() == DecodingStrategy.EarlyStopping.NEVER && bs.lengthPenalty() > 0
                        ? maxNew
                        : g;
        float best = runScore[p * nb] / (float) Math.pow(hyp, bs.lengthPenalty());
        float minFin = Float.POSITIVE_INFINITY;
        for (int i = 0; i < nb; i++) {
            minFin = Math.min(minFin, finScore[p * nb + i]);
        }
        boolean any = false;
        for (int i = 0; i < nb; i++) {
            float worst = finDone[p * nb + i] ? minFin : NEG;
            any |= best > worst;
        }
        return any;
    }

    /** Each prompt's best finished hypothesis and its score, after {@code steps} steps. */
    GenerationResult result(int steps) {
        List<long[]> out = new ArrayList<>(b);
        float[] scores = new float[b];
        for (int p = 0; p < b; p++) {
            out.add(Arrays.copyOf(finTok[p * nb], finLen[p * nb]));
            scores[p] = finScore[p * nb];
        }
        return new GenerationResult(out, scores, steps);
    }

    /** Indices sorting {@code a} in descending order; ties keep index order. */
    static int[] argsortDesc(float[] a) {
        Integer[] ix = new Integer[a.length];
        for (int i = 0; i < a.length; i++) {
            ix[i] = i;
        }
        Arrays.sort(ix, (x, y) -> Float.compare(a[y], a[x]));
        int[] out = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = ix[i];
        }
        return out;
    }
}
