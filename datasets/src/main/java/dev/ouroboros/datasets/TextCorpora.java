package dev.ouroboros.datasets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.models.UserInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Users' own corpora: plain text (one line per example, newlines kept) and JSONL ({@code {"text":
 * ...}} per line).
 *
 * <p>Either a directory holding one file per split ({@code train}, {@code validation} (or {@code
 * valid}), {@code test}, each {@code .txt} or {@code .jsonl}), or a single file split by a seeded
 * fraction (see {@link Corpus#splitByFraction}).
 */
public final class TextCorpora {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TextCorpora() {}

    /**
     * A whole file as strict UTF-8; one-line errors for a missing, unreadable or non-UTF-8 file.
     */
    public static String readUtf8(Path file) {
        try {
            return java.nio.charset.StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(file)))
                    .toString();
        } catch (java.nio.file.NoSuchFileException e) {
            throw new UserInputException(file + ": no such file");
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new UserInputException(file + ": not valid UTF-8", e);
        } catch (java.io.IOException e) {
            throw new UserInputException(
                    file + ": cannot read (" + e.getMessage() + ")",
                    new java.io.UncheckedIOException(e));
        }
    }

    /**
     * Lines of a plain UTF-8 text file, each with its newline (a last line without one is kept as
     * is); empty lines are kept.
     */
    public static List<String> readText(Path file) {
        requireFile(file);
        return ShumailovBlocking.lines(readUtf8(file));
    }

    /**
     * Documents of a JSONL file: the string field {@code text} of each non-blank line, a newline
     * appended to any document that does not end with one.
     *
     * @throws UserInputException {@code file:line: problem} for a line that is not a JSON object
     *     with a string {@code text}
     */
    public static List<String> readJsonl(Path file) {
        requireFile(file);
        List<String> lines = ShumailovBlocking.lines(readUtf8(file));
        List<String> docs = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String where = file + ":" + (i + 1);
            JsonNode node;
            try {
                node = JSON.readTree(line);
            } catch (JsonProcessingException e) {
                throw new UserInputException(
                        where + ": malformed JSON (" + e.getOriginalMessage() + ")", e);
            }
            if (node == null || !node.isObject()) {
                throw new UserInputException(
                        where + ": expected a JSON object like {\"text\": \"...\"}");
            }
            JsonNode text = node.get("text");
            if (text == null) {
                throw new UserInputException(where + ": no \"text\" field");
            }
            if (!text.isTextual()) {
                throw new UserInputException(
                        where
                                + ": \"text\" is "
                                + text.getNodeType().toString().toLowerCase(Locale.ROOT)
                                + ", not a string");
            }
            String doc = text.asText();
            docs.add(doc.endsWith("\n") ? doc : doc + "\n");
        }
        return docs;
    }

    /**
     * Lines or documents of {@code file}, by its extension ({@code .jsonl} is JSONL, anything else
     * plain text).
     */
    public static List<String> read(Path file) {
        return file.getFileName().toString().endsWith(".jsonl") ? readJsonl(file) : readText(file);
    }

    /**
     * A corpus from {@code path}: a directory with per-split files, or one file split by fraction
     * with {@code seed}.
     *
     * @throws UserInputException naming the path if files are missing or ambiguous
     */
    public static Corpus load(
            Path path, double validationFraction, double testFraction, long seed) {
        if (Files.isDirectory(path)) {
            Path train = splitFile(path, "train", true);
            Path validation = splitFile(path, "validation", false);
            if (validation == null) {
                validation = splitFile(path, "valid", false);
            }
            if (validation == null) {
                throw new UserInputException(
                        path + ": no validation.txt/.jsonl (or valid.txt/.jsonl)");
            }
            Path test = splitFile(path, "test", true);
            return new Corpus(
                    path.getFileName().toString(),
                    new TextSplit(read(train)),
                    new TextSplit(read(validation)),
                    new TextSplit(read(test)));
        }
        requireFile(path);
        return Corpus.splitByFraction(
                path.getFileName().toString(), read(path), validationFraction, testFraction, seed);
    }

    private static Path splitFile(Path dir, String stem, boolean required) {
        Path txt = dir.resolve(stem + ".txt");
        Path jsonl = dir.resolve(stem + ".jsonl");
        boolean hasTxt = Files.isRegularFile(txt);
        boolean hasJsonl = Files.isRegularFile(jsonl);
        if (hasTxt && hasJsonl) {
            throw new UserInputException(
                    dir + ": ambiguous, both " + stem + ".txt and " + stem + ".jsonl");
        }
        if (hasTxt) {
            return txt;
        }
        if (hasJsonl) {
            return jsonl;
        }
        if (required) {
            throw new UserInputException(dir + ": no " + stem + ".txt or " + stem + ".jsonl");
        }
        return null;
    }

    private static void requireFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserInputException(file + ": no such file");
        }
    }
}
