package dev.ouroboros.models.encoder;

import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import dev.ouroboros.models.NativeTensors;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.DType;
import dev.ouroboros.models.io.RawTensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Maps an HF BERT state dict onto {@link BertModel} parameters, as {@code OptWeights} does for OPT:
 * every parameter's initializer is pointed at its tensor, so that {@code initialize} allocates the
 * loaded values directly.
 *
 * <p>Accepted layouts: {@code BertModel} keys ({@code embeddings.*}, {@code encoder.*}, what
 * sentence-transformers saves) and the same under {@code bert.} (a {@code BertFor…} head model).
 * The pooler, a masked-LM head ({@code cls.*}) and the {@code position_ids}/{@code token_type_ids}
 * buffers older checkpoints carry are not used by mean pooling and are skipped; any other tensor
 * the config does not explain is an error.
 */
public final class BertWeights {
    private BertWeights() {}

    /**
     * Binds {@code stateDict} to {@code block}'s parameters, checking every name, shape and dtype;
     * {@code consumed} gets each tensor once its parameter holds a copy.
     *
     * @param source file or directory the tensors came from, named in every error
     */
    public static void bind(
            BertModel block,
            Map<String, RawTensor> stateDict,
            String source,
            Consumer<RawTensor> consumed) {
        Map<String, RawTensor> byKey = normalise(stateDict, source);
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : block.parametersByName().entrySet()) {
            RawTensor t = byKey.remove(e.getKey());
            if (t == null) {
                missing.add(e.getKey());
                continue;
            }
            Parameter p = e.getValue();
            check(p, t, source);
            Initializer before = p.getInitializer();
            p.setInitializer(
                    (manager, shape, dataType) -> {
                        var a = NativeTensors.fp32(manager, t);
                        p.setInitializer(before); // let go of t: the mapping can be unmapped
                        consumed.accept(t);
                        return a;
                    });
        }
        byKey.keySet().removeIf(BertWeights::unused);
        if (!missing.isEmpty()) {
            throw new UserInputException(
                    source
                            + ": missing "
                            + missing.size()
                            + " tensor(s) the config needs: "
                            + preview(missing));
        }
        if (!byKey.isEmpty()) {
            throw new UserInputException(
                    source
                            + ": "
                            + byKey.size()
                            + " unexpected tensor(s) for this config.json: "
                            + preview(new ArrayList<>(byKey.keySet())));
        }
    }

    private static void check(Parameter p, RawTensor t, String source) {
        long[] want = p.getShape().getShape();
        if (!Arrays.equals(want, t.shape())) {
            throw new UserInputException(
                    source
                            + ": tensor "
                            + t.name()
                            + " has shape "
                            + Arrays.toString(t.shape())
                            + " but config.json implies "
                            + Arrays.toString(want));
        }
        DType d = t.dtype();
        if (d != DType.F32 && d != DType.F16 && d != DType.BF16 && d != DType.F64) {
            throw new UserInputException(
                    source
                            + ": tensor "
                            + t.name()
                            + " has dtype "
                            + d
                            + ", expected a float type");
        }
    }

    /** Tensors mean pooling never reads. */
    private static boolean unused(String key) {
        return key.startsWith("pooler.")
                || key.startsWith("cls.")
                || key.equals("embeddings.position_ids")
                || key.equals("embeddings.token_type_ids");
    }

    private static Map<String, RawTensor> normalise(Map<String, RawTensor> sd, String source) {
        Map<String, RawTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, RawTensor> e : sd.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("bert.")) {
                k = k.substring("bert.".length());
            }
            if (out.put(k, e.getValue()) != null) {
                throw new UserInputException(
                        source + ": tensor " + k + " appears with and without the bert. prefix");
            }
        }
        return out;
    }

    private static String preview(List<String> keys) {
        TreeSet<String> sorted = new TreeSet<>(keys);
        List<String> first = new ArrayList<>(sorted).subList(0, Math.min(5, sorted.size()));
        return String.join(", ", first) + (sorted.size() > 5 ? ", …" : "");
    }
}
