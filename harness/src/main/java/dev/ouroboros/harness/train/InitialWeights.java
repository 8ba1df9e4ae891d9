package dev.ouroboros.harness.train;

import ai.djl.Device;
import dev.ouroboros.harness.config.Init;
import dev.ouroboros.harness.config.ModelConfig;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.nio.file.Path;

/**
 * Where a model's weights start, for {@code ouro train} and every generation of {@code ouro run}:
 * the base checkpoint ({@code init: base}, and generation 0 of {@code init: previous} when a base
 * is set), the previous generation's model ({@code init: previous}, t ≥ 1), else a random init of
 * the {@code model.*} shape from the seed. A checkpoint gets the configured dropout rates; a base
 * must cover the tokenizer's ids.
 */
public final class InitialWeights {
    private InitialWeights() {}

    /**
     * @param generation t (0 for {@code ouro train})
     * @param previous generation t − 1's model directory (used only for {@code previous}, t ≥ 1)
     * @param tokenizerWhere where the tokenizer was read (named when a base refuses it)
     */
    public static LanguageModel create(
            Init init,
            int generation,
            ModelConfig m,
            Path previous,
            OptTokenizer tok,
            String tokenizerWhere,
            long seed,
            Device device) {
        boolean fromBase =
                init == Init.BASE || (init == Init.PREVIOUS && generation == 0 && m.hasBase());
        if (fromBase) {
            return LanguageModel.load(Path.of(m.base()), device, m::withDropoutOverrides)
                    .requireVocabulary(tok, tokenizerWhere);
        }
        if (init == Init.PREVIOUS && generation > 0) {
            return LanguageModel.load(previous, device, m::withDropoutOverrides);
        }
        return LanguageModel.random(m.randomInit(tok.idLimit()), seed, device);
    }
}
