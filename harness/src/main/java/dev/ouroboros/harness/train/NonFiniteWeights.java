package dev.ouroboros.harness.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import dev.ouroboros.models.LanguageModel;
import java.util.Map;

/** Which weight of a model holds NaN or an infinity: tells a corrupt model from a bad step. */
final class NonFiniteWeights {
    private NonFiniteWeights() {}

    /** The HF name of the first parameter holding a NaN or an infinity, or null. */
    static String first(LanguageModel model) {
        for (Map.Entry<String, Parameter> e : model.block().parametersByName().entrySet()) {
            NDArray w = e.getValue().getArray();
            // the results are closed at once: an op on a parameter lands in the model's manager
            try (NDArray nan = w.isNaN();
                    NDArray anyNan = nan.any();
                    NDArray inf = w.isInfinite();
                    NDArray anyInf = inf.any()) {
                if (anyNan.getBoolean() || anyInf.getBoolean()) {
                    return e.getKey();
                }
            }
        }
        return null;
    }
}
