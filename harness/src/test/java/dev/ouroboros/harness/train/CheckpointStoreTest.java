package dev.ouroboros.harness.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.io.RawTensor;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint whose bytes changed after it was written is refused with one line naming the file (a
 * flipped low bit in a weight once resumed silently into a different result).
 */
class CheckpointStoreTest {
    @TempDir Path tmp;

    private static CheckpointStore.State state(long step, String best) {
        return new CheckpointStore.State(
                CheckpointStore.State.VERSION,
                step,
                "hash",
                0,
                1,
                2.5,
                best,
                3.0,
                64,
                0,
                0,
                List.of(),
                step,
                1.0,
                0);
    }

    private static List<RawTensor> tensors(float v) {
        float[] x = new float[256];
        java.util.Arrays.fill(x, v);
        return List.of(RawTensor.ofFloats("model.decoder.w", new long[] {16, 16}, x));
    }

    @Test
    void aChangedByteInAnyCheckpointFileIsNamed() throws Exception {
        for (String victim : List.of("weights.safetensors", "adamw.safetensors", "best")) {
            Path root = tmp.resolve(victim);
            CheckpointStore store = new CheckpointStore(root);
            String best = store.writeBest(1, tensors(0.5f));
            Path dir = store.save(state(4, best), tensors(1.0f), tensors(2.0f));
            assertEquals(4, store.latest().orElseThrow().state().step());

            Path file = victim.equals("best") ? root.resolve(best) : dir.resolve(victim);
            try (FileChannel ch =
                    FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                ByteBuffer b = ByteBuffer.allocate(1);
                long at = ch.size() - 3; // inside the last float: a low mantissa byte
                ch.read(b, at);
                b.put(0, (byte) (b.get(0) ^ 1)).position(0);
                ch.write(b, at);
            }
            UserInputException e = assertThrows(UserInputException.class, store::latest);
            assertTrue(
                    e.getMessage().startsWith(file.normalize() + ": corrupt training checkpoint"),
                    e.getMessage());
            assertEquals(1, e.getMessage().lines().count());
        }
    }

    @Test
    void aMarkerWithoutChecksumsIsStillRead() throws Exception {
        CheckpointStore store = new CheckpointStore(tmp.resolve("old"));
        Path dir = store.save(state(2, null), tensors(1.0f), tensors(2.0f));
        Files.writeString(dir.resolve(CheckpointStore.COMPLETE), "step 2\n"); // as written before
        assertEquals(2, store.latest().orElseThrow().state().step());
    }
}
