package dev.ouroboros.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Whether a model's weights are all finite, checked on the device with one host read: each tensor
 * is reduced to {@code sum(w * 0)} (0 when every value is finite, NaN when one is NaN or an
 * infinity: no overflow can fake one), the per-tensor results are stacked, and only that vector is
 * read back. A model that holds NaN or an infinity is refused where it is loaded (eval, generate,
 * convert, a study's base or kept model) instead of giving "perplexity NaN" or failing deep in
 * synthesis.
 */
public final class FiniteWeights {
    private FiniteWeights() {}

    /** The name of the first parameter (in {@code params}' order) holding NaN or ±Inf, or null. */
    public static String firstNonFinite(Map<String, Parameter> params) {
        List<String> names = new ArrayList<>(params.size());
        try (NDList sums = new NDList(params.size())) {
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray w = e.getValue().getArray();
                try (NDArray zeros = w.mul(0f)) { // finite → 0; NaN or ±Inf → NaN
                    sums.add(zeros.sum());
                }
                names.add(e.getKey());
            }
            if (sums.isEmpty()) {
                return null;
            }
            try (NDArray all = NDArrays.stack(sums)) {
                float[] v = all.toFloatArray(); // the one host read
                for (int i = 0; i < v.length; i++) {
                    if (Float.isNaN(v[i])) {
                        return names.get(i);
                    }
                }
            }
        }
        return null;
    }

    /**
     * The parameter holding the largest magnitude, as "NAME (|w| max X)" (one host read), or null
     * when there is none: where a step that blew up from finite weights most likely grew them.
     */
    public static String largest(Map<String, Parameter> params) {
        List<String> names = new ArrayList<>(params.size());
        try (NDList maxes = new NDList(params.size())) {
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                try (NDArray abs = e.getValue().getArray().abs()) {
                    maxes.add(abs.max());
                }
                names.add(e.getKey());
            }
            if (maxes.isEmpty()) {
                return null;
            }
            try (NDArray all = NDArrays.stack(maxes)) {
                float[] v = all.toFloatArray(); // the one host read
                int k = 0;
                for (int i = 1; i < v.length; i++) {
                    k = v[i] > v[k] ? i : k;
                }
                return names.get(k)
                        + " (|w| max "
                        + String.format(java.util.Locale.ROOT, "%.3g", v[k])
                        + ")";
            }
        }
    }

    /**
     * Throws {@link UserInputException} naming {@code source} and the first non-finite tensor of
     * {@code model}, if any (the model is closed then).
     */
    public static LanguageModel require(LanguageModel model, String source) {
        String bad = firstNonFinite(model.block().parametersByName());
        if (bad != null) {
            model.close();
            throw new UserInputException(
                    source
                            + ": tensor "
                            + bad
                            + " holds NaN or an infinity (a corrupt or diverged model); it is"
                            + " refused rather than used");
        }
        return model;
    }
}
