package dev.ouroboros.datasets;

import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * wikitext-2-raw-v1 from a local directory, in either of its two published forms.
 *
 * <ul>
 *   <li>The original release: {@code wiki.train.raw}, {@code wiki.valid.raw}, {@code
 *       wiki.test.raw}.
 *   <li>Hugging Face parquet ({@code Salesforce/wikitext}): {@code train-*.parquet}, {@code
 *       validation-*.parquet}, {@code test-*.parquet}, either in the directory itself or in its
 *       {@code wikitext-2-raw-v1/} subdirectory; shards of one split are read in file-name order.
 * </ul>
 *
 * <p><b>The two forms differ on blank lines.</b> HF's builder (the former {@code wikitext.py})
 * iterated over the raw file's lines and yielded {@code row} for a line with non-whitespace content
 * but {@code ""} for a blank line (in wikitext a blank line is {@code " \n"}). So joining the
 * parquet rows does <i>not</i> give the raw file. This loader always returns the raw file's lines
 * ({@link TextSplit#text()} = the raw file): from parquet, an empty row becomes {@code " \n"},
 * which restores the original exactly as long as every blank line of the original was {@code " \n"}
 * (true of wikitext-2-raw-v1 as published). {@link #hfRows(TextSplit)} maps back to the HF rows,
 * which is what a pipeline built on {@code datasets.load_dataset("wikitext", "wikitext-2-raw-v1")}
 * (Shumailov et al.) tokenizes row by row: there a blank line is the empty string (BOS only), not
 * {@code " \n"}.
 */
public final class Wikitext2 {
    /** Name used for the corpus and its HF subdirectory. */
    public static final String NAME = "wikitext-2-raw-v1";

    private static final String[] RAW_FILES = {"wiki.train.raw", "wiki.valid.raw", "wiki.test.raw"};
    private static final String[] PARQUET_PREFIXES = {"train-", "validation-", "test-"};

    private Wikitext2() {}

    /**
     * Loads the three splits from {@code dir} (raw files or HF parquet, see the class comment).
     *
     * @throws UserInputException naming {@code dir} if no complete form is there, if both forms are
     *     there, or if a file cannot be read
     */
    public static Corpus load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new UserInputException(
                    dir + ": not a directory (expected wikitext-2-raw-v1 files)");
        }
        boolean anyRaw = Stream.of(RAW_FILES).anyMatch(f -> Files.isRegularFile(dir.resolve(f)));
        List<Path> parquetDirs = new ArrayList<>();
        for (Path candidate : List.of(dir, dir.resolve(NAME))) {
            if (Files.isDirectory(candidate) && !parquetFiles(candidate, "").isEmpty()) {
                parquetDirs.add(candidate);
            }
        }
        if (anyRaw && !parquetDirs.isEmpty()) {
            throw new UserInputException(
                    dir
                            + ": ambiguous, holds both raw files (wiki.*.raw) and parquet files (in "
                            + parquetDirs.get(0)
                            + "); keep one form");
        }
        if (parquetDirs.size() > 1) {
            throw new UserInputException(
                    dir
                            + ": ambiguous, parquet files both here and in "
                            + NAME
                            + "/; keep one copy");
        }
        if (anyRaw) {
            return fromRaw(dir);
        }
        if (parquetDirs.size() == 1) {
            return fromParquet(parquetDirs.get(0));
        }
        throw new UserInputException(
                dir
                        + ": no wikitext-2-raw-v1 files (expected wiki.{train,valid,test}.raw, or {train,validation,test}-*.parquet"
                        + " here or under "
                        + NAME
                        + "/; scripts/fetch-wikitext2.sh downloads them)");
    }

    /**
     * The HF rows of a split: a line with only whitespace becomes {@code ""}, every other line is
     * kept with its newline — exactly the {@code text} column of HF's wikitext-2-raw-v1.
     */
    public static List<String> hfRows(TextSplit split) {
        List<String> rows = new ArrayList<>(split.size());
        for (String line : split.lines()) {
            rows.add(line.isBlank() ? "" : line);
        }
        return rows;
    }

    private static Corpus fromRaw(Path dir) {
        TextSplit[] splits = new TextSplit[3];
        for (int i = 0; i < 3; i++) {
            Path file = dir.resolve(RAW_FILES[i]);
            if (!Files.isRegularFile(file)) {
                throw new UserInputException(
                        file + ": missing (the other wikitext-2 raw files are in " + dir + ")");
            }
            splits[i] = new TextSplit(ShumailovBlocking.lines(TextCorpora.readUtf8(file)));
        }
        return new Corpus(NAME, splits[0], splits[1], splits[2]);
    }

    private static Corpus fromParquet(Path dir) {
        TextSplit[] splits = new TextSplit[3];
        for (int i = 0; i < 3; i++) {
            List<Path> shards = parquetFiles(dir, PARQUET_PREFIXES[i]);
            if (shards.isEmpty()) {
                throw new UserInputException(
                        dir
                                + ": no "
                                + PARQUET_PREFIXES[i]
                                + "*.parquet (the split "
                                + Split.values()[i].label()
                                + " is missing)");
            }
            List<String> lines = new ArrayList<>();
            for (Path shard : shards) {
                for (String row : ParquetText.readColumn(shard, "text")) {
                    lines.add(row.isEmpty() ? " \n" : row);
                }
            }
            splits[i] = new TextSplit(lines);
        }
        return new Corpus(NAME, splits[0], splits[1], splits[2]);
    }

    /**
     * Parquet files of {@code dir} whose names start with {@code prefix} ("" for any of the three),
     * sorted.
     */
    private static List<Path> parquetFiles(Path dir, String prefix) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile)
                    .filter(
                            p -> {
                                String name = p.getFileName().toString();
                                if (!name.endsWith(".parquet")) {
                                    return false;
                                }
                                if (!prefix.isEmpty()) {
                                    return name.startsWith(prefix);
                                }
                                return Stream.of(PARQUET_PREFIXES).anyMatch(name::startsWith);
                            })
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UserInputException(dir + ": cannot list (" + e.getMessage() + ")", e);
        }
    }
}
