package dev.ouroboros.datasets;

import java.util.Arrays;

/**
 * Equal-length token blocks held as one flat int array ({@code count × blockSize}).
 *
 * <p>A block of one token is allowed: a synthetic set made with {@code --new-tokens 1} holds them.
 * Training needs at least 2 (the trainer and the configs refuse less).
 *
 * @param blockSize tokens per block (B), at least 1
 * @param tokens the blocks back to back; length is a multiple of {@code blockSize}
 */
public record TokenBlocks(int blockSize, int[] tokens) implements BlockSource {
    public TokenBlocks {
        if (blockSize < 1) {
            throw new IllegalArgumentException("block size must be at least 1, got " + blockSize);
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
