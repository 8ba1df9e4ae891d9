package dev.ouroboros.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
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
 * Maps HF state dicts onto {@link OptForCausalLM} parameters and back.
 *
 * <p>Both key layouts seen in the wild are accepted: {@code decoder.*} (OPTModel, as
 * facebook/opt-125m's {@code pytorch_model.bin}) and {@code model.decoder.*} (OPTForCausalLM), with
 * or without {@code lm_head.weight}. Saving always uses the OPTForCausalLM layout that {@code
 * transformers} writes.
 */
public final class OptWeights {
    private OptWeights() {}

    /**
     * Points every parameter's initializer at its tensor in {@code stateDict}, so that the next
     * {@code block.initialize(...)} allocates the loaded values directly (no random init, no second
     * copy, nothing on the Java heap: {@link NativeTensors}). Once a parameter's array exists its
     * initializer is the block's own again, so the block keeps no reference to the checkpoint's
     * bytes.
     *
     * @param source file or directory the tensors came from, named in every error
     */
    public static void bind(OptForCausalLM block, Map<String, RawTensor> stateDict, String source) {
        bind(block, stateDict, source, t -> {});
    }

    /**
     * As {@link #bind(OptForCausalLM, Map, String)}, calling {@code consumed} with each tensor once
     * its parameter holds a copy (e.g. {@link dev.ouroboros.models.io.MappingScope#release}).
     */
    public static void bind(
            OptForCausalLM block,
            Map<String, RawTensor> stateDict,
            String source,
            Consumer<RawTensor> consumed) {
        Map<String, RawTensor> byKey = normalise(stateDict, source);
        Map<String, Parameter> params = block.parametersByName();
        List<String> missing = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            RawTensor t = byKey.remove(e.getKey());
            if (t == null) {
                missing.add(e.getKey());
                continue;
            }
            Parameter p = e.getValue();
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
            if (t.dtype() != DType.F32
                    && t.dtype() != DType.F16
                    && t.dtype() != DType.BF16
                    && t.dtype() != DType.F64) {
                throw new UserInputException(
                        source
                                + ": tensor "
                                + t.name()
                                + " has dtype "
                                + t.dtype()
                                + ", expected a float type");
            }
            Initializer before = p.getInitializer();
            p.setInitializer(
                    (manager, shape, dataType) -> {
                        NDArray a = NativeTensors.fp32(manager, t);
                        p.setInitializer(before); // let go of t: the mapping can be unmapped
                        consumed.accept(t);
                        return a;
                    });
        }
        byKey.remove("lm_head.weight"); // tied checkpoints may still carry the (identical) head
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

    /**
     * The parameters as F32 tensors under OPTForCausalLM keys ({@code model.decoder.*}, {@code
     * lm_head.weight}).
     */
    public static List<RawTensor> stateDict(OptForCausalLM block) {
        List<RawTensor> out = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : block.parametersByName().entrySet()) {
            NDArray a = e.getValue().getArray();
            String key = e.getKey().startsWith("decoder.") ? "model." + e.getKey() : e.getKey();
            Shape s = a.getShape();
            out.add(
                    RawTensor.ofFloats(
                            key, s.getShape(), a.toFloatArray())); // parameters are fp32 masters
        }
        return out;
    }

    private static Map<String, RawTensor> normalise(Map<String, RawTensor> sd, String source) {
        Map<String, RawTensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, RawTensor> e : sd.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("model.")) {
                k = k.substring("model.".length());
            }
            if (out.put(k, e.getValue()) != null) {
                throw new UserInputException(
                        source + ": tensor " + k + " appears under both key layouts");
            }
        }
        return out;
    }

    private static String preview(List<String> keys) {
        TreeSet<String> sorted = new TreeSet<>(keys);
        List<String> first = new ArrayList<>(sorted).subList(0, Math.min(5, sorted.size()));
        return String.join(", ", first) + (sorted.size() > 5 ? ", …" : "");
    }

    /**
     * Copies a state dict (HF keys, with or without {@code model.}) into the parameters in place
     * (checkpoint resume, the best epoch's weights at the end of a run).
     */
    public static void copyInto(Map<String, RawTensor> sd, Map<String, Parameter> params) {
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            RawTensor t = sd.get("model." + e.getKey());
            if (t == null) {
                t = sd.get(e.getKey());
            }
            if (t == null) {
                throw new IllegalStateException("state dict has no tensor for " + e.getKey());
            }
            NDArray dst = e.getValue().getArray();
            if (!Arrays.equals(t.shape(), dst.getShape().getShape())) {
                throw new IllegalStateException(
                        e.getKey()
                                + ": shape "
                                + Arrays.toString(t.shape())
                                + " vs "
                                + dst.getShape());
            }
            try (NDManager m = dst.getManager().newSubManager()) {
                dst.set(new NDIndex("..."), NativeTensors.fp32(m, t));
            }
        }
    }
}
