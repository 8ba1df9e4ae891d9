package dev.ouroboros.eval.syntax;

import java.util.List;

/**
 * One sentence as a dependency parser returns it: per token its Penn Treebank tag, its universal
 * POS tag (UPOS) and its head.
 *
 * @param words the tokens
 * @param xpos Penn Treebank tags, one per token
 * @param upos universal POS tags (UD v2), one per token
 * @param heads the 0-based index of each token's head; -1 for the root
 * @param relations the UD relation of each token to its head ({@code root} for the root)
 */
public record ParsedSentence(
        List<String> words,
        List<String> xpos,
        List<String> upos,
        int[] heads,
        List<String> relations) {
    public ParsedSentence {
        words = List.copyOf(words);
        xpos = List.copyOf(xpos);
        upos = List.copyOf(upos);
        relations = List.copyOf(relations);
        heads = heads.clone();
        int n = words.size();
        if (xpos.size() != n || upos.size() != n || heads.length != n || relations.size() != n) {
            throw new IllegalArgumentException(
                    "a parsed sentence needs one tag, head and relation per token");
        }
        for (int h : heads) {
            if (h < -1 || h >= n) {
                throw new IllegalArgumentException("head " + h + " is not a token of the sentence");
            }
        }
    }

    /**
     * The sentence as Guo et al. compare it: a node per token labelled with its UPOS tag, an
     * undirected edge between each token and its head.
     */
    public LabelledGraph graph() {
        int edges = 0;
        for (int h : heads) {
            edges += h >= 0 ? 1 : 0;
        }
        int[][] e = new int[edges][];
        int k = 0;
        for (int i = 0; i < heads.length; i++) {
            if (heads[i] >= 0) {
                e[k++] = new int[] {i, heads[i]};
            }
        }
        return LabelledGraph.of(upos.toArray(String[]::new), e);
    }
}
