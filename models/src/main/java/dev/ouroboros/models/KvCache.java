package dev.ouroboros.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The keys and values of every layer for incremental decoding, allocated once per batch at their
 * final size: {@code k_i, v_i (N, H, capacity, D)}. Each forward writes its new positions in place
 * (no concatenation of the whole cache per token: O(S²) copies and allocations per sequence); beam
 * search reorders rows in place, reading and writing only the rows whose parent is another row, so
 * one buffer of the cache's size exists and decoding allocates nothing of that size
 * (docs/design.md#kv-cache).
 *
 * <p>Owns its buffers (a sub-manager of the one given); {@link #close} frees them.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDList buffers; // k_0, v_0, …: (N, H, capacity, D) each
    private final long rows;
    private final long capacity;

    private KvCache(NDManager parent, OptConfig cfg, long rows, long capacity) {
        this.manager = parent.newSubManager();
        this.rows = rows;
        this.capacity = capacity;
        Shape shape = new Shape(rows, cfg.numAttentionHeads(), capacity, cfg.headDim());
        buffers = new NDList(2 * cfg.numHiddenLayers());
        for (int i = 0; i < 2 * cfg.numHiddenLayers(); i++) {
            buffers.add(manager.zeros(shape, DataType.FLOAT32));
        }
    }

    /** Zeroed buffers for {@code rows} sequences of up to {@code capacity} positions. */
    public static KvCache allocate(NDManager parent, OptConfig cfg, long rows, long capacity) {
        return new KvCache(parent, cfg, rows, capacity);
    }

    private KvCache(NDManager parent, NDList buffers) {
        this.manager = parent.newSubManager();
        buffers.attach(manager);
        this.buffers = buffers;
        this.rows = buffers.head().getShape().get(0);
        this.capacity = buffers.head().getShape().get(2);
    }

    /**
     * A cache of buffers made elsewhere ({@code k_0, v_0, …}, each {@code (N, H, capacity, D)}):
     * half-precision ones come from TorchScript, as DJL 0.35.1 cannot create bf16 tensors.
     */
    public static KvCache adopt(NDManager parent, NDList buffers) {
        return new KvCache(parent, buffers);
    }

    /**
     * {@code k_0, v_0, …}: the model's cache inputs ({@link OptForCausalLM}); the same arrays for
     * the cache's whole life.
     */
    public NDList tensors() {
        return buffers;
    }

    /**
     * Views of the first {@code n} rows of every buffer ({@code (n, H, capacity, D)}, contiguous,
     * laid out as a cache of {@code n} rows), owned by {@code owner}: a prefill of {@code n}
     * prompts writes into them, and {@link #reorder} then copies each prompt to its beams.
     */
    public NDList firstRows(long n, NDManager owner) {
        if (n < 1 || n > rows) {
            throw new IllegalArgumentException("rows " + n + " outside [1, " + rows + "]");
        }
        NDList out = new NDList(buffers.size());
        for (NDArray b : buffers) {
            NDArray v = b.get(new NDIndex(":{}", n));
            v.attach(owner);
            out.add(v);
        }
        return out;
    }

    public long capacity() {
        return capacity;
    }

    public long rows() {
        return rows;
    }

    /**
     * Row r becomes the old row {@code ix[r]} for the first {@code length} positions (beam search:
     * each beam continues its parent), in place: only the rows with {@code ix[r] != r} are read and
     * written ({@link TorchOps#reorderRows}).
     */
    public void reorder(NDArray ix, long length) {
        if (ix.size() != rows) {
            throw new IllegalArgumentException(
                    "reorder: " + ix.size() + " parents for a cache of " + rows + " rows");
        }
        TorchOps.reorderRows(buffers, ix, length);
    }

    @Override
    public void close() {
        manager.close();
    }
}
