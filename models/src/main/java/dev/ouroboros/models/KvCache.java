package dev.ouroboros.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * The keys and values of every layer for incremental decoding, allocated once per batch at their
 * final size: {@code k_i, v_i (N, H, capacity, D)}. Each forward writes its new positions in place
 * (no concatenation of the whole cache per token: O(S²) copies and allocations per sequence); beam
 * search reorders rows into a second buffer of the same size and swaps, so decoding allocates
 * nothing of the cache's size after the first step (docs/decoding.md#kv-cache).
 *
 * <p>Owns its buffers (a sub-manager of the one given); {@link #close} frees them.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final OptConfig cfg;
    private final long rows;
    private final long capacity;
    private NDList front;
    private NDList back; // beam reordering target, allocated on the first reorder

    private KvCache(NDManager parent, OptConfig cfg, long rows, long capacity) {
        this.manager = parent.newSubManager();
        this.cfg = cfg;
        this.rows = rows;
        this.capacity = capacity;
        this.front = buffers();
    }

    /** Zeroed buffers for {@code rows} sequences of up to {@code capacity} positions. */
    public static KvCache allocate(NDManager parent, OptConfig cfg, long rows, long capacity) {
        return new KvCache(parent, cfg, rows, capacity);
    }

    private NDList buffers() {
        Shape shape = new Shape(rows, cfg.numAttentionHeads(), capacity, cfg.headDim());
        NDList out = new NDList(2 * cfg.numHiddenLayers());
        for (int i = 0; i < 2 * cfg.numHiddenLayers(); i++) {
            out.add(manager.zeros(shape, DataType.FLOAT32));
        }
        return out;
    }

    /** {@code k_0, v_0, …}: the model's cache inputs ({@link OptForCausalLM}). */
    public NDList tensors() {
        return front;
    }

    public long capacity() {
        return capacity;
    }

    public long rows() {
        return rows;
    }

    /**
     * Row r becomes the old row {@code ix[r]} for the first {@code length} positions (beam search:
     * each beam continues its parent), in place: written into the second buffer, then swapped.
     */
    public void reorder(NDArray ix, long length) {
        if (back == null) {
            back = buffers();
        }
        TorchOps.reorder(front, back, ix, length);
        NDList t = front;
        front = back;
        back = t;
    }

    /**
     * A new cache whose row r is this cache's row {@code ix[r]} (e.g. a prompt's prefill copied to
     * each of its beams); this cache is left as it is.
     */
    public KvCache select(NDArray ix, long length) {
        KvCache out = new KvCache(manager.getParentManager(), cfg, ix.size(), capacity);
        List<NDArray> dst = out.front;
        TorchOps.reorder(front, dst, ix, length);
        return out;
    }

    @Override
    public void close() {
        manager.close();
    }
}
