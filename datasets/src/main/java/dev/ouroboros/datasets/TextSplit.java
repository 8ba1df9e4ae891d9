package dev.ouroboros.datasets;

import java.util.List;

/**
 * One split of a text corpus as an ordered list of lines (or documents), each normally ending in
 * {@code "\n"}.
 *
 * <p>{@link #text()} is their plain concatenation, so for a corpus read from a raw file it is the
 * file's content byte for byte. Loaders of formats without line structure (JSONL documents) end
 * each document with a newline.
 *
 * @param lines the lines in corpus order (unmodifiable copy)
 */
public record TextSplit(List<String> lines) {
    public TextSplit {
        lines = List.copyOf(lines);
    }

    /** The whole split as one string (the lines concatenated). */
    public String text() {
        StringBuilder sb = new StringBuilder();
        for (String line : lines) {
            sb.append(line);
        }
        return sb.toString();
    }

    public int size() {
        return lines.size();
    }
}
