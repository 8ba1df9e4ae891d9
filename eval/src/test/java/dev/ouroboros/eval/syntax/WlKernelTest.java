package dev.ouroboros.eval.syntax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The WL subtree kernel against kernels worked out by hand.
 *
 * <p>The graphs (labels at the nodes, "-" an undirected edge):
 *
 * <pre>
 * G1: A - B - A      G2: A - B      G3: A (alone)      G4: A - A - B
 * </pre>
 *
 * Level 0 (the labels themselves), histograms: G1 {A:2, B:1}, G2 {A:1, B:1}, G3 {A:1}, G4 {A:2,
 * B:1}.
 *
 * <p>Level 1 (own label, sorted neighbour labels): G1 {A(B):2, B(AA):1}; G2 {A(B):1, B(A):1}; G3
 * {A():1}; G4 {A(A):1, A(AB):1, B(A):1}.
 *
 * <p>Level 2 (the level-1 label with the level-1 labels around it): G1 {A(B)[B(AA)]:2,
 * B(AA)[A(B)A(B)]:1}; G2 {A(B)[B(A)]:1, B(A)[A(B)]:1}; G3 {A()[]:1}; G4 {A(A)[A(AB)]:1,
 * A(AB)[A(A)B(A)]:1, B(A)[A(AB)]:1} — no level-2 label is shared by two different graphs.
 *
 * <p>Dot products per level (0 + 1 + 2):
 *
 * <pre>
 * k(G1,G1) = (4+1) + (4+1) + (4+1) = 15      k(G2,G2) = 2 + 2 + 2 = 6
 * k(G3,G3) = 1 + 1 + 1 = 3                    k(G4,G4) = 5 + 3 + 3 = 11
 * k(G1,G2) = (2+1) + (2·1) + 0 = 5            k(G1,G3) = 2 + 0 + 0 = 2
 * k(G2,G3) = 1 + 0 + 0 = 1                    k(G1,G4) = (4+1) + 0 + 0 = 5
 * k(G2,G4) = (2+1) + (B(A): 1) + 0 = 4        k(G3,G4) = 2 + 0 + 0 = 2
 * </pre>
 *
 * With one iteration (levels 0 and 1) k(G1,G2) = 5, k(G1,G1) = 10, k(G2,G2) = 4.
 */
class WlKernelTest {
    static final LabelledGraph G1 =
            LabelledGraph.of(new String[] {"A", "B", "A"}, new int[][] {{0, 1}, {1, 2}});
    static final LabelledGraph G2 = LabelledGraph.of(new String[] {"A", "B"}, new int[][] {{0, 1}});
    static final LabelledGraph G3 = LabelledGraph.of(new String[] {"A"}, new int[][] {});
    static final LabelledGraph G4 =
            LabelledGraph.of(new String[] {"A", "A", "B"}, new int[][] {{0, 1}, {1, 2}});

    @Test
    void unnormalisedKernelOfTwoIterationsMatchesTheHandComputation() {
        double[][] k = new WlKernel(2).matrix(List.of(G1, G2, G3, G4));
        double[][] expected = {
            {15, 5, 2, 5},
            {5, 6, 1, 4},
            {2, 1, 3, 2},
            {5, 4, 2, 11}
        };
        for (int a = 0; a < 4; a++) {
            for (int b = 0; b < 4; b++) {
                assertEquals(expected[a][b], k[a][b], 0.0, "k(G" + (a + 1) + ",G" + (b + 1) + ")");
            }
        }
    }

