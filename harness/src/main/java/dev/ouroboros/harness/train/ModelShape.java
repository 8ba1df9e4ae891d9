package dev.ouroboros.harness.train;

import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.UserInputException;

/**
 * The {@code model.*} keys that {@code ouro train} ({@link TrainConfig.Model}) and {@code ouro run}
 * ({@code RunConfig.Model}) share: the shape of a randomly initialised OPT and the dropout
 * overrides, with their defaults applied in one place.
 */
public interface ModelShape {
    int vocabSize();

    int hiddenSize();

    int numHiddenLayers();

    int numAttentionHeads();

    int ffnDim();

    int maxPositionEmbeddings();

    Double dropout();

    Double attentionDropout();

    /**
     * {@code c} with {@code model.dropout} / {@code model.attention_dropout} applied where they are
     * set.
     */
    default OptConfig withDropoutOverrides(OptConfig c) {
        return c.withDropout(
                dropout() != null ? dropout().floatValue() : c.dropout(),
                attentionDropout() != null
                        ? attentionDropout().floatValue()
                        : c.attentionDropout());
    }

    /**
     * The random-init config for a tokenizer of {@code tokenizerVocab} entries: {@code
     * model.vocab_size}, or 0 = the tokenizer's size rounded up to a multiple of 8 (as OPT);
     * dropout 0.1 and attention dropout 0 (OPT's) unless set.
     */
    default OptConfig randomInit(int tokenizerVocab) {
        int vocab = vocabSize() > 0 ? vocabSize() : (tokenizerVocab + 7) / 8 * 8;
        if (vocab < tokenizerVocab) {
            throw new UserInputException(
                    "model.vocab_size "
                            + vocab
                            + " is smaller than the tokenizer's "
                            + tokenizerVocab);
        }
        return OptConfig.tiny(
                        vocab,
                        hiddenSize(),
                        numHiddenLayers(),
                        numAttentionHeads(),
                        ffnDim(),
                        maxPositionEmbeddings())
                .withDropout(
                        dropout() != null ? dropout().floatValue() : 0.1f,
                        attentionDropout() != null ? attentionDropout().floatValue() : 0.0f);
    }
}
