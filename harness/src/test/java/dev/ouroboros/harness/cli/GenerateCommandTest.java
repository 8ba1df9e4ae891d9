package dev.ouroboros.harness.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.datasets.BlockFile;
import dev.ouroboros.harness.ChildJvm;
import dev.ouroboros.harness.CliRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ouro generate}: a synthetic set of a few hundred blocks, killed midway (a child JVM halted
 * after its 3rd batch, as SIGKILL) and resumed, equals the uninterrupted set bit for bit; bad
 * options get one line and exit 2.
 */
class GenerateCommandTest {
    static final Path GOLDEN =
            Path.of("../models/src/test/resources/golden").toAbsolutePath().normalize();
    static final Path MODEL = GOLDEN.resolve("pre_ln_tied_safetensors/model");

    @TempDir Path tmp;

    /** {@code generate --model MODEL --prompts PROMPTS --out OUT --block BLOCK extra…}. */
    static List<String> generate(Path prompts, Path out, String block, String... extra) {
        List<String> a =
                new ArrayList<>(
                        List.of(
                                "generate",
                                "--model",
                                MODEL.toString(),
                                "--prompts",
                                prompts.toString(),
                                "--out",
                                out.toString(),
                                "--block",
                                block));
        a.addAll(List.of(extra));
        return a;
    }

    List<String> args(Path prompts, Path out) {
        return generate(
                prompts,
                out,
                "8",
                "--new-tokens",
                "8",
                "--mode",
                "sample",
                "--top-k",
                "50",
                "--seed",
                "7",
                "--batch-size",
                "40");
    }

    @Test
    void killedMidwayAndResumedEqualsUninterrupted() throws Exception {
        Path prompts = tmp.resolve("prompts.txt");
        String text = Files.readString(GOLDEN.resolve("eval.txt"));
        Files.writeString(prompts, text.repeat(2));
        Path ref = tmp.resolve("ref.bin");
        CliRun r = CliRun.of(args(prompts, ref).toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        Path crashed = tmp.resolve("crashed.bin");
        assertEquals(137, child(args(prompts, crashed), "synthesize-batch:3"));
        try (BlockFile partial =
                BlockFile.open(crashed, BlockFile.readHeader(crashed).tokenizerSha256(), 8)) {
            assertEquals(120, partial.count(), "three batches of 40 committed before the kill");
        }
        assertEquals(0, child(args(prompts, crashed), null));
        try (BlockFile a = BlockFile.open(ref, BlockFile.readHeader(ref).tokenizerSha256(), 8);
                BlockFile b =
                        BlockFile.open(
                                crashed, BlockFile.readHeader(crashed).tokenizerSha256(), 8)) {
            assertTrue(a.count() >= 190, "a few hundred blocks: " + a.count());
            assertEquals(a.count(), b.count());
            for (int i = 0; i < a.count(); i++) {
                assertArrayEquals(a.block(i), b.block(i), "block " + i);
            }
        }
        try (var in = new GZIPInputStream(Files.newInputStream(tmp.resolve("crashed.jsonl.gz")))) {
            String jsonl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(BlockFile.readHeader(ref).count(), jsonl.lines().count());
            assertTrue(jsonl.startsWith("{\"index\":0,\"text\":"), jsonl.substring(0, 40));
        }
    }

    @Test
    void badOptionsAreRejectedWithOneLine() {
        Path prompts = GOLDEN.resolve("eval.txt");
        Path out = tmp.resolve("x.bin");
        String[][] bad = {
            {"--num-beams", "0"},
            {"--mode", "sample", "--top-p", "1.5"},
            {"--mode", "sample", "--top-p", "0"},
            {"--new-tokens", "200"},
            {"--mode", "nucleus"},
            {"--mode", "sample", "--temperature", "0"}
        };
        for (String[] extra : bad) {
            CliRun r = CliRun.of(generate(prompts, out, "16", extra).toArray(String[]::new));
            assertEquals(2, r.exitCode(), String.join(" ", extra) + ": " + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(!Files.exists(out), "no output file for bad options");
        }
    }

    @Test
    void promptsThatAreNotARegularFileAreNamedAsSuch() {
        Path out = tmp.resolve("dev.bin");
        for (Path p : new Path[] {Path.of("/dev/null"), tmp, tmp.resolve("absent.txt")}) {
            CliRun r = CliRun.of(args(p, out).toArray(String[]::new));
            assertEquals(2, r.exitCode(), r.err());
            String why = Files.exists(p) ? ": not a regular file" : ": no such file";
            assertTrue(r.err().contains(p + why), r.err());
            assertFalse(Files.exists(out));
        }
    }

    @Test
    void anEmptyPromptsFileIsAnErrorAndWritesNoSet() throws Exception {
        Path empty = tmp.resolve("empty.txt");
        Files.writeString(empty, "");
        Path out = tmp.resolve("empty.bin");
        CliRun r = CliRun.of(args(empty, out).toArray(String[]::new));
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(empty + ": no prompt blocks"), r.err());
        assertTrue(!Files.exists(out), "no 0-block set");
        List<String> zero = new ArrayList<>(args(GOLDEN.resolve("eval.txt"), out));
        zero.addAll(List.of("--max-prompts", "0"));
        r = CliRun.of(zero.toArray(String[]::new));
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().contains("--max-prompts 0"), r.err());
        assertTrue(!Files.exists(out), "no 0-block set");
    }

