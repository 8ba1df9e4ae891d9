package dev.ouroboros.models.decode;

import java.util.List;

/**
 * What {@link Generator#generate} produced, one entry per prompt in input order.
 *
 * @param tokens the new token ids only (no prompt, no padding); a sequence that chose EOS ends with
 *     it, so it may be shorter than {@code max_new_tokens} (HF would pad it with {@code
 *     pad_token_id} in a batch)
 * @param sequenceScores beam search only: HF's {@code sequences_scores}, the processed
 *     log-probability sum of the returned hypothesis divided by {@code length^length_penalty};
 *     empty for greedy and sampling
 * @param steps decoding steps run (forward passes after the prompt, plus one)
 */
public record GenerationResult(List<long[]> tokens, float[] sequenceScores, int steps) {
    public GenerationResult {
        tokens = List.copyOf(tokens);
    }
}
