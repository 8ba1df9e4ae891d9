package dev.ouroboros.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run shaped like the real-corpus study of issue 20: base rows (generation −1), a replace seed
 * whose perplexity blows up (a raw t-interval would go far below 0), per-sample perplexities over
 * 30–8000, and the real split beside the generated one.
 */
class BaseRowsReportTest {
    static final List<String> POLICIES = List.of("replace", "accumulate");

    @TempDir Path run;

    /** Test perplexity: base 102, then per policy and seed (seed 2 of replace blows up). */
    static double ppl(String policy, int seed, int gen) {
        if (gen < 0) {
            return 102.0 + seed;
        }
        double growth = policy.equals("replace") ? 1.2 : 1.07;
        double blowUp = policy.equals("replace") && seed == 2 && gen >= 3 ? 3.5 : 1;
        return 105.6 * Math.pow(growth, gen) * (1 + 0.03 * seed) * blowUp;
    }

    static void makeRun(Path run) throws Exception {
        Path log = run.resolve(MetricsLog.FILE);
        for (String p : POLICIES) {
            for (int s = 0; s < 3; s++) {
                for (int g = -1; g <= 4; g++) {
                    double x = ppl(p, s, g);
                    MetricsLog.append(
                            log,
                            MetricsRow.of(
                                    p,
                                    s,
                                    g,
                                    "test",
                                    Map.of("ppl_blocks64", x),
                                    Map.of(
                                            "ppl_blocks64",
                                            Map.of(
                                                    "nll_sum",
                                                    1000 * Math.log(x),
                                                    "n_predictions",
                                                    1000.0))));
                    double d =
                            Math.max(0.2, 0.548 - (p.equals("replace") ? 0.09 : 0.065) * (g + 1));
                    MetricsLog.append(
                            log,
                            MetricsRow.of(
                                    p,
                                    s,
                                    g,
                                    "generated",
                                    Map.of("distinct_2", d + 0.004 * s),
                                    Map.of()));
                    MetricsLog.append(
                            log,
                            MetricsRow.of(p, s, g, "real", Map.of("distinct_2", 0.55), Map.of()));
                    if (g < 0) {
                        continue;
                    }
                    SplittableRandom rng = new SplittableRandom(100L * s + g + p.length());
                    double[] v = new double[200];
                    for (int i = 0; i < v.length; i++) {
                        double sd = p.equals("replace") ? 1.1 + 0.1 * g : 0.9;
                        v[i] =
                                120
                                        * Math.exp(
                                                sd * ReportTest.gauss(rng)
                                                        - (p.equals("replace") ? 0.3 * g : 0));
                        v[i] = Math.min(8000, Math.max(30, v[i]));
                    }
                    MetricsLog.append(
                            log,
                            MetricsRow.of(
                                    p,
                                    s,
                                    g,
                                    "synthetic",
                                    Map.of(
                                            "ppl_sample_p90",
                                            Distribution.quantile(v, 0.9) * (s == 2 ? 40 : 1)),
                                    Map.of()));
                    ObjectNode e = new ObjectMapper().createObjectNode();
                    PerSamplePpl.put(e, Map.of("synthetic", v));
                    Path gd =
                            Files.createDirectories(
                                    run.resolve(
                                            "policy="
                                                    + p
                                                    + "/seed="
                                                    + s
                                                    + "/gen="
                                                    + String.format("%03d", g)));
                    Files.writeString(gd.resolve("eval.json"), e.toString());
                }
            }
        }
        Files.writeString(run.resolve("manifest.json"), "{\"git_sha\":\"abc\"}\n");
    }

    @Test
    void baseRowsAreShownAsBaseAndNoPerplexityBandReachesZero() throws Exception {
        makeRun(run);
        Report.write(run);
        List<String> csv = Files.readAllLines(run.resolve("report/summary.csv"));
        List<String> head = List.of(csv.get(0).split(","));
        int lo = head.indexOf("ci95_lo");
        int scale = head.indexOf("scale");
        int checked = 0;
        for (String line : csv.subList(1, csv.size())) {
            String[] f = line.split(",", -1);
            if (f[3].startsWith("ppl_")) {
                assertEquals("log", f[scale], line);
                assertTrue(Double.parseDouble(f[lo]) > 0, line);
                checked++;
            }
        }
        // ppl_blocks64: 2 policies × 6 generations; p90: 2 policies × 5 generations
        assertEquals(12 + 10, checked);
        String md = Files.readString(run.resolve("report/summary.md"));
        assertTrue(md.contains("| base | 103 ["), md);
        String html = Files.readString(run.resolve("report/index.html"));
        assertTrue(html.contains("<td>base</td>"), "base row in the HTML tables");
        assertTrue(html.contains("base, 0–4"), "progress lists the base");
        String cmp = Files.readString(run.resolve("report/compare.csv"));
        assertTrue(!cmp.contains(",real,") && !cmp.contains(",-1,"), cmp);
    }

    /** Writes the run and its report into args[0], to look at the plots. */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        makeRun(dir);
        System.out.println(Report.write(dir).dir());
    }
}