    @Test
    void normalisedKernelDividesByTheDiagonal() {
        double[][] k = new WlKernel(2).normalisedMatrix(List.of(G1, G2, G3, G4));
        assertEquals(5 / Math.sqrt(15 * 6), k[0][1], 1e-15);
        assertEquals(2 / Math.sqrt(15 * 3), k[0][2], 1e-15);
        assertEquals(5 / Math.sqrt(15 * 11), k[0][3], 1e-15);
        assertEquals(4 / Math.sqrt(6 * 11), k[1][3], 1e-15);
        for (int a = 0; a < 4; a++) {
            assertEquals(1.0, k[a][a], 1e-15);
        }
        // one iteration: levels 0 and 1 only
        double[][] k1 = new WlKernel(1).normalisedMatrix(List.of(G1, G2));
        assertEquals(5 / Math.sqrt(10 * 4), k1[0][1], 1e-15);
        // zero iterations: the plain vertex histogram, k(G1,G2) = 3, k(G1,G1) = 5, k(G2,G2) = 2
        assertEquals(3 / Math.sqrt(10), new WlKernel(0).normalisedMatrix(List.of(G1, G2))[0][1]);
    }

    @Test
    void meanOffDiagonalOfTheHandWorkedGraphs() {
        // the 6 unordered pairs of the normalised matrix above, each counted twice
        double mean =
                (5 / Math.sqrt(90)
                                + 2 / Math.sqrt(45)
                                + 5 / Math.sqrt(165)
                                + 1 / Math.sqrt(18)
                                + 4 / Math.sqrt(66)
                                + 2 / Math.sqrt(33))
                        / 6;
        assertEquals(mean, new WlKernel(2).meanOffDiagonal(List.of(G1, G2, G3, G4)), 1e-14);
    }

    @Test
    void isomorphicGraphsAreIdenticalWhateverTheNodeOrder() {
        // G1 with its nodes numbered B, A, A
        LabelledGraph same =
                LabelledGraph.of(new String[] {"B", "A", "A"}, new int[][] {{1, 0}, {0, 2}});
        assertEquals(1.0, new WlKernel(2).normalisedMatrix(List.of(G1, same))[0][1], 1e-15);
        assertEquals(1.0, new WlKernel(2).meanOffDiagonal(List.of(G1, same, G1)), 1e-14);
    }

    @Test
    void shortcutEqualsTheExplicitPairwiseMeanOnRandomTrees() {
        SplittableRandom rng = new SplittableRandom(7);
        String[] tags = {"NOUN", "VERB", "DET", "ADJ", "PUNCT"};
        List<LabelledGraph> trees = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            int n = 1 + rng.nextInt(12);
            String[] labels = new String[n];
            int[][] edges = new int[n - 1][];
            for (int v = 0; v < n; v++) {
                labels[v] = tags[rng.nextInt(tags.length)];
                if (v > 0) {
                    edges[v - 1] = new int[] {v, rng.nextInt(v)}; // a random tree
                }
            }
            trees.add(LabelledGraph.of(labels, edges));
        }
        double[][] k = new WlKernel(2).normalisedMatrix(trees);
        double sum = 0;
        for (int a = 0; a < k.length; a++) {
            for (int b = 0; b < k.length; b++) {
                sum += a == b ? 0 : k[a][b];
            }
        }
        double explicit = sum / (k.length * (k.length - 1.0));
        assertEquals(explicit, new WlKernel(2).meanOffDiagonal(trees), 1e-12);
        assertTrue(explicit > 0 && explicit < 1, "random trees are neither equal nor disjoint");
    }

    @Test
    void emptyGraphsAreLeftOutAndTooFewGraphsHaveNoMean() {
        LabelledGraph empty = LabelledGraph.of(new String[0], new int[0][]);
        assertTrue(Double.isNaN(new WlKernel(2).meanOffDiagonal(List.of(G1, empty))));
        assertEquals(
                new WlKernel(2).meanOffDiagonal(List.of(G1, G2)),
                new WlKernel(2).meanOffDiagonal(List.of(G1, empty, G2)),
                0.0);
        assertThrows(IllegalArgumentException.class, () -> new WlKernel(-1));
        assertThrows(
                IllegalArgumentException.class,
                () -> LabelledGraph.of(new String[] {"A"}, new int[][] {{0, 1}}));
    }
}
