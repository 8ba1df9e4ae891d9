package dev.ouroboros.harness.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.AtomicFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code order.jsonl} ({@code train.write_order: true}): one line per epoch, {@code
 * {"epoch":e,"order":[i0,i1,…]}} with {@code e} 0-based and the order the training blocks were
 * visited in (indices into the training blocks). Each epoch's line is written as the epoch starts,
 * by rewriting the file atomically with the lines of the earlier epochs kept: a run killed and
 * resumed mid-epoch writes that epoch again in place, never twice; a fresh start drops them all.
 */
public final class EpochOrders {
    /** The file's name, beside {@code train.jsonl}. */
    public static final String FILE = "order.jsonl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private EpochOrders() {}

    /**
     * The block order of epoch {@code epoch} (0-based): {@link #shuffled} or, without shuffling,
     * file order {@code 0..n−1}.
     */
    static int[] of(boolean shuffle, long seed, int epoch, int n) {
        return shuffle
                ? shuffled(seed, epoch, n)
                : java.util.stream.IntStream.range(0, n).toArray();
    }

    /**
     * Fisher–Yates permutation of {@code 0..n−1} from {@code
     * SplittableRandom(seed·0x9E3779B97F4A7C15 ^ 0xD1B54A32D192ED03·(epoch+1))} (docs/training.md).
     */
    public static int[] shuffled(long seed, int epoch, int n) {
        java.util.SplittableRandom rng =
                new java.util.SplittableRandom(
                        seed * 0x9E3779B97F4A7C15L ^ (0xD1B54A32D192ED03L * (epoch + 1)));
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** Records {@code order} as epoch {@code epoch}'s; lines of epochs from it on are replaced. */
    public static void record(Path file, int epoch, int[] order) {
        List<String> keep = new ArrayList<>();
        try {
            if (Files.exists(file)) {
                int n = 0;
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    n++;
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode e;
                    try {
                        e = JSON.readTree(line).path("epoch");
                    } catch (IOException bad) {
                        throw new UserInputException(
                                file + ":" + n + ": not an epoch order line; delete the file");
                    }
                    if (!e.canConvertToInt()) {
                        throw new UserInputException(
                                file + ":" + n + ": no \"epoch\" number; delete the file");
                    }
                    if (e.asInt() < epoch) {
                        keep.add(line);
                    }
                }
            }
            ObjectNode row = JSON.createObjectNode().put("epoch", epoch);
            ArrayNode ids = row.putArray("order");
            for (int i : order) {
                ids.add(i);
            }
            keep.add(JSON.writeValueAsString(row));
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read the epoch orders", e);
        }
        AtomicFile.write(file, (String.join("\n", keep) + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The orders in {@code file}, epoch by epoch (for tools and tests). */
    public static List<int[]> read(Path file) {
        List<int[]> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    JsonNode order = JSON.readTree(line).path("order");
                    int[] o = new int[order.size()];
                    for (int i = 0; i < o.length; i++) {
                        o[i] = order.get(i).asInt();
                    }
                    out.add(o);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read the epoch orders", e);
        }
        return out;
    }
}
