package dev.ouroboros.harness.run;

import java.nio.file.Path;
import java.util.Locale;

/**
 * The fetch script a missing path would be filled by, suggested only where it would help: a base
 * named like OPT-125m ({@code scripts/fetch-opt125m.sh}), a wikitext2 corpus named like wikitext-2
 * ({@code scripts/fetch-wikitext2.sh}). A researcher's own model or corpus is not what these
 * scripts download, so a missing one gets no hint.
 */
final class FetchHints {
    private FetchHints() {}

    /** " (scripts/fetch-opt125m.sh BASE)" when {@code base} names OPT-125m, else "". */
    static String base(Path base) {
        return named(base, "opt-125m", "opt125m")
                ? " (scripts/fetch-opt125m.sh " + base + " downloads facebook/opt-125m there)"
                : "";
    }

    /**
     * " (scripts/fetch-wikitext2.sh DEST)" when {@code path} names wikitext-2, with DEST the
     * directory the script fills so that {@code path} then reads, else "".
     */
    static String wikitext2(Path path) {
        if (!named(path, "wikitext-2", "wikitext2")) {
            return "";
        }
        Path name = path.getFileName();
        boolean inner = name != null && name.toString().equalsIgnoreCase("wikitext-2-raw-v1");
        Path dest = inner && path.getParent() != null ? path.getParent() : path;
        return " (scripts/fetch-wikitext2.sh " + dest + " downloads wikitext-2-raw-v1 there)";
    }

    private static boolean named(Path p, String... words) {
        Path name = p.getFileName();
        if (name == null) {
            return false;
        }
        String n = name.toString().toLowerCase(Locale.ROOT);
        for (String w : words) {
            if (n.contains(w)) {
                return true;
            }
        }
        return false;
    }
}
