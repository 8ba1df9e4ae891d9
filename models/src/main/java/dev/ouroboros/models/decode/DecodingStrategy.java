package dev.ouroboros.models.decode;

import dev.ouroboros.models.UserInputException;
import java.util.Objects;
import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;

/**
 * How the next token is chosen: {@link Greedy}, {@link Sampling} or {@link BeamSearch}, each with
 * Hugging Face {@code generate} semantics (transformers 5.18, {@code _sample} and {@code
 * _beam_search}).
 */
public sealed interface DecodingStrategy {

    /** Argmax of the processed logits ({@code do_sample=False, num_beams=1}). */
    record Greedy() implements DecodingStrategy {}

    /**
     * Multinomial sampling ({@code do_sample=True, num_beams=1}) after HF's warpers, in HF's order:
     * temperature, top-k, top-p. The draw itself happens on the host: the processed distribution of
     * each row is copied off the device and inverted with one {@link RandomGenerator#nextDouble()}
     * per row and step, rows in batch order. The same generator state therefore gives the same ids
     * (HF's {@code torch.multinomial} stream is not reproduced).
     *
     * <p>Unlike HF, nothing is on by default: HF's {@code GenerationConfig} silently uses {@code
     * top_k=50}; here {@code topK = 0} and {@code topP = 1} mean "off".
     *
     * @param temperature logits are divided by it; must be {@code > 0}
     * @param topK keep the {@code topK} largest logits (ties with the k-th kept); {@code 0}
     *     disables
     * @param topP nucleus: keep the smallest set whose probability reaches {@code topP}; in {@code
     *     (0, 1]}, 1 disables
     * @param random the generator; it is advanced, so reuse a fresh one (see {@link #seeded}) for a
     *     repeatable run
     */
    record Sampling(double temperature, int topK, double topP, RandomGenerator random)
            implements DecodingStrategy {
        public Sampling {
            if (!(temperature > 0) || Double.isInfinite(temperature)) {
                throw new UserInputException(
                        "sampling: temperature must be > 0, got " + temperature);
            }
            if (topK < 0) {
                throw new UserInputException("sampling: top_k must be >= 0 (0 = off), got " + topK);
            }
            if (!(topP > 0 && topP <= 1)) {
                throw new UserInputException("sampling: top_p must be in (0, 1], got " + topP);
            }
            Objects.requireNonNull(random, "random");
        }

        /** A sampler whose generator is {@code L64X128MixRandom} seeded with {@code seed}. */
        public static Sampling seeded(double temperature, int topK, double topP, long seed) {
            return new Sampling(
                    temperature,
                    topK,
                    topP,
                    RandomGeneratorFactory.of("L64X128MixRandom").create(seed));
        }
    }

    /**
     * HF beam search ({@code num_beams > 1, do_sample=False}).
     *
     * @param numBeams beams per prompt, {@code >= 1} (1 behaves like greedy search with beam
     *     bookkeeping)
     * @param lengthPenalty finished hypotheses are scored {@code sum logprob /
     *     generated_length^lengthPenalty}
     * @param earlyStopping HF's {@code early_stopping}
     */
    record BeamSearch(int numBeams, double lengthPenalty, EarlyStopping earlyStopping)
            implements DecodingStrategy {
        public BeamSearch {
            if (numBeams < 1) {
                throw new UserInputException(
                        "beam search: num_beams must be >= 1, got " + numBeams);
            }
            if (!Double.isFinite(lengthPenalty)) {
                throw new UserInputException(
                        "beam search: length_penalty must be finite, got " + lengthPenalty);
            }
            Objects.requireNonNull(earlyStopping, "earlyStopping");
        }

        /**
         * {@code num_beams} beams, length penalty 1, {@code early_stopping=False} (HF's defaults).
         */
        public static BeamSearch of(int numBeams) {
            return new BeamSearch(numBeams, 1.0, EarlyStopping.HEURISTIC);
        }
    }

    /** HF's {@code early_stopping} values. */
    enum EarlyStopping {
        /**
         * {@code False}: stop a prompt when its best running beam, scored at the current length,
         * cannot beat the worst finished one.
         */
        HEURISTIC,
        /** {@code True}: stop a prompt as soon as {@code num_beams} hypotheses are finished. */
        WHEN_FULL,
        /**
         * {@code "never"}: like HEURISTIC but, for a positive length penalty, scores the running
         * beam at max length.
         */
        NEVER
    }
}
