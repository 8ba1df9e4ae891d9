package dev.ouroboros.models.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Finds and reads the weights of a Hugging Face model directory, whichever of the hub's layouts it
 * uses.
 */
public final class StateDicts {
    private static final ObjectMapper JSON = new ObjectMapper();

    private StateDicts() {}

    /**
     * The state dict of {@code modelDir}, from the first of {@code model.safetensors}, {@code
     * model.safetensors.index.json} (sharded), {@code pytorch_model.bin} and {@code
     * pytorch_model.bin.index.json} that exists. For a sharded checkpoint the keys come in {@code
     * weight_map} order, and every shard and every listed key must exist.
     */
    public static Map<String, RawTensor> read(Path modelDir) {
        return read(modelDir, null);
    }

    /**
     * As {@link #read(Path)}, every mapping owned by {@code scope} (null: the garbage collector):
     * the tensors are valid only until it closes.
     */
    public static Map<String, RawTensor> read(Path modelDir, MappingScope scope) {
        if (!Files.isDirectory(modelDir)) {
            throw new UserInputException(modelDir + ": not a directory");
        }
        Path file = modelDir.resolve("model.safetensors");
        if (Files.exists(file)) {
            return Safetensors.read(file, scope);
        }
        file = modelDir.resolve("model.safetensors.index.json");
        if (Files.exists(file)) {
            return readSharded(file, p -> Safetensors.read(p, scope));
        }
        file = modelDir.resolve("pytorch_model.bin");
        if (Files.exists(file)) {
            return TorchPickle.read(file, scope);
        }
        file = modelDir.resolve("pytorch_model.bin.index.json");
        if (Files.exists(file)) {
            return readSharded(file, p -> TorchPickle.read(p, scope));
        }
        throw new UserInputException(
                modelDir
                        + ": no model.safetensors, model.safetensors.index.json or pytorch_model.bin");
    }

    private static Map<String, RawTensor> readSharded(
            Path index, Function<Path, Map<String, RawTensor>> reader) {
        JsonNode weightMap;
        try {
            weightMap = JSON.readTree(index.toFile()).get("weight_map");
        } catch (IOException e) {
            throw new UserInputException(
                    index
                            + ": invalid JSON ("
                            + e.getMessage().lines().findFirst().orElse("")
                            + ")",
                    e);
        }
        if (weightMap == null || !weightMap.isObject() || weightMap.isEmpty()) {
            throw new UserInputException(index + ": no weight_map object");
        }
        Path dir = index.toAbsolutePath().getParent();
        Map<String, Map<String, RawTensor>> shards = new HashMap<>();
        Map<String, RawTensor> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = weightMap.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String shardName = e.getValue().isTextual() ? e.getValue().textValue() : "";
            Path shard = dir.resolve(shardName).normalize();
            if (shardName.isEmpty() || !dir.equals(shard.getParent())) {
                throw new UserInputException(
                        index
                                + ": weight_map entry "
                                + Printable.of(e.getKey())
                                + " names "
                                + e.getValue()
                                + ", not a file next to the index");
            }
            if (!shards.containsKey(shardName) && !Files.exists(shard)) {
                throw new UserInputException(
                        index
                                + ": shard "
                                + Printable.of(shardName)
                                + " (listed for "
                                + Printable.of(e.getKey())
                                + ") does not exist");
            }
            RawTensor t =
                    shards.computeIfAbsent(shardName, n -> reader.apply(shard)).get(e.getKey());
            if (t == null) {
                throw new UserInputException(
                        shard
                                + ": tensor "
                                + Printable.of(e.getKey())
                                + " listed in "
                                + index.getFileName()
                                + " is missing");
            }
            out.put(e.getKey(), t);
        }
        return out;
    }
}
