package dev.ouroboros.eval.syntax;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Weisfeiler-Lehman subtree kernel (Shervashidze et al. 2011) with the vertex-histogram base
 * kernel, as GraKeL's {@code WeisfeilerLehman(n_iter=h, base_graph_kernel=VertexHistogram,
 * normalize=True)} computes it (the setting of Guo et al. 2024).
 *
 * <p>Level 0 labels each node with its own label; level i + 1 relabels node v with the pair (its
 * level-i label, the sorted multiset of its neighbours' level-i labels), compressed to a fresh
 * integer shared by every graph of the sample. The feature vector φ(G) counts, for every level 0..h
 * ({@code h + 1} levels: GraKeL's {@code n_iter} counts the relabelings), how many nodes carry each
 * compressed label; k(G, G') = ⟨φ(G), φ(G')⟩, the sum over the levels of the vertex-histogram
 * kernels, and the normalised kernel is k(a, b) / √(k(a, a) · k(b, b)).
 */
public final class WlKernel {
    private final int iterations;

    /**
     * @param iterations h, the number of relabelings (Guo et al.: 2)
     */
    public WlKernel(int iterations) {
        if (iterations < 0) {
            throw new IllegalArgumentException("WL iterations must be >= 0, not " + iterations);
        }
        this.iterations = iterations;
    }

    /**
     * φ of each graph: a sparse map compressed label → count. Labels are compressed over the whole
     * list, so the vectors of one call are comparable with each other (and only with each other).
     */
    public List<Map<Integer, Integer>> features(List<LabelledGraph> graphs) {
        Map<String, Integer> dictionary = new HashMap<>();
        List<Map<Integer, Integer>> phi = new ArrayList<>();
        List<int[]> current = new ArrayList<>();
        for (LabelledGraph g : graphs) {
            int[] ids = new int[g.size()];
            for (int v = 0; v < ids.length; v++) {
                ids[v] = intern(dictionary, "0|" + g.labels()[v]);
            }
            current.add(ids);
            phi.add(new HashMap<>());
        }
        for (int level = 0; ; level++) {
            for (int i = 0; i < graphs.size(); i++) {
                for (int id : current.get(i)) {
                    phi.get(i).merge(id, 1, Integer::sum);
                }
            }
            if (level == iterations) {
                return phi;
            }
            for (int i = 0; i < graphs.size(); i++) {
                current.set(i, relabel(graphs.get(i), current.get(i), level + 1, dictionary));
            }
        }
    }

    /** One WL step: each node's label with its neighbours' sorted labels, compressed. */
    private static int[] relabel(
            LabelledGraph g, int[] labels, int level, Map<String, Integer> dictionary) {
        int[] out = new int[labels.length];
        for (int v = 0; v < labels.length; v++) {
            int[] ns = g.neighbours()[v];
            int[] around = new int[ns.length];
            for (int j = 0; j < ns.length; j++) {
                around[j] = labels[ns[j]];
            }
            Arrays.sort(around);
            out[v] = intern(dictionary, level + "|" + labels[v] + "," + Arrays.toString(around));
        }
        return out;
    }

    private static int intern(Map<String, Integer> dictionary, String credential) {
        return dictionary.computeIfAbsent(credential, k -> dictionary.size());
    }

    /** The unnormalised kernel matrix k(a, b) = ⟨φ(a), φ(b)⟩. */
    public double[][] matrix(List<LabelledGraph> graphs) {
        List<Map<Integer, Integer>> phi = features(graphs);
        int n = phi.size();
        double[][] k = new double[n][n];
        for (int a = 0; a < n; a++) {
            for (int b = a; b < n; b++) {
                k[a][b] = k[b][a] = dot(phi.get(a), phi.get(b));
            }
        }
        return k;
    }

    /** The normalised kernel matrix k(a, b) / √(k(a, a) · k(b, b)). */
    public double[][] normalisedMatrix(List<LabelledGraph> graphs) {
        double[][] k = matrix(graphs);
        int n = k.length;
        double[][] out = new double[n][n];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                out[a][b] = k[a][b] / Math.sqrt(k[a][a] * k[b][b]);
            }
        }
        return out;
    }

    /**
     * The mean of the normalised kernel over the n(n − 1) ordered pairs a ≠ b, computed in O(n ·
     * features) rather than O(n²): with ψ = φ / ‖φ‖, Σ_{a≠b} ⟨ψ_a, ψ_b⟩ = ‖Σ ψ‖² − Σ ‖ψ‖² = ‖Σ ψ‖²
     * − n. Empty graphs are left out.
     *
     * @return NaN with fewer than 2 non-empty graphs
     */
    public double meanOffDiagonal(List<LabelledGraph> graphs) {
        List<LabelledGraph> kept = graphs.stream().filter(g -> g.size() > 0).toList();
        int n = kept.size();
        if (n < 2) {
            return Double.NaN;
        }
        Map<Integer, Double> sum = new HashMap<>();
        for (Map<Integer, Integer> phi : features(kept)) {
            double norm = Math.sqrt(dot(phi, phi));
            phi.forEach((id, c) -> sum.merge(id, c / norm, Double::sum));
        }
        double total = 0;
        for (double s : sum.values()) {
            total += s * s;
        }
        return (total - n) / ((double) n * (n - 1));
    }

    private static double dot(Map<Integer, Integer> a, Map<Integer, Integer> b) {
        if (a.size() > b.size()) {
            return dot(b, a);
        }
        long s = 0;
        for (Map.Entry<Integer, Integer> e : a.entrySet()) {
            Integer o = b.get(e.getKey());
            if (o != null) {
                s += (long) e.getValue() * o;
            }
        }
        return s;
    }
}
