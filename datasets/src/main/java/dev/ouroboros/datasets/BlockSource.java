package dev.ouroboros.datasets;

import java.util.List;

/**
 * Read access to equal-length token blocks, whether on the heap ({@link TokenBlocks}) or
 * memory-mapped from disk ({@link BlockFile}); views combine sources without copying them.
 */
public interface BlockSource {
    /** Tokens per block. */
    int blockSize();

    /** Number of blocks. */
    int count();

    /** Block {@code i} as a fresh array of {@link #blockSize()} ids. */
    default int[] block(int i) {
        int[] out = new int[blockSize()];
        read(i, out, 0);
        return out;
    }

    /** Copies block {@code i} into {@code dst} starting at {@code offset}. */
    void read(int i, int[] dst, int offset);

    /** The largest id in any block (-1 when there is none); reads every block once. */
    default int maxId() {
        int[] b = new int[blockSize()];
        int max = -1;
        for (int i = 0; i < count(); i++) {
            read(i, b, 0);
            for (int id : b) {
                max = Math.max(max, id);
            }
        }
        return max;
    }

    /** All blocks on the heap (only for sources known to be small). */
    default TokenBlocks toTokenBlocks() {
        int b = blockSize();
        int[] tokens = new int[Math.multiplyExact(count(), b)];
        for (int i = 0; i < count(); i++) {
            read(i, tokens, i * b);
        }
        return new TokenBlocks(b, tokens);
    }

    /**
     * The blocks of {@code sources} one after another (all must share the block size); a view,
     * nothing copied.
     */
    static BlockSource concat(List<? extends BlockSource> sources) {
        return new BlockViews.Concat(List.copyOf(sources));
    }

    /** The blocks at {@code indices} of this source, in that order (repeats allowed); a view. */
    default BlockSource select(int[] indices) {
        return new BlockViews.Selection(this, indices.clone());
    }
}