    /** Greedy is greedy: no repetition penalty unless asked for (beam keeps Shumailov's 3.0). */
    @Test
    void greedyAndSampleTakeNoRepetitionPenaltyUnlessGiven() throws Exception {
        Path text = GOLDEN.resolve("eval.txt");
        java.util.function.Function<String[], byte[]> run =
                extra -> {
                    Path out = tmp.resolve("g" + String.join("_", extra) + ".bin");
                    List<String> a =
                            new ArrayList<>(
                                    generate(
                                            text,
                                            out,
                                            "8",
                                            "--new-tokens",
                                            "16",
                                            "--max-prompts",
                                            "6"));
                    a.addAll(List.of(extra));
                    CliRun r = CliRun.of(a.toArray(String[]::new));
                    assertEquals(0, r.exitCode(), r.out() + r.err());
                    try {
                        return Files.readAllBytes(out);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                };
        byte[] plain = run.apply(new String[] {"--mode", "greedy"});
        assertArrayEquals(
                plain, run.apply(new String[] {"--mode", "greedy", "--repetition-penalty", "1.0"}));
        assertFalse(
                java.util.Arrays.equals(
                        plain,
                        run.apply(
                                new String[] {"--mode", "greedy", "--repetition-penalty", "3.0"})),
                "a penalty of 3.0 changes greedy decoding of this model");
        assertArrayEquals(
                run.apply(new String[] {"--mode", "beam"}),
                run.apply(new String[] {"--mode", "beam", "--repetition-penalty", "3.0"}));
    }

    /**
     * {@code --new-tokens 1} (issue #11): a set of one-token blocks, one new token per prompt,
     * greedy and the default beam search alike; the records carry exactly one new id each.
     */
    @Test
    void oneNewTokenGivesExactlyOneTokenPerPrompt() throws Exception {
        Path text = GOLDEN.resolve("eval.txt");
        for (String mode : new String[] {"beam", "greedy"}) {
            Path out = tmp.resolve("one-" + mode + ".bin");
            Path records = tmp.resolve("one-" + mode + ".jsonl");
            CliRun r =
                    CliRun.of(
                            generate(
                                            text,
                                            out,
                                            "8",
                                            "--new-tokens",
                                            "1",
                                            "--mode",
                                            mode,
                                            "--max-prompts",
                                            "5",
                                            "--jsonl",
                                            records.toString())
                                    .toArray(String[]::new));
            assertEquals(0, r.exitCode(), mode + ": " + r.out() + r.err());
            assertTrue(r.out().contains(out + ": 5 synthetic blocks of 1 tokens"), r.out());
            try (BlockFile f =
                    BlockFile.open(out, BlockFile.readHeader(out).tokenizerSha256(), 1)) {
                assertEquals(5, f.count());
                assertEquals(1, f.blockSize());
                for (int i = 0; i < 5; i++) {
                    assertEquals(1, f.block(i).length);
                }
            }
            var json = new com.fasterxml.jackson.databind.ObjectMapper();
            List<String> lines = Files.readAllLines(records);
            assertEquals(5, lines.size());
            for (String line : lines) {
                assertEquals(1, json.readTree(line).get("new_ids").size(), line);
                assertEquals(8, json.readTree(line).get("prompt_ids").size(), line);
            }
        }
    }

    static int child(List<String> args, String crash) throws Exception {
        Process p = ChildJvm.ouro(crash, args).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS));
        return p.exitValue();
    }
}
