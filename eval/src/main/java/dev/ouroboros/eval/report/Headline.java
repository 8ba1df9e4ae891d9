package dev.ouroboros.eval.report;

import java.util.List;

/**
 * The metrics a reader of a collapse study looks at first — index.html shows them before the rest:
 * test perplexity and three diversity measures of the generated text.
 */
final class Headline {
    /**
     * {@code split:metric}, in the order shown; a metric ending in {@code *} is a prefix ({@code
     * ppl_blocks*}: the block perplexity whatever the block size).
     */
    static final List<String> METRICS =
            List.of(
                    "test:ppl_blocks*",
                    "generated:distinct_2",
                    "generated:mattr50",
                    "generated:self_bleu4");

    private Headline() {}

    /** The position of (split, metric) in {@link #METRICS}, or -1 when it is not a headline. */
    static int rank(String split, String metric) {
        for (int i = 0; i < METRICS.size(); i++) {
            String[] sm = METRICS.get(i).split(":", 2);
            boolean m =
                    sm[1].endsWith("*")
                            ? metric.startsWith(sm[1].substring(0, sm[1].length() - 1))
                            : metric.equals(sm[1]);
            if (m && split.equals(sm[0])) {
                return i;
            }
        }
        return -1;
    }

    /** Whether (split, metric) is a headline metric. */
    static boolean is(List<String> splitMetric) {
        return rank(splitMetric.get(0), splitMetric.get(1)) >= 0;
    }
}
