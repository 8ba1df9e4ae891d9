package dev.ouroboros.datasets;

import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Shumailov et al.'s blocking (DESIGN.md): each line of the raw text (split on "\n", the newline kept, empty lines
 * included) is tokenized alone with BOS first; the id lists are concatenated, the remainder dropped, and the
 * stream cut into blocks of B.
 */
public final class ShumailovBlocking {
  private ShumailovBlocking() {}

  /** "a\nb\n\nc" → ["a\n", "b\n", "\n", "c"]; a trailing piece after the last newline is kept if non-empty. */
  public static List<String> lines(String text) {
    List<String> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == '\n') {
        out.add(text.substring(start, i + 1));
        start = i + 1;
      }
    }
    if (start < text.length()) {
      out.add(text.substring(start));
    }
    return out;
  }

  public static TokenBlocks blocks(String text, OptTokenizer tokenizer, int blockSize) {
    return blocks(lines(text), tokenizer, blockSize);
  }

  public static TokenBlocks blocks(List<String> lines, OptTokenizer tokenizer, int blockSize) {
    IntBuffer stream = new IntBuffer();
    for (String line : lines) {
      for (long id : tokenizer.encode(line)) {
        stream.add(Math.toIntExact(id));
      }
    }
    int usable = stream.size() - stream.size() % blockSize;
    return new TokenBlocks(blockSize, stream.prefix(usable));
  }

  /** A growable int array (no boxing for corpora of millions of tokens). */
  private static final class IntBuffer {
    private int[] data = new int[1 << 16];
    private int size;

    void add(int v) {
      if (size == data.length) {
        data = java.util.Arrays.copyOf(data, data.length * 2);
      }
      data[size++] = v;
    }

    int size() {
      return size;
    }

    int[] prefix(int n) {
      return java.util.Arrays.copyOf(data, n);
    }
  }
}
