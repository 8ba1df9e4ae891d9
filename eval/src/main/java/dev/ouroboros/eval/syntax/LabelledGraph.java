package dev.ouroboros.eval.syntax;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An undirected graph with a label on each node: what the Weisfeiler-Lehman kernel compares.
 *
 * @param labels one label per node
 * @param neighbours {@code neighbours[v]}: the nodes joined to {@code v} (each edge listed at both
 *     ends)
 */
public record LabelledGraph(String[] labels, int[][] neighbours) {
    public LabelledGraph {
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(neighbours, "neighbours");
        if (labels.length != neighbours.length) {
            throw new IllegalArgumentException(
                    labels.length + " labels for " + neighbours.length + " nodes");
        }
        for (int[] ns : neighbours) {
            for (int n : ns) {
                if (n < 0 || n >= labels.length) {
                    throw new IllegalArgumentException("neighbour " + n + " is not a node");
                }
            }
        }
    }

    /** The graph with {@code labels} and one undirected edge per pair {@code edges[i] = {a, b}}. */
    public static LabelledGraph of(String[] labels, int[][] edges) {
        List<List<Integer>> adj = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            adj.add(new ArrayList<>());
        }
        for (int[] e : edges) {
            if (e.length != 2) {
                throw new IllegalArgumentException("an edge joins 2 nodes, not " + e.length);
            }
            for (int v : e) {
                if (v < 0 || v >= labels.length) {
                    throw new IllegalArgumentException("edge end " + v + " is not a node");
                }
            }
            adj.get(e[0]).add(e[1]);
            adj.get(e[1]).add(e[0]);
        }
        int[][] ns = new int[labels.length][];
        for (int i = 0; i < ns.length; i++) {
            ns[i] = adj.get(i).stream().mapToInt(Integer::intValue).toArray();
        }
        return new LabelledGraph(labels.clone(), ns);
    }

    /** The number of nodes. */
    public int size() {
        return labels.length;
    }
}
