package dev.ouroboros.harness.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.datasets.BlockFile;
import dev.ouroboros.datasets.TokenBlocks;
import dev.ouroboros.harness.CliRun;
import dev.ouroboros.models.TokenIds;
import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ouro generate} with prompts as plain token ids (JSONL, raw int32) makes the same set as
 * the same prompts in a token-block file; {@code --jsonl} writes one record per prompt, also when a
 * begun set is finished; bad id files are one line naming file, line and id, exit 2, no output.
 */
class GenerateIdPromptsTest {
    static final Path MODEL = GenerateCommandTest.MODEL;
    static final ObjectMapper JSON = new ObjectMapper();
    static final int B = 8;

    @TempDir Path tmp;

    /** Six prompts of 8 ids, BOS first, from the model's 1000 ids. */
    static int[][] prompts(int n) {
        SplittableRandom r = new SplittableRandom(3);
        int[][] p = new int[n][B];
        for (int[] row : p) {
            row[0] = 2;
            for (int j = 1; j < B; j++) {
                row[j] = 4 + r.nextInt(996);
            }
        }
        return p;
    }

    static String jsonl(int[][] prompts) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < prompts.length; i++) {
            String ids =
                    Arrays.stream(prompts[i])
                            .mapToObj(Integer::toString)
                            .collect(Collectors.joining(", ", "[", "]"));
            // arrays and {"ids": ...} objects mixed, a blank line in between
            s.append(i % 2 == 0 ? ids : "{\"ids\": " + ids + ", \"source\": \"x\"}").append('\n');
            if (i == 2) {
                s.append('\n');
            }
        }
        return s.toString();
    }

    static byte[] int32(int[][] prompts) {
        ByteBuffer b = ByteBuffer.allocate(4 * B * prompts.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int[] p : prompts) {
            for (int id : p) {
                b.putInt(id);
            }
        }
        return b.array();
    }

    static CliRun generate(Path prompts, Path out, String... extra) {
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
                                "--mode",
                                "greedy",
                                "--new-tokens",
                                "8",
                                "--batch-size",
                                "2"));
        a.addAll(List.of(extra));
        return CliRun.of(a.toArray(String[]::new));
    }

    static int[][] blocks(Path f) {
        try (BlockFile b = BlockFile.open(f, null, 0)) {
            int[][] out = new int[b.count()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = b.block(i);
            }
            return out;
        }
    }

    @Test
    void jsonlAndInt32PromptsMakeTheSameSetAsABlockFileAndJsonlRecordsEachPrompt()
            throws Exception {
        int[][] p = prompts(6);
        Path asJsonl = tmp.resolve("p.jsonl");
        Files.writeString(asJsonl, jsonl(p));
        Path asInt32 = tmp.resolve("p.ids");
        Files.write(asInt32, int32(p));
        Path asBlocks = tmp.resolve("p.bin");
        try (OptTokenizer tok = OptTokenizer.load(MODEL)) {
            BlockFile.write(asBlocks, new TokenBlocks(B, int32Flat(p)), tok.sha256());
        }
        CliRun r = generate(asBlocks, tmp.resolve("ref.bin"));
        assertEquals(0, r.exitCode(), r.err());
        int[][] ref = blocks(tmp.resolve("ref.bin"));
        assertEquals(6, ref.length);

        Path records = tmp.resolve("records.jsonl");
        r = generate(asJsonl, tmp.resolve("j.bin"), "--jsonl", records.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Arrays.deepEquals(ref, blocks(tmp.resolve("j.bin"))), "jsonl prompts");
        r = generate(asInt32, tmp.resolve("i.bin"), "--block", "8");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Arrays.deepEquals(ref, blocks(tmp.resolve("i.bin"))), "int32 prompts");
        // an explicit format wins over the extension
        Path odd = tmp.resolve("prompts.dat");
        Files.write(odd, int32(p));
        r = generate(odd, tmp.resolve("o.bin"), "--block", "8", "--prompts-format", "int32");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(Arrays.deepEquals(ref, blocks(tmp.resolve("o.bin"))), "--prompts-format");

        List<String> lines = Files.readAllLines(records);
        assertEquals(6, lines.size());
        try (OptTokenizer tok = OptTokenizer.load(MODEL)) {
            for (int i = 0; i < 6; i++) {
                JsonNode row = JSON.readTree(lines.get(i));
                assertEquals(
                        List.of("index", "prompt_ids", "new_ids", "prompt_text", "text"),
                        iterable(row.fieldNames()));
                assertEquals(i, row.get("index").asInt());
                assertArrayEquals(p[i], ints(row.get("prompt_ids")));
                assertArrayEquals(ref[i], ints(row.get("new_ids")));
                assertEquals(tok.decode(TokenIds.toLong(p[i])), row.get("prompt_text").asText());
                assertEquals(tok.decode(TokenIds.toLong(ref[i])), row.get("text").asText());
            }
        }
    }

    /** A set begun (4 of 6 prompts committed) is finished, and its records cover all six. */
    @Test
    void aBegunSetIsFinishedAndItsRecordsCoverEveryPrompt() throws Exception {
        int[][] p = prompts(6);
        Path all = tmp.resolve("all.jsonl");
        Files.writeString(all, jsonl(p));
        Path four = tmp.resolve("four.jsonl");
        Files.writeString(four, jsonl(Arrays.copyOf(p, 4)));
        assertEquals(0, generate(all, tmp.resolve("ref.bin")).exitCode());
        Path out = tmp.resolve("resumed.bin");
        Path records = tmp.resolve("resumed.jsonl");
        assertEquals(0, generate(four, out).exitCode());
        assertEquals(4, blocks(out).length);
        CliRun r = generate(all, out, "--jsonl", records.toString());
        assertEquals(0, r.exitCode(), r.err());
        int[][] ref = blocks(tmp.resolve("ref.bin"));
        assertTrue(Arrays.deepEquals(ref, blocks(out)));
        List<String> lines = Files.readAllLines(records);
        assertEquals(6, lines.size());
        for (int i = 0; i < 6; i++) {
            assertArrayEquals(ref[i], ints(JSON.readTree(lines.get(i)).get("new_ids")));
        }
        // run again on the finished set: nothing generated, the records rewritten the same
        byte[] before = Files.readAllBytes(records);
        assertEquals(0, generate(all, out, "--jsonl", records.toString()).exitCode());
        assertArrayEquals(before, Files.readAllBytes(records));
    }

    @Test
    void badIdFilesAreOneLineNamingFileLineAndId() throws Exception {
        String ok = "[2, 5, 6, 7]";
        Object[][] cases = {
            {"ragged.jsonl", ok + "\n[2, 5, 6]\n", ":2: 3 ids, but line 1 has 4"},
            {"range.jsonl", ok + "\n\n[2, 5, 1000, 7]\n", ":3: id 1000 (position 2)"},
            {"negative.jsonl", "[2, -1, 6, 7]\n", ":1: id -1 (position 1)"},
            {"float.jsonl", "[2, 5.5, 6, 7]\n", ":1: element 1 is not an integer id: 5.5"},
            {"string.jsonl", "[2, \"a\", 6, 7]\n", ":1: element 1 is not an integer id"},
            {"broken.jsonl", ok + "\n[2, 5,\n", ":2: not JSON"},
            {"text.jsonl", "{\"text\": \"hello\"}\n", ":1: expected an array of token ids"},
            {"empty.jsonl", "[]\n", ":1: an empty prompt"},
            {
                "one.jsonl",
                "{\"ids\": [2]}\n",
                ":1: a prompt of one id; prompts need at least 2 ids"
            },
        };
        for (Object[] c : cases) {
            Path f = tmp.resolve((String) c[0]);
            Files.writeString(f, (String) c[1]);
            expectOneLine(generate(f, tmp.resolve("x.bin")), f + (String) c[2]);
        }
        Path none = tmp.resolve("none.jsonl");
        Files.writeString(none, "\n\n");
        expectOneLine(
                generate(none, tmp.resolve("x.bin")),
                none + ": no prompt blocks (the file has no prompt lines)");
        Path blocked = tmp.resolve("blocked.jsonl");
        Files.writeString(blocked, ok + "\n");
        expectOneLine(
                generate(blocked, tmp.resolve("x.bin"), "--block", "8"),
                blocked + ":1: 4 ids, but --block is 8");

        Path ids = tmp.resolve("p.i32");
        Files.write(ids, int32(prompts(2)));
        expectOneLine(generate(ids, tmp.resolve("x.bin")), ids + ": int32 prompts need --block N");
        expectOneLine(
                generate(ids, tmp.resolve("x.bin"), "--block", "5"),
                ids + ": 64 bytes is not a whole number of prompts of --block 5 int32 ids");
        int[][] bad = prompts(2);
        bad[1][3] = 5000;
        Files.write(ids, int32(bad));
        expectOneLine(
                generate(ids, tmp.resolve("x.bin"), "--block", "8"),
                ids
                        + ": id 5000 (int32 index 11, prompt 1 position 3) is outside the model's"
                        + " vocabulary 0..999");
        expectOneLine(
                generate(ids, tmp.resolve("x.bin"), "--prompts-format", "ids"),
                "--prompts-format must be one of auto | blocks | text | jsonl | int32, got 'ids'");
        expectOneLine(
                generate(ids, tmp.resolve("x.bin"), "--block", "8", "--jsonl", tmp + "/x.bin"),
                "--jsonl " + tmp + "/x.bin: the same file as");
        expectOneLine(
                generate(ids, tmp.resolve("x.bin"), "--block", "1"),
                "--block must be at least 2, got 1");
    }

    void expectOneLine(CliRun r, String what) {
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().contains(what), "want '" + what + "' in: " + r.err());
        assertFalse(Files.exists(tmp.resolve("x.bin")), "no set for bad prompts");
        assertFalse(Files.exists(tmp.resolve("x.jsonl.gz")), "no text for bad prompts");
    }

    static int[] int32Flat(int[][] p) {
        return Arrays.stream(p).flatMapToInt(Arrays::stream).toArray();
    }

    static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    static <T> List<T> iterable(java.util.Iterator<T> it) {
        List<T> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
