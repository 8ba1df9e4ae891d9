package dev.ouroboros.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.models.UserInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * compare.csv / compare.md of a hand-made run: replace (written first, so the default baseline) and
 * accumulate, seeds 0–2 and a seed 3 that only accumulate has.
 */
class ComparisonTest {
    @TempDir Path run;

    private void row(String policy, int seed, int gen, String split, String metric, double v) {
        MetricsLog.append(
                run.resolve(MetricsLog.FILE),
                MetricsRow.of(policy, seed, gen, split, Map.of(metric, v), Map.of()));
    }

    /**
     * bits_per_byte (test): generation 0 is shared (20, 21, 22 on both). Generation 1: replace 30,
     * 31, 32 and accumulate 33, 30, 34 on seeds 0–2, so d = accumulate − replace = (3, −1, 2);
     * accumulate's seed 3 (40) has no replace partner. By hand: d̄ = 4/3 = 1.3333; s_d² = ((5/3)² +
     * (−7/3)² + (2/3)²)/2 = 13/3, s_d = 2.08167; t₀.₉₇₅,₂ = 4.30265; half-width 4.30265 · 2.08167 /
     * √3 = 5.17115: CI [−3.83781, 6.50448]. Sign flips of (3, −1, 2): sums 4, −2, 6, 0, 0, −6, 2,
     * −4; |sum| ≥ 4 for 4, 6, −6, −4: p = 4/8 = 0.5. Generation 0: d = (0, 0, 0), CI [0, 0], p = 1.
     *
     * <p>mtld (generated) exists for seed 0 only: n = 1, accumulate 70 − replace 50 = 20, no CI, no
     * p.
     */
    private void makeRun() {
        for (int s = 0; s < 3; s++) {
            row("replace", s, 0, "test", "bits_per_byte", 20 + s);
        }
        for (int s = 0; s < 3; s++) {
            row("replace", s, 1, "test", "bits_per_byte", 30 + s);
        }
        row("replace", 0, 1, "generated", "mtld", 50);
        double[] acc = {33, 30, 34};
        for (int s = 0; s < 3; s++) {
            row("accumulate", s, 0, "test", "bits_per_byte", 20 + s);
            row("accumulate", s, 1, "test", "bits_per_byte", acc[s]);
        }
        row("accumulate", 3, 0, "test", "bits_per_byte", 23);
        row("accumulate", 3, 1, "test", "bits_per_byte", 40);
        row("accumulate", 0, 1, "generated", "mtld", 70);
    }

