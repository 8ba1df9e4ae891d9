package dev.ouroboros.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.eval.metrics.MetricsLog;
import dev.ouroboros.eval.metrics.MetricsRow;
import dev.ouroboros.models.UserInputException;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A synthetic run: 2 policies × 3 seeds × 4 generations with numbers known in closed form. */
class ReportTest {
    static final List<String> POLICIES = List.of("accumulate", "replace");
    static final double T975_DF2 =
            4.302652729749464; // t_{0.975, 2}, from tables (scipy.stats.t.ppf(0.975, 2))

    @TempDir Path run;

    /** ppl_blocks64: replace grows 30 → 30·1.5^g, accumulate stays ≈30; seed s adds 2s. */
    static double ppl(String policy, int seed, int gen) {
        return (policy.equals("replace") ? 30 * Math.pow(1.5, gen) : 30 + 0.5 * gen) + 2 * seed;
    }

    static double distinct2(String policy, int seed, int gen) {
        return (policy.equals("replace") ? 0.6 - 0.1 * gen : 0.6 - 0.01 * gen) + 0.01 * seed * seed;
    }

    /**
     * Writes the synthetic run into {@code run} (also used to make the demo report for
     * check-report.sh).
     */
    static void makeRun(Path run, boolean withSamples) throws Exception {
        Path log = run.resolve("metrics.jsonl");
        for (String p : POLICIES) {
            for (int s = 0; s < 3; s++) {
                for (int g = 0; g < 4; g++) {
                    Map<String, Double> m = new LinkedHashMap<>();
                    m.put("ppl_blocks64", ppl(p, s, g));
                    m.put("distinct_2", distinct2(p, s, g));
                    MetricsLog.append(
                            log,
                            MetricsRow.of(
                                    p,
                                    s,
                                    g,
                                    "test",
                                    m,
                                    Map.of(
                                            "ppl_blocks64",
                                            Map.of(
                                                    "nll_sum",
                                                    1000.0 * Math.log(ppl(p, s, g)),
                                                    "n_predictions",
                                                    1000.0))));
                    MetricsLog.append(
                            log,
                            MetricsRow.of(
                                    p,
                                    s,
                                    g,
                                    "synthetic",
                                    Map.of("mtld", 80.0 - g * (p.equals("replace") ? 15 : 2) + s),
                                    Map.of()));
                    if (withSamples) {
                        SplittableRandom rng = new SplittableRandom(1000L * s + g);
                        double[] v = new double[200];
                        for (int i = 0; i < v.length; i++) {
                            // log-normal around 20, narrowing and shifting down with each replace
                            // generation (Shumailov Fig. 1)
                            double sd = p.equals("replace") ? 0.6 / (1 + g) : 0.6;
                            v[i] =
                                    20
                                            * Math.exp(
                                                    sd * gauss(rng)
                                                            - (p.equals("replace") ? 0.2 * g : 0));
                        }
                        ObjectNode e = new ObjectMapper().createObjectNode();
                        e.put("generation", g);
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
        }
        Files.writeString(
                run.resolve("config.resolved.yaml"),
                "# scripts/ouro run configs/x.yaml\nname: <script>alert(1)</script>\nseeds: 3\n");
        Files.writeString(
                run.resolve("manifest.json"), "{\"git\":\"abc123\",\"device\":\"cpu\"}\n");
    }

    static double mean(double[] x) {
        double sum = 0;
        for (double v : x) {
            sum += v;
        }
        return sum / x.length;
    }

    /** The standard deviation with n − 1 in the denominator. */
    static double sampleStd(double[] x) {
        double m = mean(x);
        double ss = 0;
        for (double v : x) {
            ss += (v - m) * (v - m);
        }
        return Math.sqrt(ss / (x.length - 1));
    }

    static double gauss(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble()))
                * Math.cos(2 * Math.PI * r.nextDouble());
    }

    @Test
    void summaryNumbersAreTheSeedStatistics() throws Exception {
        makeRun(run, true);
        Report.Result r = Report.write(run);
        assertEquals(POLICIES.size() * 3 * 4 * 2, r.rows());
        List<String> csv = Files.readAllLines(run.resolve("report/summary.csv"));
        assertEquals(
                "policy,generation,split,metric,version,better,n,mean,std,ci95_half,ci95_lo,ci95_hi,scale,center",
                csv.get(0));
        Map<String, String[]> byKey = new HashMap<>();
        for (String line : csv.subList(1, csv.size())) {
            String[] f = line.split(",", -1);
            byKey.put(f[0] + "|" + f[1] + "|" + f[2] + "|" + f[3], f);
        }
        assertEquals(
                2 * 4 * 3, byKey.size()); // policies × generations × (2 test metrics + 1 synthetic)
        for (String p : POLICIES) {
            for (int g = 0; g < 4; g++) {
                double[] x = {ppl(p, 0, g), ppl(p, 1, g), ppl(p, 2, g)};
                double mean = mean(x);
                double s = sampleStd(x);
                assertEquals(2.0, s, 1e-9); // seeds add 0, 2, 4
                String[] f = byKey.get(p + "|" + g + "|test|ppl_blocks64");
                assertNotNull(f, p + " " + g);
                assertEquals("v1", f[4]);
                assertEquals("lower", f[5]);
                assertEquals("3", f[6]);
                assertEquals(mean, Double.parseDouble(f[7]), 1e-9);
                assertEquals(s, Double.parseDouble(f[8]), 1e-9);
                // perplexity: geometric mean, the interval of mean ln ppl (= mean NLL)
                // back-transformed; no symmetric half-width
                double[] lx = {Math.log(x[0]), Math.log(x[1]), Math.log(x[2])};
                double lm = mean(lx);
                double lh = T975_DF2 * sampleStd(lx) / Math.sqrt(3);
                assertEquals("", f[9]);
                assertEquals(Math.exp(lm - lh), Double.parseDouble(f[10]), 1e-9);
                assertEquals(Math.exp(lm + lh), Double.parseDouble(f[11]), 1e-9);
                assertEquals("log", f[12]);
                assertEquals(Math.cbrt(x[0] * x[1] * x[2]), Double.parseDouble(f[13]), 1e-9);
                double[] d = {distinct2(p, 0, g), distinct2(p, 1, g), distinct2(p, 2, g)};
                double dm = mean(d);
                double ds = sampleStd(d);
                String[] h = byKey.get(p + "|" + g + "|test|distinct_2");
                assertEquals("higher", h[5]);
                assertEquals(dm, Double.parseDouble(h[7]), 1e-12);
                assertEquals(T975_DF2 * ds / Math.sqrt(3), Double.parseDouble(h[9]), 1e-12);
                assertEquals(dm - T975_DF2 * ds / Math.sqrt(3), Double.parseDouble(h[10]), 1e-12);
                assertEquals("linear", h[12]);
                assertEquals(dm, Double.parseDouble(h[13]), 1e-12);
            }
        }
        String md = Files.readString(run.resolve("report/summary.md"));
        assertTrue(md.contains("### ppl_blocks64 ↓ — test"), md);
        assertTrue(md.contains("| generation | accumulate | replace |"), md);
        // gen 0, both policies: 30, 32, 34 → geometric mean 31.96, interval of the mean log
        assertTrue(md.contains("| 0 | " + GEN0_PPL + " | " + GEN0_PPL + " |"), md);
        assertTrue(md.contains("per-sample perplexity quantiles — synthetic"), md);
        // replace / accumulate (the first policy written) at generation 2: the log ratios
        // ln((67.5 + 2s) / (31 + 2s)) are all > 0, so of the 8 sign flips only (+++) and (−−−)
        // reach |Σ|: p = 0.25
        double[] lr = new double[3];
        for (int s = 0; s < 3; s++) {
            lr[s] = Math.log(ppl("replace", s, 2) / ppl("accumulate", s, 2));
        }
        String[] pair =
                Files.readAllLines(run.resolve("report/compare.csv")).stream()
                        .filter(l -> l.startsWith("accumulate,replace,2,test,ppl_blocks64,"))
                        .findFirst()
                        .orElseThrow()
                        .split(",");
        assertEquals("ratio", pair[6]);
        assertEquals(Math.exp(mean(lr)), Double.parseDouble(pair[8]), 1e-12);
        assertEquals(0.25, Double.parseDouble(pair[12]), 0);
    }

    /** 30, 32, 34: geometric mean and the back-transformed interval of their logs. */
    static final String GEN0_PPL;

    static {
        double[] l = {Math.log(30), Math.log(32), Math.log(34)};
        double h = T975_DF2 * sampleStd(l) / Math.sqrt(3);
        GEN0_PPL =
                Summary.fmt(Math.exp(mean(l)))
                        + " ["
                        + Summary.fmt(Math.exp(mean(l) - h))
                        + ", "
                        + Summary.fmt(Math.exp(mean(l) + h))
                        + "] (n=3)";
    }

    @Test
    void plotsDecodeAndHtmlIsSelfContained() throws Exception {
        makeRun(run, true);
        Report.write(run);
        Path plots = run.resolve("report/plots");
        List<String> names;
        try (Stream<Path> s = Files.list(plots)) {
            names = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(
                List.of(
                                "diff-distinct_2-vs-generation.png",
                                "diff-mtld-vs-generation-synthetic.png",
                                "diff-ppl_blocks64-vs-generation.png",
                                "mtld-vs-generation-synthetic.png",
                                "per-sample-ppl-histogram-synthetic.png",
                                "distinct_2-vs-generation.png",
                                "ppl_blocks64-vs-generation.png")
                        .stream()
                        .sorted()
                        .toList(),
                names);
        for (String n : names) {
            BufferedImage img = ImageIO.read(plots.resolve(n).toFile());
            assertNotNull(img, n);
            assertTrue(
                    img.getWidth() >= 600 && img.getHeight() >= 400 && img.getWidth() <= 4000,
                    n + " " + img.getWidth() + "x" + img.getHeight());
        }
        String html = Files.readString(run.resolve("report/index.html"));
        assertEquals(names.size(), html.split("src=\"data:image/png;base64,", -1).length - 1);
        assertTrue(html.contains("<table class=\"summary\">"));
        assertTrue(html.contains("<td>" + GEN0_PPL + "</td>"), "replace gen 0 ppl cell");
        assertTrue(html.contains("name: &lt;script&gt;alert(1)&lt;/script&gt;"), "config escaped");
        assertFalse(html.contains("<script>"));
        assertTrue(html.contains("&quot;git&quot;:&quot;abc123&quot;"), "manifest embedded");
        assertFalse(html.matches("(?s).*(src|href)=\"https?:.*"), "nothing fetched");
        assertTrue(html.contains("ppl_blocks64/v1"));
        // the headline (test perplexity) first, the other metrics folded below it
        int headline = html.indexOf("plots/ppl_blocks64-vs-generation.png");
        int folded = html.indexOf("<details><summary>All other metrics</summary>");
        int mtld = html.indexOf("plots/mtld-vs-generation-synthetic.png");
        assertTrue(
                0 < headline && headline < folded && folded < mtld,
                headline + " " + folded + " " + mtld);
        // no temporary directories left behind
        try (Stream<Path> s = Files.list(run)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".report")));
        }
    }

    /** Every text the page shows from the run is escaped: policy names in every table. */
    @Test
    void policyNamesAreEscaped() throws Exception {
        Path log = run.resolve("metrics.jsonl");
        for (String p : List.of("a<b>&\"c'", "keep-real:0.1")) {
            for (int s = 0; s < 2; s++) {
                MetricsLog.append(
                        log,
                        MetricsRow.of(
                                p, s, 0, "test", Map.of("distinct_2", 0.5 + s / 10.0), Map.of()));
            }
        }
        Files.writeString(log, "{\"x\":\"<i>torn\n", StandardOpenOption.APPEND);
        Report.write(run);
        String html = Files.readString(run.resolve("report/index.html"));
        assertTrue(
                html.contains("<td class=\"l\">a&lt;b&gt;&amp;&quot;c&#39;</td>"), "progress row");
        assertTrue(html.contains("<th>a&lt;b&gt;&amp;&quot;c&#39;</th>"), "table column");
        assertTrue(html.contains("(torn write?)"), "skipped line named");
        assertFalse(html.contains("a<b>") || html.contains("<i>"), "nothing raw");
    }

    @Test
    void aRunInProgressWithATornLastLineStillReports() throws Exception {
        makeRun(run, false);
        Path log = run.resolve("metrics.jsonl");
        Files.writeString(
                log,
                "{\"schema\":\"ouro.metrics/v1\",\"policy\":\"replace\",\"se",
                StandardOpenOption.APPEND);
        Report.write(run);
        Report.Result again = Report.write(run); // replaces the previous report
        assertEquals(48, again.rows());
        assertEquals(1, again.skipped().size());
        String html = Files.readString(run.resolve("report/index.html"));
        assertTrue(html.contains("were skipped (not complete JSON"), "torn line reported");
        assertTrue(Files.exists(run.resolve("report/summary.csv")));
    }

    @Test
    void temporaryDirectoriesOfAKilledReportAreRemovedByTheNext() throws Exception {
        makeRun(run, false);
        // what a report killed while writing (or while swapping) leaves behind
        Path tmp = Files.createDirectories(run.resolve(".report-tmp-123/plots"));
        Files.writeString(tmp.resolve("x.png"), "half");
        Files.createDirectories(run.resolve(".report-old-abc"));
        Report.write(run);
        try (Stream<Path> s = Files.list(run)) {
            List<String> left =
                    s.map(p -> p.getFileName().toString())
                            .filter(n -> n.startsWith(".report"))
                            .toList();
            assertEquals(List.of(), left);
        }
        assertTrue(Files.exists(run.resolve("report/index.html")));
    }

    @Test
    void aRunWithNoRowsYetGetsAnEmptyReport() throws Exception {
        Files.writeString(run.resolve("manifest.json"), "{}");
        Report.write(run);
        assertTrue(
                Files.readString(run.resolve("report/index.html")).contains("No metrics rows yet"));
    }

    @Test
    void badRunDirectoryIsOneLine() throws Exception {
        UserInputException a =
                assertThrows(UserInputException.class, () -> Report.write(run.resolve("nope")));
        assertTrue(a.getMessage().endsWith("nope: no such run directory"), a.getMessage());
        UserInputException b = assertThrows(UserInputException.class, () -> Report.write(run));
        assertTrue(b.getMessage().contains("not a run directory"), b.getMessage());
        Files.writeString(
                run.resolve("metrics.jsonl"),
                "{\"schema\":\"ouro.metrics/v1\",\"policy\":\"x\"}\n");
        UserInputException c = assertThrows(UserInputException.class, () -> Report.write(run));
        assertTrue(
                c.getMessage().contains("metrics.jsonl:1: not a valid metrics row"),
                c.getMessage());
        for (UserInputException e : List.of(a, b, c)) {
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
        }
    }

    /**
     * Writes the synthetic run and its report into args[0], for looking at by hand: {@code java -cp
     * <eval test classpath> dev.ouroboros.eval.report.ReportTest /tmp/demo-run &&
     * scripts/check-report.sh /tmp/demo-run}.
     */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        makeRun(dir, true);
        System.out.println(Report.write(dir).dir().resolve("index.html"));
    }
}
