package dev.ouroboros.models.io;

/**
 * Makes names read from a file safe to put in a one-line error message: control characters (a
 * newline in a tensor name or a pickled global) are escaped and very long names are cut.
 */
final class Printable {
    private static final int MAX = 200;

    private Printable() {}

    static String of(Object value) {
        String s = String.valueOf(value);
        StringBuilder sb = new StringBuilder(Math.min(s.length(), MAX + 3));
        for (int i = 0; i < s.length() && sb.length() < MAX; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\x%02x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.length() < MAX ? sb.toString() : sb + "...";
    }
}
