package dev.ouroboros.harness.config;

import dev.ouroboros.models.Attention;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.UserInputException;

/**
 * The {@code model} section of {@code ouro train} and {@code ouro run}: the pretrained start, the
 * tokenizer, the shape of a randomly initialised OPT, and dropout overrides.
 *
 * @param base HF checkpoint directory ({@code init: base}; generation 0 of {@code init: previous}),
 *     or null
 * @param tokenizer tokenizer directory (or, for {@code ouro run}, {@code bpe:<size>}); null = the
 *     base checkpoint's
 * @param vocabSize random init: 0 = the tokenizer's size rounded up to a multiple of 8
 * @param dropout null = the checkpoint's value (random init: 0.1, as OPT)
 * @param attentionDropout null = the checkpoint's value (random init: 0.0)
 * @param attention how the layers compute attention: {@code sdpa} (default) or {@code eager} (the
 *     reference); equal up to rounding, so not part of any config hash
 */
public record ModelConfig(
        String base,
        String tokenizer,
        int vocabSize,
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int ffnDim,
        int maxPositionEmbeddings,
        Double dropout,
        Double attentionDropout,
        Attention attention) {

    public ModelConfig {
        attention = attention == null ? Attention.SDPA : attention;
        Checks.nonNegative("model.vocab_size", vocabSize);
        Checks.positive("model.hidden_size", hiddenSize);
        Checks.positive("model.num_hidden_layers", numHiddenLayers);
        Checks.positive("model.num_attention_heads", numAttentionHeads);
        Checks.positive("model.ffn_dim", ffnDim);
        Checks.positive("model.max_position_embeddings", maxPositionEmbeddings);
        probability("model.dropout", dropout);
        probability("model.attention_dropout", attentionDropout);
    }

    /** Whether a base checkpoint is configured. */
    public boolean hasBase() {
        return base != null && !base.isBlank();
    }

    /**
     * Where the tokenizer comes from: {@code model.tokenizer}, else the base checkpoint's
     * directory; null when neither is set.
     */
    public String tokenizerOrBase() {
        return tokenizer != null && !tokenizer.isBlank() ? tokenizer : hasBase() ? base : null;
    }

    /** {@code c} with {@code model.dropout} / {@code model.attention_dropout} applied where set. */
    public OptConfig withDropoutOverrides(OptConfig c) {
        return c.withDropout(
                dropout != null ? dropout.floatValue() : c.dropout(),
                attentionDropout != null ? attentionDropout.floatValue() : c.attentionDropout());
    }

    /**
     * The random-init config for a tokenizer of {@code tokenizerVocab} entries: {@code
     * model.vocab_size}, or 0 = the tokenizer's size rounded up to a multiple of 8 (as OPT);
     * dropout 0.1 and attention dropout 0 (OPT's) unless set.
     */
    public OptConfig randomInit(int tokenizerVocab) {
        int vocab = vocabSize > 0 ? vocabSize : (tokenizerVocab + 7) / 8 * 8;
        if (vocab < tokenizerVocab) {
            throw new UserInputException(
                    "model.vocab_size "
                            + vocab
                            + " is smaller than the tokenizer's "
                            + tokenizerVocab);
        }
        return OptConfig.tiny(
                        vocab,
                        hiddenSize,
                        numHiddenLayers,
                        numAttentionHeads,
                        ffnDim,
                        maxPositionEmbeddings)
                .withDropout(
                        dropout != null ? dropout.floatValue() : 0.1f,
                        attentionDropout != null ? attentionDropout.floatValue() : 0.0f);
    }

    private static void probability(String key, Double v) {
        if (v != null && !(v >= 0 && v < 1)) {
            throw new UserInputException("config: " + key + " must be in [0, 1), got " + v);
        }
    }
}
