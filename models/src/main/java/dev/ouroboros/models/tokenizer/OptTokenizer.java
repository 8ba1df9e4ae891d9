package dev.ouroboros.models.tokenizer;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.models.UserInputException;
import dev.ouroboros.models.tokenizer.OptTokenizerFiles.SpecialNames;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The OPT tokenizer (GPT-2 byte-level BPE that prepends {@code </s>}), backed by DJL's Rust {@link
 * HuggingFaceTokenizer}.
 *
 * <p>A checkpoint directory may ship {@code tokenizer.json} (used as is, except that a
 * post-processor that does not prepend BOS is replaced by one that does, as transformers 5 does for
 * {@code add_bos_token}), or only {@code vocab.json} + {@code merges.txt} the way {@code
 * facebook/opt-*} do. In the second case the equivalent {@code tokenizer.json} is built here: DJL's
 * own vocab+merges factory makes a bare BPE without the ByteLevel pre-tokenizer and gives wrong ids
 * (docs/design.md#tokenizer). The four special tokens come from {@code tokenizer_config.json} or
 * {@code special_tokens_map.json} when present, otherwise OPT's ({@code </s>} and {@code <pad>}).
 * DJL's default truncation at 512 tokens and its padding are always off.
 *
 * <p>Every load works from one canonical {@code tokenizer.json} (keys sorted, compact UTF-8);
 * {@link #sha256()} hashes it and {@link #save(Path)} writes it, so a saved tokenizer hashes the
 * same when reloaded.
 */
public final class OptTokenizer implements AutoCloseable {
    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String VOCAB_JSON = "vocab.json";
    static final String MERGES_TXT = "merges.txt";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    /** The special tokens of an OPT tokenizer, as strings and as ids. */
    public record SpecialTokens(
            String bos,
            String eos,
            String unk,
            String pad,
            int bosId,
            int eosId,
            int unkId,
            int padId) {}

    private final HuggingFaceTokenizer tokenizer;
    private final byte[] canonicalJson;
    private final SpecialTokens specials;
    private final int vocabSize;
    private final int idLimit;
    private final String source;

    private OptTokenizer(
            HuggingFaceTokenizer tokenizer,
            byte[] canonicalJson,
            SpecialTokens specials,
            int vocabSize,
            int idLimit,
            String source) {
        this.tokenizer = tokenizer;
        this.canonicalJson = canonicalJson;
        this.specials = specials;
        this.vocabSize = vocabSize;
        this.idLimit = idLimit;
        this.source = source;
    }

    /**
     * Loads the tokenizer of a checkpoint directory.
     *
     * @throws UserInputException if the directory has neither {@code tokenizer.json} nor {@code
     *     vocab.json} + {@code merges.txt}, or a file is malformed
     */
    public static OptTokenizer load(Path modelDir) {
        if (!Files.isDirectory(modelDir)) {
            throw new UserInputException(
                    modelDir + ": not a directory (expected a tokenizer directory)");
        }
        SpecialNames names = OptTokenizerFiles.readSpecialNames(modelDir);
        Path tokenizerJson = modelDir.resolve(TOKENIZER_JSON);
        if (Files.isRegularFile(tokenizerJson)) {
            return fromSpec(
                    OptTokenizerFiles.readJson(tokenizerJson), names, tokenizerJson.toString());
        }
        Path vocab = modelDir.resolve(VOCAB_JSON);
        Path merges = modelDir.resolve(MERGES_TXT);
        if (Files.isRegularFile(vocab) && Files.isRegularFile(merges)) {
            ObjectNode spec =
                    OptTokenizerFiles.buildSpec(
                            OptTokenizerFiles.readVocab(vocab),
                            OptTokenizerFiles.readMerges(merges),
                            names,
                            vocab);
            return fromSpec(spec, names, vocab.getParent().toString());
        }
        List<String> missing = new ArrayList<>();
        if (!Files.isRegularFile(vocab)) {
            missing.add(VOCAB_JSON);
        }
        if (!Files.isRegularFile(merges)) {
            missing.add(MERGES_TXT);
        }
        throw new UserInputException(
                modelDir
                        + ": no tokenizer found (no "
                        + TOKENIZER_JSON
                        + ", and "
                        + String.join(" and ", missing)
                        + " missing)");
    }

    /** Token ids of {@code text} with the BOS token ({@code </s>}, id 2 for OPT) first. */
    public long[] encode(String text) {
        return tokenizer.encode(text, true, false).getIds();
    }

    /** Token ids of {@code text} without any special token added. */
    public long[] encodeNoSpecial(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    /** Text of {@code ids}, skipping special tokens. */
    public String decode(long[] ids) {
        return tokenizer.decode(ids, true);
    }

    public int bosId() {
        return specials.bosId();
    }

    public int eosId() {
        return specials.eosId();
    }

    public int padId() {
        return specials.padId();
    }

    public SpecialTokens specialTokens() {
        return specials;
    }

    /**
     * Number of distinct token ids (vocab plus added tokens), like {@code len(tokenizer)} in
     * Python.
     */
    public int vocabSize() {
        return vocabSize;
    }

    /**
     * One more than the largest id: the embedding rows a model needs for this tokenizer. Equal to
     * {@link #vocabSize()} unless the ids have gaps.
     */
    public int idLimit() {
        return idLimit;
    }

    /** The file or directory the tokenizer was loaded from, for messages. */
    public String source() {
        return source;
    }

    /**
     * Hex SHA-256 of the canonical {@code tokenizer.json} (the bytes {@link #save(Path)} writes).
     */
    public String sha256() {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(canonicalJson));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    /**
     * About the bytes {@link #save} writes: tokenizer.json plus its two small config files (for the
     * disk estimate of a study, which saves a copy with every model).
     */
    public long savedBytes() {
        return canonicalJson.length + 1024L;
    }

    /**
     * Writes {@code tokenizer.json}, {@code tokenizer_config.json} and {@code
     * special_tokens_map.json} to {@code dir} (created if needed); transformers' {@code
     * AutoTokenizer} loads them with the same ids.
     */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve(TOKENIZER_JSON), canonicalJson);
        Map<String, Object> specialMap = new LinkedHashMap<>();
        specialMap.put("bos_token", specials.bos());
        specialMap.put("eos_token", specials.eos());
        specialMap.put("unk_token", specials.unk());
        specialMap.put("pad_token", specials.pad());
        Map<String, Object> config = new LinkedHashMap<>(specialMap);
        config.put("add_bos_token", true);
        config.put("add_prefix_space", false);
        config.put("errors", "replace");
        config.put("tokenizer_class", "GPT2Tokenizer");
        Files.write(
                dir.resolve(TOKENIZER_CONFIG),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(config));
        Files.write(
                dir.resolve(SPECIAL_TOKENS_MAP),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(specialMap));
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    // ---------------------------------------------------------------------------------------------

    private static OptTokenizer fromSpec(ObjectNode spec, SpecialNames names, String source) {
        Map<String, Integer> ids = tokenIds(spec, source);
        requireUnknownToken(spec.path("model"), source);
        SpecialTokens specials =
                new SpecialTokens(
                        names.bos(),
                        names.eos(),
                        names.unk(),
                        names.pad(),
                        idOf(ids, names.bos(), source),
                        idOf(ids, names.eos(), source),
                        idOf(ids, names.unk(), source),
                        idOf(ids, names.pad(), source));
        byte[] canonical = canonicalBytes(spec);
        HuggingFaceTokenizer tokenizer = newDjlTokenizer(canonical, source);
        if (!isBosOnly(tokenizer.encode("", true, false).getIds(), specials.bosId())) {
            // A tokenizer.json whose post-processor does not prepend BOS (OPT always has
            // add_bos_token);
            // transformers 5 rewrites the post-processor the same way.
            tokenizer.close();
            spec.set(
                    "post_processor", OptTokenizerFiles.bosTemplate(names.bos(), specials.bosId()));
            canonical = canonicalBytes(spec);
            tokenizer = newDjlTokenizer(canonical, source);
        }
        int limit = 0;
        for (int id : ids.values()) {
            if (id < 0) {
                tokenizer.close();
                throw new UserInputException(source + ": token id " + id + " is negative");
            }
            limit = Math.max(limit, id + 1);
        }
        return new OptTokenizer(
                tokenizer,
                canonical,
                specials,
                new LinkedHashSet<>(ids.values()).size(),
                limit,
                source);
    }

    /**
     * The tokenizer model's unknown token must be in its vocabulary, or the first word outside it
     * fails to encode deep in the Rust tokenizer ("WordLevel error: Missing [UNK] token from the
     * vocabulary"). The model's own vocabulary, not the added tokens, is where the tokenizers
     * library looks. Byte-level BPE (OPT's) has none and needs none.
     */
    private static void requireUnknownToken(JsonNode model, String source) {
        JsonNode given = model.get("unk_token");
        String unk = given != null && given.isTextual() ? given.asText() : null;
        if (unk != null && !model.path("vocab").has(unk)) { // an added token does not do
            throw new UserInputException(
                    source
                            + ": the unknown token "
                            + unk
                            + " (model.unk_token) is not in the tokenizer's vocabulary, so any"
                            + " word outside the vocabulary would fail to encode");
        }
    }

    private static boolean isBosOnly(long[] ids, int bosId) {
        return ids.length == 1 && ids[0] == bosId;
    }

    private static HuggingFaceTokenizer newDjlTokenizer(byte[] json, String source) {
        // DJL defaults: truncation at modelMaxLength=512 and padding; both off for language
        // modelling.
        Map<String, String> options =
                Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false");
        try {
            return HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json), options);
        } catch (IOException | RuntimeException e) {
            throw new UserInputException(
                    source + ": not a loadable tokenizer (" + OptTokenizerFiles.firstLine(e) + ")",
                    e);
        }
    }

    /** Token to id over the model vocab and the added tokens of a tokenizer.json. */
    private static Map<String, Integer> tokenIds(ObjectNode spec, String source) {
        JsonNode vocab = spec.path("model").path("vocab");
        if (!vocab.isObject()) {
            throw new UserInputException(source + ": tokenizer has no model.vocab object");
        }
        Map<String, Integer> ids = new LinkedHashMap<>();
        vocab.fields().forEachRemaining(e -> ids.put(e.getKey(), e.getValue().intValue()));
        for (JsonNode token : spec.path("added_tokens")) {
            ids.put(token.path("content").asText(), token.path("id").intValue());
        }
        return ids;
    }

    private static int idOf(Map<String, Integer> ids, String token, String source) {
        Integer id = ids.get(token);
        if (id == null) {
            throw new UserInputException(
                    source + ": special token " + token + " is not in the vocab");
        }
        return id;
    }

    /** Compact UTF-8 JSON with object keys sorted at every level. */
    private static byte[] canonicalBytes(JsonNode spec) {
        try {
            return JSON.writeValueAsBytes(JSON.treeToValue(spec, Object.class));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }
}
