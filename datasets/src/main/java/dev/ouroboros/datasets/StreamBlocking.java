package dev.ouroboros.datasets;

import dev.ouroboros.models.tokenizer.OptTokenizer;

/**
 * Plain blocking: the whole text is tokenized once, with one BOS at the very start, and the id
 * stream is cut into blocks of B, the remainder dropped. Unlike {@link ShumailovBlocking} there is
 * no BOS per line.
 */
public final class StreamBlocking {
    private StreamBlocking() {}

    public static TokenBlocks blocks(String text, OptTokenizer tokenizer, int blockSize) {
        return cut(tokenizer.encode(text), blockSize);
    }

    /** Cuts {@code ids} into blocks of {@code blockSize}, dropping the remainder. */
    static TokenBlocks cut(long[] ids, int blockSize) {
        int usable = ids.length - ids.length % blockSize;
        int[] tokens = new int[usable];
        for (int i = 0; i < usable; i++) {
            tokens[i] = Math.toIntExact(ids[i]);
        }
        return new TokenBlocks(blockSize, tokens);
    }
}
