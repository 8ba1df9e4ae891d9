package dev.ouroboros.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.ouroboros.datasets.BlockSource;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.TokenIds;
import dev.ouroboros.models.TokenNll;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.regex.Pattern;

/** The two perplexity protocols (docs/design.md#perplexity-protocols), raw sums kept. */
public final class Perplexity {
    private static final Pattern WHITESPACE =
            Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    private Perplexity() {}

    /**
     * Protocol {@code blocks}: every block predicts its B−1 next tokens.
     *
     * @param progress told the number of blocks done after each batch
     */
    public static BlocksPerplexity blocks(
            LanguageModel model, BlockSource blocks, int batchSize, LongConsumer progress) {
        checkContext(model, blocks.blockSize());
        double nll = 0;
        int n = blocks.count();
        for (int start = 0; start < n; start += batchSize) {
            int end = Math.min(n, start + batchSize);
            long[][] ids = new long[end - start][];
            for (int i = start; i < end; i++) {
                ids[i - start] = TokenIds.toLong(blocks.block(i));
            }
            nll += sum(model, ids, TokenNll.shiftedTargets(ids));
            progress.accept(end);
        }
        return new BlocksPerplexity(
                blocks.blockSize(), n, (long) n * (blocks.blockSize() - 1), nll);
    }

    /** Total NLL of one batch; see {@link #rowSums}. */
    private static double sum(LanguageModel model, long[][] ids, long[][] targets) {
        double total = 0;
        for (double v : rowSums(model, ids, targets)) {
            total += v;
        }
        return total;
    }

    /**
     * NLL summed per row for a batch of equal-length unpadded rows.
     *
     * @param targets {@code targets[b][t]} is the id position t predicts, or {@link
     *     TokenNll#IGNORE}
     */
    public static double[] rowSums(LanguageModel model, long[][] ids, long[][] targets) {
        // autograd off for the call, whatever thread this is (grad mode is thread-local,
        // docs/design.md#grad-mode-per-thread): no graph is built, and the model frees each
        // layer's intermediates as it goes (docs/design.md#memory-traps)
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager m = model.manager().newSubManager()) {
            NDList in = LanguageModel.unpadded(m, ids);
            NDArray logits = model.forward(in, false).get(0); // (B, T, V)
            NDArray nll = TokenNll.perPosition(logits, m.create(targets)).sum(new int[] {1}); // (B)
            float[] v = nll.toFloatArray();
            double[] out = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                out[i] = v[i];
            }
            return out;
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    /**
     * Protocol {@code rolling} (lm-eval's loglikelihood_rolling with context_len 1).
     *
     * @param tokens the document tokenized once, without BOS
     * @param prefix the token that predicts the first token (BOS)
     */
    public static RollingPerplexity rolling(
            LanguageModel model,
            String document,
            long[] tokens,
            long prefix,
            int window,
            int batchSize,
            LongConsumer progress) {
        checkContext(model, window);
        List<long[][]> windows = rollingWindows(tokens, prefix, window);
        double nll = 0;
        long done = 0;
        // windows of the same length are batched (all but possibly the first and the last have
        // length W)
        for (int i = 0; i < windows.size(); ) {
            int len = windows.get(i)[0].length;
            List<long[][]> batch = new ArrayList<>();
            while (i < windows.size()
                    && batch.size() < batchSize
                    && windows.get(i)[0].length == len) {
                batch.add(windows.get(i++));
            }
            long[][] ids = new long[batch.size()][];
            long[][] targets = new long[batch.size()][];
            for (int b = 0; b < batch.size(); b++) {
                ids[b] = batch.get(b)[0];
                targets[b] = batch.get(b)[1];
            }
            nll += sum(model, ids, targets);
            done += batch.size();
            progress.accept(done);
        }
        long words = WHITESPACE.split(document, -1).length;
        long bytes = document.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        return new RollingPerplexity(window, nll, tokens.length, words, bytes);
    }

    /**
     * lm-eval's {@code get_rolling_token_windows(tokens, prefix, W, context_len=1)} made disjoint:
     * each element is {input ids, per-position targets}; positions whose token was already
     * predicted get {@link TokenNll#IGNORE}.
     */
    static List<long[][]> rollingWindows(long[] tokens, long prefix, int window) {
        List<long[][]> out = new ArrayList<>();
        int n = tokens.length;
        if (n == 0) {
            return out;
        }
        int first = Math.min(window, n);
        long[] in = new long[first];
        in[0] = prefix;
        System.arraycopy(tokens, 0, in, 1, first - 1);
        long[] tg = new long[first];
        System.arraycopy(tokens, 0, tg, 0, first);
        out.add(new long[][] {in, tg});
        int predicted = first;
        while (predicted < n) {
            int pred = Math.min(n - predicted, window);
            int end = predicted + pred;
            long[] input =
                    java.util.Arrays.copyOfRange(tokens, end - window - 1, end - 1); // length W
            long[] target = new long[window];
            java.util.Arrays.fill(target, TokenNll.IGNORE);
            // input[j] predicts tokens[end - window + j]; only the last `pred` are new
            for (int j = window - pred; j < window; j++) {
                target[j] = tokens[end - window + j];
            }
            out.add(new long[][] {input, target});
            predicted = end;
        }
        return out;
    }

    /** Number of model calls {@link #rolling} makes for a document of {@code n} tokens. */
    public static int rollingWindowCount(int n, int window) {
        return n == 0 ? 0 : 1 + (Math.max(0, n - window) + window - 1) / window;
    }

    private static void checkContext(LanguageModel model, int length) {
        int max = model.config().maxPositionEmbeddings();
        if (length > max) {
            throw new dev.ouroboros.models.UserInputException(
                    "length "
                            + length
                            + " exceeds the model's context (max_position_embeddings "
                            + max
                            + ")");
        }
    }
}
