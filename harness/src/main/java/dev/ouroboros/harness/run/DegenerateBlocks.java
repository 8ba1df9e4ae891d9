package dev.ouroboros.harness.run;

import dev.ouroboros.datasets.BlockSource;
import dev.ouroboros.models.TokenIds;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.util.HashMap;
import java.util.Map;

/**
 * The degenerate-block share of a synthetic set ({@code degenerate_share}, docs/metrics.md): the
 * share of its blocks in which one token id fills at least {@link #ONE_TOKEN} of the positions (a
 * block of one repeated token, e.g. 64 newlines), or whose decoded text is at least {@link
 * #WHITESPACE} whitespace characters (mostly newlines and spaces, whatever the tokens). Such blocks
 * carry no language; a model trained on them learns to repeat them
 * (docs/studies.md#line-structure).
 */
final class DegenerateBlocks {
    /** Share of a block's positions one token id must fill. */
    static final double ONE_TOKEN = 0.75;

    /** Share of a block's decoded characters that must be whitespace. */
    static final double WHITESPACE = 0.75;

    private DegenerateBlocks() {}

    /** The share of {@code blocks} that are degenerate; NaN for an empty set. */
    static double share(BlockSource blocks, OptTokenizer tok) {
        if (blocks.count() == 0) {
            return Double.NaN;
        }
        int n = 0;
        for (int i = 0; i < blocks.count(); i++) {
            long[] ids = TokenIds.toLong(blocks.block(i));
            n += isDegenerate(ids, tok.decode(ids)) ? 1 : 0;
        }
        return (double) n / blocks.count();
    }

    /** Whether one block ({@code ids}, decoded as {@code text}) is degenerate. */
    static boolean isDegenerate(long[] ids, String text) {
        if (ids.length == 0) {
            return false;
        }
        Map<Long, Integer> counts = new HashMap<>();
        int top = 0;
        for (long id : ids) {
            top = Math.max(top, counts.merge(id, 1, Integer::sum));
        }
        if (top >= ONE_TOKEN * ids.length) {
            return true;
        }
        long chars = text.codePoints().count();
        long blank = text.codePoints().filter(Character::isWhitespace).count();
        return chars == 0 || blank >= WHITESPACE * chars;
    }
}