    private static Map<String, String[]> csv(Path file) throws Exception {
        List<String> lines = Files.readAllLines(file);
        assertEquals(
                "baseline,policy,generation,split,metric,better,scale,n,estimate,std_d,ci95_lo,ci95_hi,p_sign_flip,seeds",
                lines.get(0));
        Map<String, String[]> m = new HashMap<>();
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",", -1);
            m.put(f[1] + "|" + f[2] + "|" + f[3] + "|" + f[4], f);
        }
        return m;
    }

    @Test
    void pairedDifferencesByHand() throws Exception {
        makeRun();
        Report.Result r = Report.write(run);
        assertEquals("replace", r.baseline(), "the first policy of the rows");
        Map<String, String[]> m = csv(run.resolve("report/compare.csv"));
        assertEquals(
                3, m.size(), m.keySet().toString()); // gens 0, 1 of bits_per_byte; gen 1 of mtld

        String[] g1 = m.get("accumulate|1|test|bits_per_byte");
        assertNotNull(g1);
        assertEquals("replace", g1[0]);
        assertEquals("lower", g1[5]);
        assertEquals("difference", g1[6], "bits are compared as differences");
        assertEquals("3", g1[7]);
        assertEquals(4.0 / 3, Double.parseDouble(g1[8]), 1e-12);
        assertEquals(Math.sqrt(13.0 / 3), Double.parseDouble(g1[9]), 1e-12);
        assertEquals(-3.837811679208931, Double.parseDouble(g1[10]), 1e-9);
        assertEquals(6.504478345875597, Double.parseDouble(g1[11]), 1e-9);
        assertEquals(0.5, Double.parseDouble(g1[12]), 0);
        assertEquals("0;1;2", g1[13], "seed 3 is left out");

        String[] g0 = m.get("accumulate|0|test|bits_per_byte");
        assertEquals(0.0, Double.parseDouble(g0[8]), 0);
        assertEquals(0.0, Double.parseDouble(g0[10]), 0);
        assertEquals(0.0, Double.parseDouble(g0[11]), 0);
        assertEquals(1.0, Double.parseDouble(g0[12]), 0);

        String[] one = m.get("accumulate|1|generated|mtld");
        assertEquals("1", one[7]);
        assertEquals(20.0, Double.parseDouble(one[8]), 0);
        assertEquals("", one[10], "no CI with one pair");
        assertEquals("", one[11]);
        assertEquals("", one[12], "no p with one pair");

        String md = Files.readString(run.resolve("report/compare.md"));
        assertTrue(md.contains("Baseline: `replace`"), md);
        assertTrue(md.contains("### bits_per_byte ↓ — test: policy − replace"), md);
        assertTrue(md.contains("| 1 | accumulate | 3 | 1.333 | [-3.838, 6.504] | 0.5 |"), md);
        assertTrue(md.contains("| 1 | accumulate | 1 | 20 | n/a | n/a |"), md);
        assertTrue(md.contains("With n = 1 there is the difference only"), md);
        // the unpaired seed is named, not dropped silently
        assertTrue(
                md.contains(
                        "- accumulate, seed 3, generation(s) 0–1: only accumulate has it, replace (the"
                                + " baseline) does not; left out of test bits_per_byte"),
                md);

        String html = Files.readString(run.resolve("report/index.html"));
        assertTrue(html.contains("Policies vs the baseline (<code>replace</code>)"), html);
        assertTrue(html.contains("<td>1.333 [-3.838, 6.504] p=0.5 (n=3)</td>"), html);
        assertTrue(html.contains("accumulate, seed 3, generation(s) 0–1"), html);
        assertTrue(Files.exists(run.resolve("report/plots/diff-bits_per_byte-vs-generation.png")));
        assertTrue(Files.exists(run.resolve("report/plots/diff-mtld-vs-generation-generated.png")));
    }

    @Test
    void anotherBaselineFlipsTheSignAndNamesTheMissingSide() throws Exception {
        makeRun();
        assertEquals("accumulate", Report.write(run, "accumulate").baseline());
        String[] g1 = csv(run.resolve("report/compare.csv")).get("replace|1|test|bits_per_byte");
        assertEquals(-4.0 / 3, Double.parseDouble(g1[8]), 1e-12);
        assertEquals(-6.504478345875597, Double.parseDouble(g1[10]), 1e-9);
        assertEquals(0.5, Double.parseDouble(g1[12]), 0);
        String md = Files.readString(run.resolve("report/compare.md"));
        assertTrue(
                md.contains(
                        "- replace, seed 3, generation(s) 0–1: only accumulate (the baseline) has it,"
                                + " replace does not; left out of test bits_per_byte"),
                md);
    }

    @Test
    void anUnknownBaselineIsOneLineNamingThePolicies() throws Exception {
        makeRun();
        UserInputException e =
                assertThrows(UserInputException.class, () -> Report.write(run, "acumulate"));
        assertTrue(
                e.getMessage().startsWith("baseline acumulate: no such policy in "),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("(policies: replace, accumulate)"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void onePolicyHasNothingToCompare() throws Exception {
        row("replace", 0, 0, "test", "bits_per_byte", 20);
        Report.write(run);
        assertEquals(1, Files.readAllLines(run.resolve("report/compare.csv")).size());
        assertTrue(
                Files.readString(run.resolve("report/compare.md"))
                        .contains("It is the only policy: nothing to compare."));
        assertFalse(
                Files.readString(run.resolve("report/index.html"))
                        .contains("Policies vs the baseline"));
    }

    /**
     * Perplexities are compared as ratios: replace 100, 200, 400 and accumulate 110, 180, 520 on
     * seeds 0–2 give log ratios ln 1.1, ln 0.9, ln 1.3; the estimate is their geometric mean
     * (1.1·0.9·1.3)^(1/3) and the interval exp(mean ± t₀.₉₇₅,₂ · s/√3), every end &gt; 0.
     */
    @Test
    void perplexitiesAreComparedAsRatios() throws Exception {
        double[] rep = {100, 200, 400};
        double[] acc = {110, 180, 520};
        for (int s = 0; s < 3; s++) {
            row("replace", s, 1, "test", "ppl_blocks64", rep[s]);
            row("accumulate", s, 1, "test", "ppl_blocks64", acc[s]);
        }
        Report.write(run);
        String[] f = csv(run.resolve("report/compare.csv")).get("accumulate|1|test|ppl_blocks64");
        assertEquals("ratio", f[6]);
        double[] lr = {Math.log(1.1), Math.log(0.9), Math.log(1.3)};
        double m = (lr[0] + lr[1] + lr[2]) / 3;
        double sd =
                Math.sqrt(
                        ((lr[0] - m) * (lr[0] - m)
                                        + (lr[1] - m) * (lr[1] - m)
                                        + (lr[2] - m) * (lr[2] - m))
                                / 2);
        double half = ReportTest.T975_DF2 * sd / Math.sqrt(3);
        assertEquals(Math.cbrt(1.1 * 0.9 * 1.3), Double.parseDouble(f[8]), 1e-12);
        assertEquals(sd, Double.parseDouble(f[9]), 1e-12);
        assertEquals(Math.exp(m - half), Double.parseDouble(f[10]), 1e-9);
        assertEquals(Math.exp(m + half), Double.parseDouble(f[11]), 1e-9);
        assertTrue(Double.parseDouble(f[10]) > 0);
        // the p of the log ratios (PairedStatsTest checks signFlipP itself)
        assertEquals(PairedStats.signFlipP(lr), Double.parseDouble(f[12]), 1e-12);
        String md = Files.readString(run.resolve("report/compare.md"));
        assertTrue(md.contains("### ppl_blocks64 ↓ — test: policy / replace (ratio)"), md);
        assertTrue(
                md.contains(
                        "| 1 | accumulate | 3 | ×"
                                + Summary.fmt(Math.cbrt(1.1 * 0.9 * 1.3))
                                + " |"),
                md);
    }

    /**
     * The real split (reference text, the same for every policy) and the base model's rows
     * (generation −1) are not compared; with 2 seeds compare.md states the floor of p.
     */
    @Test
    void realSplitAndBaseRowsAreNotComparedAndThePFloorIsStated() throws Exception {
        for (String p : List.of("replace", "accumulate")) {
            for (int s = 0; s < 2; s++) {
                row(p, s, -1, "test", "ppl_blocks64", 50 + s);
                row(p, s, 0, "real", "distinct_2", 0.5);
                row(p, s, 1, "real", "distinct_2", 0.5);
                row(p, s, 1, "generated", "distinct_2", p.equals("replace") ? 0.3 + s / 10.0 : 0.4);
            }
        }
        Report.write(run);
        List<String> lines = Files.readAllLines(run.resolve("report/compare.csv"));
        assertEquals(2, lines.size(), String.join("\n", lines));
        assertTrue(
                lines.get(1).startsWith("replace,accumulate,1,generated,distinct_2,"),
                lines.get(1));
        String md = Files.readString(run.resolve("report/compare.md"));
        assertFalse(md.contains("— real"), md);
        assertFalse(md.contains("| base |"), md);
        assertTrue(
                md.contains(
                        "With n = 2 seeds the smallest possible p = 2/2^2 = 0.5: no difference can reach"
                                + " p < 0.05 however large it is; n >= 6 seeds are needed for p < 0.05"
                                + " (smallest p = 0.03125)."),
                md);
        assertFalse(
                Files.exists(run.resolve("report/plots/diff-distinct_2-vs-generation-real.png")));
        // the summary keeps both: the base row as "base", the real split as a reference
        String summary = Files.readString(run.resolve("report/summary.md"));
        assertTrue(summary.contains("| base | 50.5"), summary);
        assertTrue(summary.contains("### distinct_2 ↑ — real"), summary);
    }

    @Test
    void theFloorOfPIsStatedOnlyWhileItIsAbove005() {
        for (int n : new int[] {1, 3, 5, 6}) {
            List<MetricsRow> rows = new java.util.ArrayList<>();
            for (int s = 0; s < n; s++) {
                rows.add(
                        MetricsRow.of("a", s, 1, "generated", Map.of("distinct_2", 0.5), Map.of()));
                rows.add(
                        MetricsRow.of(
                                "b", s, 1, "generated", Map.of("distinct_2", 0.4 + s), Map.of()));
            }
            java.util.Optional<String> note = Comparison.of(Summary.of(rows), "a").pFloorNote();
            assertEquals(n < 6, note.isPresent(), n + ": " + note);
            if (n == 1) {
                assertEquals(
                        "With n = 1 seed there is no p (nothing to permute); n >= 6 seeds are needed"
                                + " for p < 0.05.",
                        note.orElseThrow());
            }
            note.filter(x -> n > 1)
                    .ifPresent(
                            x ->
                                    assertTrue(
                                            x.contains(
                                                    "p = 2/2^"
                                                            + n
                                                            + " = "
                                                            + Summary.fmt(2 / Math.pow(2, n))),
                                            x));
        }
    }
}
