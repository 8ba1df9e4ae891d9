package dev.ouroboros.harness.run;

import dev.ouroboros.datasets.ContentCache;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.models.io.FileTrees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Cold vs warm data preparation with the shared cache (docs/benchmarks.md): {@code DataPrepBench
 * OUT [MB [MODES]]} writes a text directory of about MB megabytes (default 8) of English-like lines
 * under OUT (40,000 pseudo-words, Zipf-distributed, in punctuated sentences) unless it is there,
 * then times {@link StudyData#prepare} ({@code model.tokenizer: bpe:4000}, blocks of 64) into a new
 * data directory for each of MODES (default {@code off,cold,warm}): {@code off} without a cache,
 * {@code cold} with an emptied cache {@code OUT/cache}, {@code warm} with the cache as it is.
 */
public final class DataPrepBench {
    private DataPrepBench() {}

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        double mb = args.length > 1 ? Double.parseDouble(args[1]) : 8;
        Path texts = out.resolve("texts");
        if (!Files.exists(texts.resolve("test.txt"))) {
            Files.createDirectories(texts);
            java.util.Random rnd = new java.util.Random(0);
            String[] lexicon = lexicon(rnd, 40_000);
            for (String split : List.of("train", "validation", "test")) {
                double want = (split.equals("train") ? 0.8 : 0.1) * mb * 1e6;
                StringBuilder b = new StringBuilder();
                while (b.length() < want) {
                    line(rnd, lexicon, b);
                }
                Files.writeString(texts.resolve(split + ".txt"), b);
            }
        }
        RunConfig cfg =
                RunConfig.parse(
                        "",
                        List.of(
                                "data.corpus=text",
                                "data.path=" + texts,
                                "data.block_size=64",
                                "generate.new_tokens=64",
                                "model.tokenizer=bpe:4000"));
        ContentCache cache = ContentCache.at(out.resolve("cache"));
        String modes = args.length > 2 ? args[2] : "off,cold,warm";
        for (String mode : modes.split(",")) {
            Path dataDir = Files.createTempDirectory(out, mode + "-").resolve("data");
            double s =
                    switch (mode) {
                        case "off" -> time(cfg, dataDir, ContentCache.off());
                        case "cold" -> {
                            FileTrees.deleteTree(out.resolve("cache"));
                            yield time(cfg, dataDir, cache);
                        }
                        case "warm" -> time(cfg, dataDir, cache);
                        default -> throw new IllegalArgumentException("mode " + mode);
                    };
            System.out.printf(
                    Locale.ROOT,
                    "%s: %.2f s, corpus %.1f MB%n",
                    mode,
                    s,
                    (Files.size(texts.resolve("train.txt"))
                                    + Files.size(texts.resolve("validation.txt"))
                                    + Files.size(texts.resolve("test.txt")))
                            / 1e6);
        }
    }

    /** {@code n} pseudo-words of 1 to 4 syllables, most frequent first. */
    private static String[] lexicon(java.util.Random rnd, int n) {
        String[] onset = {
            "", "b", "c", "d", "f", "g", "h", "l", "m", "n", "p", "r", "s", "t", "w", "st", "tr",
            "pl", "ch", "th", "sh", "gr", "br"
        };
        String[] vowel = {"a", "e", "i", "o", "u", "ea", "ou", "ai", "ee", "oo"};
        String[] coda = {"", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ng", "ck"};
        java.util.LinkedHashSet<String> words = new java.util.LinkedHashSet<>();
        while (words.size() < n) {
            int syllables = 1 + Math.min(3, (int) Math.abs(rnd.nextGaussian() * 1.3));
            StringBuilder w = new StringBuilder();
            for (int i = 0; i < syllables; i++) {
                w.append(onset[rnd.nextInt(onset.length)])
                        .append(vowel[rnd.nextInt(vowel.length)])
                        .append(coda[rnd.nextInt(coda.length)]);
            }
            words.add(w.toString());
        }
        return words.toArray(String[]::new);
    }

    /** A line of 1 to 4 sentences of Zipf-distributed words (exponent 1), with punctuation. */
    private static void line(java.util.Random rnd, String[] lexicon, StringBuilder b) {
        int sentences = 1 + rnd.nextInt(4);
        for (int s = 0; s < sentences; s++) {
            int words = 5 + rnd.nextInt(20);
            for (int i = 0; i < words; i++) {
                // Zipf by inversion of the harmonic CDF, approximately: rank = n^u
                String w = lexicon[(int) Math.pow(lexicon.length, rnd.nextDouble()) - 1];
                if (i == 0) {
                    w = Character.toUpperCase(w.charAt(0)) + w.substring(1);
                }
                b.append(w);
                b.append(i == words - 1 ? ". " : rnd.nextInt(10) == 0 ? ", " : " ");
            }
        }
        b.setLength(b.length() - 1);
        b.append('\n');
    }

    private static double time(RunConfig cfg, Path dataDir, ContentCache cache) {
        long t0 = System.nanoTime();
        StudyData d = StudyData.prepare(cfg, dataDir, cache, System.out::println);
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
                Locale.ROOT, "%s: %.2f s (%d train blocks)%n", dataDir, s, d.train().count());
        d.tokenizer().close();
        return s;
    }
}
