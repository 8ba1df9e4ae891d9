package dev.ouroboros.datasets;

import java.util.Arrays;

/**
 * Equal-length token blocks held as one flat int array ({@code count × blockSize}).
 *
 * @param blockSize tokens per block (B)
 * @param tokens the blocks back to back; length is a multiple of {@code blockSize}
 */
public record TokenBlocks(int blockSize, int[] tokens) implements BlockSource {
    public TokenBlocks {
        if (blockSize < 2) {
            throw new IllegalArgumentException("block size must be at least 2, got " + blockSize);
        }
        if (tokens.length % blockSize != 0) {
            throw new IllegalArgumentException(
                    tokens.length + " tokens are not a whole number of blocks of " + blockSize);
        }
    }

    @Override
    public int count() {
        return tokens.length / blockSize;
    }

    /** Block {@code i} as a fresh array. */
    @Override
    public int[] block(int i) {
        return Arrays.copyOfRange(tokens, i * blockSize, (i + 1) * blockSize);
    }

    @Override
    public void read(int i, int[] dst, int offset) {
        System.arraycopy(tokens, i * blockSize, dst, offset, blockSize);
    }

    @Override
    public TokenBlocks toTokenBlocks() {
        return this;
    }

    /** The first {@code n} blocks (all if fewer). */
    public TokenBlocks limit(long n) {
        return n >= count()
                ? this
                : new TokenBlocks(blockSize, Arrays.copyOf(tokens, (int) n * blockSize));
    }
}
