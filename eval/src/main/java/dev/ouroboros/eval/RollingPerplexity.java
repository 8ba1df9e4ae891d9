package dev.ouroboros.eval;

/**
 * Result of the {@code rolling} protocol (docs/design.md#perplexity-protocols), like lm-eval's
 * wikitext task: the document is tokenized once; disjoint windows of at most W tokens each predict
 * all their tokens, the first from the last token of the previous window (BOS for the first
 * window).
 *
 * @param window W
 * @param nllSum Σ NLL in nats over every token of the document
 * @param nTokens tokens predicted (the document's token count, no BOS)
 * @param nWords lm-eval's word count: {@code len(re.split(r"\s+", doc))}
 * @param nBytes UTF-8 bytes of the document
 */
public record RollingPerplexity(int window, double nllSum, long nTokens, long nWords, long nBytes) {
    public double tokenPerplexity() {
        return Math.exp(nllSum / nTokens);
    }

    /** lm-eval's {@code word_perplexity} (the ~27.65 reported for OPT-125m on wikitext). */
    public double wordPerplexity() {
        return Math.exp(nllSum / nWords);
    }

    public double bytePerplexity() {
        return Math.exp(nllSum / nBytes);
    }

    public double bitsPerByte() {
        return nllSum / nBytes / Math.log(2);
    }
}
