package dev.ouroboros.models;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import dev.ouroboros.models.io.MappingScope;
import dev.ouroboros.models.io.RawTensor;
import dev.ouroboros.models.io.Safetensors;
import dev.ouroboros.models.io.StateDicts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * An OPT causal LM living on one device: the DJL {@link Model} (which owns the parameters' native
 * memory), the block, and one {@link ParameterStore} on the same device so that parameters are
 * never copied (docs/design.md#one-parameter-store).
 */
public final class LanguageModel implements AutoCloseable {
    private final Model model;
    private final OptForCausalLM block;
    private final ParameterStore ps;
    private final Map<Precision, AutocastStore> autocast = new java.util.EnumMap<>(Precision.class);

    private LanguageModel(Model model, OptForCausalLM block) {
        this.model = model;
        this.block = block;
        this.ps = new ParameterStore(model.getNDManager(), false);
    }

    /**
     * Refuses a tokenizer whose ids do not all fit this model's embedding ({@code vocab_size}): one
     * line naming both, instead of libtorch's "index out of range in self" mid-run (the model is
     * closed then).
     */
    /**
     * {@link #requireVocabulary(int, String)} for {@code tok}: every id it can produce must have an
     * embedding row (its largest id, not only its size, when the ids have gaps).
     */
    public LanguageModel requireVocabulary(
            dev.ouroboros.models.tokenizer.OptTokenizer tok, String tokenizerWhere) {
        if (tok.idLimit() > tok.vocabSize() && tok.idLimit() > config().vocabSize()) {
            int vocab = config().vocabSize();
            close();
            throw new UserInputException(
                    tokenizerWhere
                            + ": the tokenizer's ids reach "
                            + (tok.idLimit() - 1)
                            + " (its "
                            + tok.vocabSize()
                            + " ids have gaps), outside the model's vocab_size "
                            + vocab
                            + " (ids 0.."
                            + (vocab - 1)
                            + "; a tokenizer of another model?)");
        }
        return requireVocabulary(tok.vocabSize(), tokenizerWhere);
    }

    public LanguageModel requireVocabulary(int tokenizerSize, String tokenizerWhere) {
        if (tokenizerSize > config().vocabSize()) {
            int vocab = config().vocabSize();
            close();
            throw new UserInputException(
                    tokenizerWhere
                            + ": the tokenizer has "
                            + tokenizerSize
                            + " ids, more than the model's vocab_size "
                            + vocab
                            + " (a tokenizer of another model?)");
        }
        return this;
    }

    /**
     * Random initialisation from a seed (HF's init: N(0, init_std) weights, zero biases, unit
     * LayerNorm).
     */
    public static LanguageModel random(OptConfig cfg, long seed, Device device) {
        Engine.getInstance().setRandomSeed((int) seed);
        OptForCausalLM block = new OptForCausalLM(cfg);
        return onDevice(block, device);
    }

    /** {@code block} initialised on {@code device}; its parameters' memory is freed on failure. */
    private static LanguageModel onDevice(OptForCausalLM block, Device device) {
        Model model = Model.newInstance("opt", device);
        model.setBlock(block);
        try {
            block.initialize(model.getNDManager());
        } catch (RuntimeException | OutOfMemoryError e) { // e.g. a weight too big to allocate
            model.close();
            throw e;
        }
        return new LanguageModel(model, block);
    }

    /**
     * Loads an HF checkpoint directory: {@code config.json} plus {@code model.safetensors}, a
     * sharded safetensors index, or {@code pytorch_model.bin}. Half-precision weights are widened
     * to fp32, by libtorch, from the memory-mapped file; nothing is copied onto the Java heap.
     */
    public static LanguageModel load(Path dir, Device device) {
        return load(dir, device, java.util.function.UnaryOperator.identity());
    }

    /**
     * As {@link #load(Path, Device)}, with the checkpoint's config adjusted first (e.g. other
     * dropout rates for fine-tuning); the adjustment must not change any shape.
     */
    public static LanguageModel load(
            Path dir, Device device, java.util.function.UnaryOperator<OptConfig> adjust) {
        if (!Files.isDirectory(dir)) {
            throw new UserInputException(
                    dir + ": not a directory (expected an HF checkpoint directory)");
        }
        OptConfig cfg = adjust.apply(OptConfig.read(dir));
        OptForCausalLM block = new OptForCausalLM(cfg);
        // each tensor is unmapped as soon as its parameter holds its copy, the rest on close
        // (docs/design.md#loading-without-heap-copies)
        try (MappingScope mappings = new MappingScope()) {
            Map<String, RawTensor> sd = StateDicts.read(dir, mappings);
            OptWeights.bind(block, sd, dir.toString(), mappings::release);
            // NaN or an infinity in a weight: refused here, not as "perplexity NaN" or a failure
            // deep in synthesis (one host read)
            return FiniteWeights.require(onDevice(block, device), dir.toString());
        }
    }

    /**
     * Writes {@code config.json} and {@code model.safetensors} (F32, OPTForCausalLM keys), each
     * atomically.
     */
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Safetensors.write(
                dir.resolve("model.safetensors"),
                OptWeights.stateDict(block),
                Map.of("format", "pt"));
        block.config().write(dir.resolve("config.json"));
    }

    public OptConfig config() {
        return block.config();
    }

    public OptForCausalLM block() {
        return block;
    }

    public ParameterStore parameterStore() {
        return ps;
    }

    public NDManager manager() {
        return model.getNDManager();
    }

    public Device device() {
        return model.getNDManager().getDevice();
    }

    /** Number of parameters (tied embeddings counted once). */
    public long parameterCount() {
        long n = 0;
        for (var p : block.parametersByName().values()) {
            n += p.getShape().size();
        }
        return n;
    }

    /** Forward pass; see {@link OptForCausalLM} for the inputs and outputs. */
    public NDList forward(NDList inputs, boolean training) {
        return block.forward(ps, inputs, training);
    }

    /**
     * Inference forward whose logits are the last position's only: {@code (B, 1, V)} (HF's {@code
     * logits_to_keep=1}); the LM head never runs on the other positions. Same inputs as {@link
     * #forward(NDList, boolean)}.
     */
    public NDList forwardLast(NDList inputs) {
        return block.forward(ps, inputs, false, LAST_POSITION);
    }

    private static final ai.djl.util.PairList<String, Object> LAST_POSITION =
            new ai.djl.util.PairList<>(
                    java.util.List.of(OptForCausalLM.LAST_POSITION), java.util.List.of(true));

    /**
     * Forward pass computing in {@code precision} ({@link AutocastStore} for fp16/bf16): the
     * parameters stay fp32, the logits come back fp32.
     */
    public NDList forward(NDList inputs, boolean training, Precision precision) {
        if (!precision.isHalf()) {
            return forward(inputs, training);
        }
        AutocastStore a =
                autocast.computeIfAbsent(
                        precision, p -> new AutocastStore(model.getNDManager(), p));
        a.begin(block.linearParameters(), inputs.get(0).getManager(), training);
        try {
            return block.forward(a, inputs, training);
        } finally {
            a.end();
        }
    }

    /**
     * Logits {@code (B, T, V)} for a batch of equal-length rows with the given 0/1 attention mask.
     */
    public NDArray logits(NDManager m, long[][] ids, long[][] mask) {
        NDArray idArr = m.create(ids);
        NDArray maskArr = m.create(mask);
        return forward(new NDList(idArr, maskArr), false).get(0);
    }

    /** A batch of unpadded ids {@code (B, T)}: no mask (positions 0..T−1, SDPA's causal flag). */
    public static NDList unpadded(NDManager m, long[][] ids) {
        return new NDList(m.create(ids));
    }

    /** How the layers compute attention (default {@link Attention#SDPA}). */
    public LanguageModel attention(Attention a) {
        block.attention(a);
        return this;
    }

    @Override
    public void close() {
        model.close();
    }
}
