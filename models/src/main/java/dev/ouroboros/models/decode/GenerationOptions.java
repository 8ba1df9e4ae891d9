package dev.ouroboros.models.decode;

import dev.ouroboros.models.UserInputException;
import java.util.Objects;

/**
 * What {@link Generator#generate} does, with HF {@code generate} names and semantics.
 *
 * @param strategy greedy, sampling or beam search
 * @param maxNewTokens at most this many new tokens per prompt ({@code max_new_tokens}), {@code >=
 *     1}
 * @param minNewTokens EOS is masked until this many tokens were generated ({@code min_new_tokens});
 *     with {@code min = max} every prompt gets exactly {@code max} new tokens
 * @param repetitionPenalty HF's {@code repetition_penalty} ({@code 1} = off, must be {@code > 0})
 * @param eosTokenId end of sequence, or {@code -1} for none
 * @param padTokenId fills the left of shorter prompts (it is masked out, but, as in HF, it counts
 *     as "already in the sequence" for the repetition penalty)
 * @param useCache reuse keys and values across steps (the default); {@code false} recomputes the
 *     whole sequence each step (for tests and benchmarks)
 */
public record GenerationOptions(
        DecodingStrategy strategy,
        int maxNewTokens,
        int minNewTokens,
        double repetitionPenalty,
        int eosTokenId,
        int padTokenId,
        boolean useCache) {

    /** OPT's special ids. */
    public static final int OPT_EOS = 2;

    public static final int OPT_PAD = 1;

    public GenerationOptions {
        Objects.requireNonNull(strategy, "strategy");
        if (maxNewTokens < 1) {
            throw new UserInputException(
                    "generation: max_new_tokens must be >= 1, got " + maxNewTokens);
        }
        if (minNewTokens < 0) {
            throw new UserInputException(
                    "generation: min_new_tokens must be >= 0, got " + minNewTokens);
        }
        if (maxNewTokens < minNewTokens) {
            throw new UserInputException(
                    "generation: max_new_tokens ("
                            + maxNewTokens
                            + ") must be >= min_new_tokens ("
                            + minNewTokens
                            + ")");
        }
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw new UserInputException(
                    "generation: repetition_penalty must be > 0, got " + repetitionPenalty);
        }
        if (eosTokenId < -1) {
            throw new UserInputException(
                    "generation: eos_token_id must be >= 0 or -1 (none), got " + eosTokenId);
        }
        if (padTokenId < 0) {
            throw new UserInputException(
                    "generation: pad_token_id must be >= 0, got " + padTokenId);
        }
    }

    /** Greedy search, OPT's EOS and pad, no penalty. */
    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(
                new DecodingStrategy.Greedy(), maxNewTokens, 0, 1.0, OPT_EOS, OPT_PAD, true);
    }

    /**
     * Shumailov et al.'s synthetic-data setting: 5-beam search, repetition penalty 3.0 and exactly
     * {@code newTokens} new tokens ({@code min = max}, so EOS can never be chosen).
     */
    public static GenerationOptions shumailov(int newTokens) {
        return new GenerationOptions(
                DecodingStrategy.BeamSearch.of(5),
                newTokens,
                newTokens,
                3.0,
                OPT_EOS,
                OPT_PAD,
                true);
    }

    public GenerationOptions withStrategy(DecodingStrategy s) {
        return new GenerationOptions(
                s, maxNewTokens, minNewTokens, repetitionPenalty, eosTokenId, padTokenId, useCache);
    }

    public GenerationOptions withNewTokens(int min, int max) {
        return new GenerationOptions(
                strategy, max, min, repetitionPenalty, eosTokenId, padTokenId, useCache);
    }

    public GenerationOptions withRepetitionPenalty(double p) {
        return new GenerationOptions(
                strategy, maxNewTokens, minNewTokens, p, eosTokenId, padTokenId, useCache);
    }

    public GenerationOptions withCache(boolean cache) {
        return new GenerationOptions(
                strategy,
                maxNewTokens,
                minNewTokens,
                repetitionPenalty,
                eosTokenId,
                padTokenId,
                cache);
    }
}
