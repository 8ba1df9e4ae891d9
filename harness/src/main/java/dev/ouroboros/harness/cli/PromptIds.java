package dev.ouroboros.harness.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.datasets.TokenBlocks;
import dev.ouroboros.models.UserInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Prompts given as plain token ids ({@code ouro generate --prompts-format jsonl | int32}): no
 * tokenizer hash, every id checked against the model's vocabulary. All prompts have one length, the
 * prompt block (the synthetic set's continuations are batched as blocks).
 */
final class PromptIds {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PromptIds() {}

    /**
     * One prompt per non-blank line: a JSON array of ids, or an object with an {@code "ids"} array.
     *
     * @param block the length every prompt must have, or null: the first prompt's
     * @param vocab ids must be in {@code [0, vocab)}
     */
    static TokenBlocks jsonl(Path file, Integer block, int vocab) {
        List<int[]> prompts = new ArrayList<>();
        int firstLine = 0;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int n = 0;
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                String at = file + ":" + n + ": ";
                JsonNode row;
                try {
                    row = JSON.readTree(line);
                } catch (JsonProcessingException e) {
                    throw new UserInputException(
                            at + "not JSON (" + e.getOriginalMessage() + ")", e);
                }
                JsonNode ids = row.isObject() ? row.get("ids") : row;
                if (ids == null || !ids.isArray()) {
                    throw new UserInputException(
                            at
                                    + "expected an array of token ids or {\"ids\": [...]}"
                                    + " (text prompts: --prompts-format text)");
                }
                if (ids.size() < 2) {
                    throw new UserInputException(
                            at
                                    + (ids.isEmpty() ? "an empty prompt" : "a prompt of one id")
                                    + "; prompts need at least 2 ids");
                }
                int[] p = new int[ids.size()];
                for (int k = 0; k < p.length; k++) {
                    JsonNode id = ids.get(k);
                    if (!id.isIntegralNumber() || !id.canConvertToLong()) {
                        throw new UserInputException(
                                at + "element " + k + " is not an integer id: " + id);
                    }
                    p[k] = checked(id.asLong(), vocab, at, "position " + k);
                }
                int want =
                        block != null
                                ? block
                                : prompts.isEmpty() ? p.length : prompts.get(0).length;
                if (p.length != want) {
                    throw new UserInputException(
                            at
                                    + p.length
                                    + " ids, but "
                                    + (block != null
                                            ? "--block is " + block
                                            : "line " + firstLine + " has " + want)
                                    + " (prompts must all have the same length; pad or cut them"
                                    + " to one)");
                }
                if (prompts.isEmpty()) {
                    firstLine = n;
                }
                prompts.add(p);
            }
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        if (prompts.isEmpty()) {
            return new TokenBlocks(block != null ? block : 2, new int[0]);
        }
        int b = prompts.get(0).length;
        int[] flat = new int[Math.multiplyExact(prompts.size(), b)];
        for (int i = 0; i < prompts.size(); i++) {
            System.arraycopy(prompts.get(i), 0, flat, i * b, b);
        }
        return new TokenBlocks(b, flat);
    }

    /** Raw little-endian int32 ids, {@code block} per prompt, nothing else in the file. */
    static TokenBlocks int32(Path file, Integer block, int vocab) {
        if (block == null) {
            throw new UserInputException(
                    file + ": int32 prompts need --block N (the ids per prompt)");
        }
        if (block < 2) {
            throw new UserInputException("--block must be at least 2, got " + block);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long per = 4L * block;
            if (size % per != 0) {
                throw new UserInputException(
                        file
                                + ": "
                                + size
                                + " bytes is not a whole number of prompts of --block "
                                + block
                                + " int32 ids ("
                                + per
                                + " bytes each)");
            }
            if (size / 4 > Integer.MAX_VALUE - 8) {
                throw new UserInputException(
                        file + ": " + size / 4 + " ids, more than this reader supports");
            }
            ByteBuffer buf = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
            while (buf.hasRemaining() && ch.read(buf) >= 0) {
                // read it all
            }
            buf.flip();
            int[] ids = new int[(int) (size / 4)];
            for (int i = 0; i < ids.length; i++) {
                ids[i] =
                        checked(
                                buf.getInt(),
                                vocab,
                                file + ": ",
                                "int32 index "
                                        + i
                                        + ", prompt "
                                        + i / block
                                        + " position "
                                        + i % block);
            }
            return new TokenBlocks(block, ids);
        } catch (IOException e) {
            throw new UserInputException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static int checked(long id, int vocab, String at, String where) {
        if (id < 0 || id >= vocab) {
            throw new UserInputException(
                    at
                            + "id "
                            + id
                            + " ("
                            + where
                            + ") is outside the model's vocabulary 0.."
                            + (vocab - 1));
        }
        return (int) id;
    }
}
