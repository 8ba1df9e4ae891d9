package dev.ouroboros.harness.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.models.UserInputException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Exact set sizes and membership of every policy (docs/design.md#mixing-policies). N = 100, three
 * synthetic sets of 100.
 */
class MixingPolicyTest {
    static final Pools P3 = Pools.full(100, 60, 100, 100, 100); // generation 3

    static Map<Integer, Long> bySource(List<Pick> picks) {
        return picks.stream().collect(Collectors.groupingBy(Pick::source, Collectors.counting()));
    }

    static void assertDistinct(List<Pick> picks) {
        assertEquals(picks.size(), new HashSet<>(picks).size(), "no item drawn twice");
    }

    @Test
    void replaceIsExactlyTheLatestSyntheticSet() {
        List<Pick> s = MixingPolicy.parse("replace").select(P3, new SplittableRandom(1));
        assertEquals(Map.of(3, 100L), bySource(s));
        assertDistinct(s);
    }

    @Test
    void keepRealDrawsAFreshFractionOfD0EachGeneration() {
        MixingPolicy p = MixingPolicy.parse("keep-real:0.1");
        SplittableRandom rng = new SplittableRandom(7);
        List<Pick> a = p.select(P3, rng);
        List<Pick> b = p.select(P3, rng);
        assertEquals(Map.of(Pick.REAL, 10L, 3, 90L), bySource(a));
        assertDistinct(a);
        Set<Pick> realA = a.stream().filter(Pick::isReal).collect(Collectors.toSet());
        Set<Pick> realB = b.stream().filter(Pick::isReal).collect(Collectors.toSet());
        assertTrue(!realA.equals(realB), "a fresh draw each time");
        assertTrue(
                a.stream().filter(Pick::isReal).allMatch(x -> x.index() < 100),
                "real part comes from D0");
    }

    @Test
    void accumulateIsTheWholeUnion() {
        List<Pick> s = MixingPolicy.parse("accumulate").select(P3, new SplittableRandom(1));
        assertEquals(Map.of(Pick.REAL, 100L, 1, 100L, 2, 100L, 3, 100L), bySource(s));
        assertDistinct(s);
    }

    @Test
    void accumulateSubsampleDrawsNWithoutReplacementFromTheUnion() {
        List<Pick> s =
                MixingPolicy.parse("accumulate-subsample").select(P3, new SplittableRandom(3));
        assertEquals(100, s.size());
        assertDistinct(s);
        assertTrue(bySource(s).size() >= 3, "draws from several sources: " + bySource(s));
        // over many draws each of the 4 sources gets about a quarter
        long real = 0;
        SplittableRandom rng = new SplittableRandom(5);
        for (int i = 0; i < 200; i++) {
            real +=
                    MixingPolicy.parse("accumulate-subsample").select(P3, rng).stream()
                            .filter(Pick::isReal)
                            .count();
        }
        assertEquals(0.25, real / 20000.0, 0.02);
    }

    @Test
    void freshRealUsesUnusedRealItemsOnce() {
        MixingPolicy p = MixingPolicy.parse("fresh-real:0.2");
        assertEquals(60, p.freshRealNeeded(100, 3));
        Set<Integer> seen = new HashSet<>();
        for (int t = 1; t <= 3; t++) {
            int[] sizes = new int[t];
            java.util.Arrays.fill(sizes, 100);
            List<Pick> s = p.select(Pools.full(100, 60, sizes), new SplittableRandom(t));
            assertEquals(Map.of(Pick.REAL, 20L, t, 80L), bySource(s));
            for (Pick x : s) {
                if (x.isReal()) {
                    assertTrue(x.index() >= 100, "never from D0");
                    assertTrue(seen.add(x.index()), "never reused");
                }
            }
        }
        assertThrows(
                UserInputException.class,
                () -> p.select(Pools.full(100, 30, 100, 100), new SplittableRandom(1)));
    }

    @Test
    void mixTakesAlphaFromD0BetaFromThePreviousAndGammaFromTheLatest() {
        List<Pick> s = MixingPolicy.parse("mix:0.1,0.3,0.6").select(P3, new SplittableRandom(2));
        assertEquals(Map.of(Pick.REAL, 10L, 2, 30L, 3, 60L), bySource(s));
        assertDistinct(s);
        List<Pick> first =
                MixingPolicy.parse("mix:0.1,0.3,0.6")
                        .select(Pools.full(100, 0, 100), new SplittableRandom(2));
        assertEquals(Map.of(Pick.REAL, 40L, 1, 60L), bySource(first), "generation 1: S_0 is D0");
    }

    @Test
    void curationKeepsTheItemsAtOrBelowTheQuantile() {
        double[] ppl = {5, 1, 9, 3, 7, 2, 8, 4, 6, 10};
        assertEquals(
                List.of(1, 3, 5, 7),
                java.util.Arrays.stream(MixingPolicy.Curated.curate(ppl, 0.4)).boxed().toList());
        MixingPolicy p = MixingPolicy.parse("replace+curate:0.9");
        assertInstanceOf(MixingPolicy.Curated.class, p);
        Pools curated =
                new Pools(
                        Pools.range(0, 10),
                        new int[0],
                        List.of(MixingPolicy.Curated.curate(ppl, 0.9)));
        List<Pick> s = p.select(curated, new SplittableRandom(1));
        assertEquals(9, s.size());
        assertTrue(
                s.stream().noneMatch(x -> x.index() == 9),
                "the highest-perplexity block is dropped");
    }

    @Test
    void specsRoundTripAndBadSpecsAreRejectedClearly() {
        for (String spec :
                List.of(
                        "replace",
                        "keep-real:0.1",
                        "accumulate",
                        "accumulate-subsample",
                        "fresh-real:0.5",
                        "mix:0.2,0.3,0.5",
                        "accumulate+curate:0.9")) {
            assertEquals(spec, MixingPolicy.parse(spec).spec());
        }
        UserInputException e =
                assertThrows(UserInputException.class, () -> MixingPolicy.parse("acumulate"));
        assertTrue(e.getMessage().contains("did you mean 'accumulate'"), e.getMessage());
        assertThrows(UserInputException.class, () -> MixingPolicy.parse("keep-real:1.5"));
        assertThrows(UserInputException.class, () -> MixingPolicy.parse("keep-real"));
        assertThrows(UserInputException.class, () -> MixingPolicy.parse("mix:0.5,0.5"));
        assertThrows(UserInputException.class, () -> MixingPolicy.parse("mix:0.5,0.5,0.5"));
        assertThrows(UserInputException.class, () -> MixingPolicy.parse("replace:3"));
        assertThrows(UserInputException.class, () -> MixingPolicy.parse("replace+curate:0"));
    }

    /**
     * keep-real:0.1+curate:0.5 drew 90% of N from a set cut to about half and died with an
     * IllegalStateException (exit 1, a stack trace) in generation 1. A cut below what the policy
     * draws from one synthetic set is now refused when the config is read.
     */
    @Test
    void aCutBelowWhatThePolicyDrawsIsRefusedWhenParsed() {
        UserInputException e =
                assertThrows(
                        UserInputException.class,
                        () -> MixingPolicy.parse("keep-real:0.1+curate:0.5"));
        assertEquals(
                "policy 'keep-real:0.1+curate:0.5': keep-real:0.1 draws 90.0% of N from a synthetic"
                        + " set, but curate:0.5 keeps only about 50.0% of it; use a quantile of at"
                        + " least 0.9, or a policy that trains on what survives the cut (replace,"
                        + " accumulate, accumulate-subsample)",
                e.getMessage());
        assertThrows(
                UserInputException.class, () -> MixingPolicy.parse("fresh-real:0.2+curate:0.7"));
        assertThrows(
                UserInputException.class, () -> MixingPolicy.parse("mix:0.1,0.2,0.7+curate:0.6"));
        assertThrows(
                UserInputException.class, () -> MixingPolicy.parse("mix:0.1,0.8,0.1+curate:0.5"));
        for (String ok :
                List.of(
                        "replace+curate:0.1",
                        "accumulate+curate:0.1",
                        "accumulate-subsample+curate:0.1",
                        "keep-real:0.5+curate:0.5",
                        "fresh-real:0.1+curate:0.9",
                        "mix:0.1,0.2,0.7+curate:0.7")) {
            assertEquals(ok, MixingPolicy.parse(ok).spec());
        }
    }

    /**
     * At the lowest quantile allowed, every N draws without running short, however the shares
     * round, and the set has N items.
     */
    @Test
    void theLowestAllowedCutAlwaysLeavesEnough() {
        double[][] keep = {{0.1, 0.9}, {0.3, 0.7}, {0.25, 0.75}, {0.05, 0.95}, {0.5, 0.5}};
        for (int n = 1; n <= 400; n++) {
            double[] ppl = new double[n];
            for (int i = 0; i < n; i++) {
                ppl[i] = (i * 7919L) % n; // distinct scores, no ties to help
            }
            for (double[] fq : keep) {
                for (String inner : List.of("keep-real:", "fresh-real:")) {
                    MixingPolicy p = MixingPolicy.parse(inner + fq[0] + "+curate:" + fq[1]);
                    int[] cut = MixingPolicy.Curated.curate(ppl, fq[1]);
                    Pools pools = new Pools(Pools.range(0, n), Pools.range(n, 3 * n), List.of(cut));
                    assertEquals(n, p.select(pools, new SplittableRandom(n)).size(), p + " N=" + n);
                }
            }
            MixingPolicy mix = MixingPolicy.parse("mix:0.15,0.15,0.7+curate:0.7");
            int[] cut = MixingPolicy.Curated.curate(ppl, 0.7);
            Pools two = new Pools(Pools.range(0, n), new int[0], List.of(cut, cut));
            assertEquals(n, mix.select(two, new SplittableRandom(n)).size(), "mix N=" + n);
        }
    }

    @Test
    void sameSeedSameSet() {
        MixingPolicy p = MixingPolicy.parse("keep-real:0.3");
        assertEquals(
                p.select(P3, new SplittableRandom(42)), p.select(P3, new SplittableRandom(42)));
    }
}
