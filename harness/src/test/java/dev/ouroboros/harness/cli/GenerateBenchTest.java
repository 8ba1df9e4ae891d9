package dev.ouroboros.harness.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.harness.CliRun;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code ouro generate bench} and {@code ouro train bench} without Python: DJL's figures (new
 * tokens/s, peak RSS), the one line saying the peer was skipped when the Python named does not
 * exist, MFU only on CUDA or with {@code --peak-tflops}, and one line + exit 2 for bad values.
 */
class GenerateBenchTest {
    static final String MISSING = "/nonexistent/ouro-test/python";

    static CliRun bench(String... extra) {
        List<String> a =
                new ArrayList<>(
                        List.of(
                                "generate",
                                "bench",
                                "--shape",
                                "tiny",
                                "--batch",
                                "2",
                                "--new-tokens",
                                "4",
                                "--repeat",
                                "1",
                                "--device",
                                "cpu"));
        a.addAll(List.of(extra));
        return CliRun.of(a.toArray(String[]::new));
    }

    @Test
    void tinyBenchPrintsTokensPerSecondAndPeakRssAndSkipsAMissingPython() {
        CliRun r = bench("--python", MISSING);
        assertEquals(0, r.exitCode(), r.out() + r.err());
        List<String> lines = r.out().strip().lines().toList();
        assertTrue(
                lines.get(0).startsWith("shape tiny | 2 prompts x 64 tokens, 4 new | beam 5"),
                r.out());
        assertTrue(
                Pattern.compile(
                                "djl   : best [0-9.]+ s \\(median [0-9.]+ over 1\\) \\| [0-9]+\\.[0-9]"
                                        + " new tok/s \\| peak RSS [0-9]+\\.[0-9]{2} GiB \\(VmHWM, this"
                                        + " JVM\\)")
                        .matcher(lines.get(1))
                        .matches(),
                r.out());
        assertEquals(
                "hf    : skipped (--python " + MISSING + ": no such file)", lines.get(2), r.out());
        assertEquals(
                3, lines.size(), "no ratio, no MFU on the CPU without --peak-tflops: " + r.out());
    }

    @Test
    void bf16DecodesAndSaysSo() {
        CliRun r = bench("--python", "none", "--precision", "bf16");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("precision: bf16"), r.err());
        assertTrue(r.out().contains("| cpu (PyTorch 2.7.1) | bf16 | attention sdpa |"), r.out());
        assertTrue(r.out().contains("djl   : best"), r.out());
    }

    @Test
    void peakTflopsPrintsMfuOnTheCpu() {
        CliRun r = bench("--python", "none", "--peak-tflops", "0.5");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("hf    : skipped (--python none)"), r.out());
        String mfu =
                r.out().lines().filter(l -> l.startsWith("mfu   : ")).findFirst().orElseThrow();
        assertTrue(
                mfu.startsWith(
                        "mfu   : 2·N·new tokens/s over 0.5000 TFLOPS, --peak-tflops, N = 0.17M"
                                + " parameters: djl "),
                mfu);
    }

    @Test
    void trainBenchSkipsAMissingPythonAndPrintsSixNMfuWithPeakTflops() {
        CliRun r =
                CliRun.of(
                        "train",
                        "bench",
                        "--shape",
                        "tiny",
                        "--batch",
                        "2",
                        "--seq",
                        "16",
                        "--steps",
                        "1",
                        "--warmup",
                        "0",
                        "--device",
                        "cpu",
                        "--python",
                        MISSING,
                        "--peak-tflops",
                        "1");
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(
                r.out().contains("torch : skipped (--python " + MISSING + ": no such file)"),
                r.out());
        assertTrue(
                r.out().contains("mfu   : 6·N·tokens/s over 1.000 TFLOPS, --peak-tflops, N = "),
                r.out());
    }

    @Test
    void badValuesAreOneLineAndExitTwo() {
        String[][] bad = {
            {"--batch", "0"},
            {"--new-tokens", "0"},
            {"--new-tokens", "65"}, // 64 + 65 > the tiny shape's 128 positions
            {"--repeat", "0"},
            {"--threads", "-1"},
            {"--shape", "opt-350m"},
            {"--precision", "fp8"},
            {"--precision", "bf16", "--attn", "eager"}, // half decodes through the fused step
            {"--peak-tflops", "-3"},
            {"--attn", "flash"},
            {"--device", "tpu"}
        };
        for (String[] b : bad) {
            List<String> a = new ArrayList<>(List.of("generate", "bench", "--python", "none"));
            if (!b[0].equals("--shape")) {
                a.addAll(List.of("--shape", "tiny"));
            }
            a.addAll(List.of(b));
            CliRun r = CliRun.of(a.toArray(String[]::new));
            String what = String.join(" ", b);
            assertEquals(2, r.exitCode(), what + ": " + r.out() + r.err());
            List<String> lines = r.err().strip().lines().toList();
            assertEquals(1, lines.size(), what + ": " + r.err());
            assertTrue(lines.get(0).startsWith("ouro: "), what + ": " + r.err());
            assertFalse(r.out().contains("djl   :"), what + ": nothing measured");
        }
        CliRun notInt = CliRun.of("generate", "bench", "--batch", "x");
        assertEquals(2, notInt.exitCode(), notInt.err());
        assertTrue(
                notInt.err().contains("Try 'ouro generate bench --help'."),
                "picocli's own errors name the nested verb: " + notInt.err());
        CliRun help = CliRun.of("generate", "bench", "--help");
        assertEquals(0, help.exitCode(), help.err());
        assertTrue(help.out().startsWith("Usage: ouro generate bench"), help.out());
        CliRun t = CliRun.of("train", "bench", "--peak-tflops", "0", "--python", "none");
        assertEquals(2, t.exitCode(), t.err());
        assertEquals(1, t.err().strip().lines().count(), t.err());
    }
}
