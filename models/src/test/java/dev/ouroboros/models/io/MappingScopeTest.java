package dev.ouroboros.models.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Within a {@link MappingScope} every tensor's region is a mapping of its own, unmapped when the
 * last tensor read from it is released (tensors sharing a storage keep it mapped), the rest when
 * the scope closes; the values read are those read without a scope.
 */
class MappingScopeTest {
    @Test
    void safetensorsTensorsAreUnmappedOneByOne() {
        Path file = IoFixtures.resource("mixed.safetensors");
        Map<String, RawTensor> plain = Safetensors.read(file);
        try (MappingScope scope = new MappingScope()) {
            Map<String, RawTensor> sd = Safetensors.read(file, scope);
            IoFixtures.assertMatchesExpected("mixed.safetensors", sd, false);
            int held = scope.size();
            assertTrue(held >= sd.size(), "one mapping per tensor at least: " + held);
            int k = 0;
            for (RawTensor t : sd.values()) {
                assertArrayEquals(plain.get(t.name()).toFloats(), t.toFloats(), t.name());
                scope.release(t);
                scope.release(t); // twice: ignored
                assertEquals(held - ++k, scope.size(), "after releasing " + t.name());
            }
        }
    }

    @Test
    void aStorageSharedByTensorsStaysMappedUntilTheLastIsReleased() {
        Path file = IoFixtures.resource("fp16.bin");
        Map<String, RawTensor> plain = TorchPickle.read(file);
        try (MappingScope scope = new MappingScope()) {
            Map<String, RawTensor> sd = TorchPickle.read(file, scope);
            IoFixtures.assertMatchesExpected("fp16.bin", sd, true);
            int held = scope.size();
            scope.release(sd.get("weight"));
            assertEquals(held, scope.size(), "tied and row still read weight's storage");
            assertArrayEquals(plain.get("tied").toFloats(), sd.get("tied").toFloats());
            assertArrayEquals(plain.get("row").toFloats(), sd.get("row").toFloats());
            scope.release(sd.get("tied"));
            scope.release(sd.get("weight_t")); // a materialized copy holds no mapping
            assertEquals(held, scope.size());
            scope.release(sd.get("row"));
            assertEquals(held - 1, scope.size(), "weight's storage is unmapped");
            assertArrayEquals(plain.get("bias").toFloats(), sd.get("bias").toFloats());
        }
    }

    @Test
    void closingUnmapsEverythingAndRefusesMore(@TempDir Path dir) {
        MappingScope scope = new MappingScope();
        StateDicts.read(dirWith(dir), scope);
        assertTrue(scope.size() > 0);
        scope.close();
        assertEquals(0, scope.size());
        scope.close(); // idempotent
        assertThrows(
                IllegalStateException.class,
                () -> Safetensors.read(IoFixtures.resource("mixed.safetensors"), scope));
    }

    private static Path dirWith(Path dir) {
        Safetensors.write(
                dir.resolve("model.safetensors"),
                Safetensors.read(IoFixtures.resource("mixed.safetensors")).values(),
                null);
        return dir;
    }
}
