// The cost of the syntax and compression metrics per generation (docs/benchmarks.md#syntactic-metrics):
//   java -cp harness/target/ouroboros.jar scripts/bench/SyntaxCost.java TEXT_FILE TEXTS WORDS [REPEATS]
// cuts TEXTS texts of WORDS whitespace words each from TEXT_FILE (as a generation's continuations), then times,
// per split (a generation evaluates two: generated and real), cr, the CoreNLP parse of every text, cr_pos and
// syntactic_wl2 (3000-sentence cap), best of REPEATS (default 3); the parse also in CPU seconds of its thread. Needs `ouro setup corenlp`.
import dev.ouroboros.eval.diversity.CompressionRatio;
import dev.ouroboros.eval.syntax.ParsedSentence;
import dev.ouroboros.eval.syntax.SyntacticDiversity;
import dev.ouroboros.eval.syntax.corenlp.CoreNlpParser;
import dev.ouroboros.harness.run.SyntaxModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

public class SyntaxCost {
    public static void main(String[] args) throws Exception {
        String[] words = Files.readString(Path.of(args[0])).trim().split("\\s+");
        int n = Integer.parseInt(args[1]);
        int per = Integer.parseInt(args[2]);
        int repeats = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            StringBuilder b = new StringBuilder();
            for (int j = 0; j < per; j++) {
                b.append(j > 0 ? " " : "").append(words[(i * per + j) % words.length]);
            }
            texts.add(b.toString());
        }
        long t0 = System.nanoTime();
        CoreNlpParser parser = new CoreNlpParser(SyntaxModels.dir());
        double load = (System.nanoTime() - t0) / 1e9;
        double cr = Double.MAX_VALUE, parse = Double.MAX_VALUE, crPos = Double.MAX_VALUE, wl = Double.MAX_VALUE;
        int sentences = 0;
        double parseCpu = Double.MAX_VALUE;
        double wlValue = 0;
        for (int r = 0; r < repeats; r++) {
            long a = System.nanoTime();
            CompressionRatio.of(texts);
            long b = System.nanoTime();
            long cpu0 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            List<List<ParsedSentence>> parsed = new ArrayList<>();
            List<ParsedSentence> all = new ArrayList<>();
            for (String t : texts) {
                List<ParsedSentence> s = parser.parse(t);
                parsed.add(s);
                all.addAll(s);
            }
            long c = System.nanoTime();
            parseCpu = Math.min(parseCpu, (java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - cpu0) / 1e9);
            SyntacticDiversity.crPos(parsed);
            long d = System.nanoTime();
            wlValue = SyntacticDiversity.wl(all, 3000, new SplittableRandom(0));
            long e = System.nanoTime();
            cr = Math.min(cr, (b - a) / 1e9);
            parse = Math.min(parse, (c - b) / 1e9);
            crPos = Math.min(crPos, (d - c) / 1e9);
            wl = Math.min(wl, (e - d) / 1e9);
            sentences = all.size();
        }
        System.out.printf(
                "%d texts x %d words, %d sentences: parser load %.2f s (once per JVM); per split: cr %.5f s,"
                        + " parse %.3f s (%.3f s of CPU), cr_pos %.5f s, syntactic_wl2 %.4f s (value %.4f); per generation (2 splits):"
                        + " %.3f s%n",
                n, per, sentences, load, cr, parse, parseCpu, crPos, wl, wlValue, 2 * (cr + parse + crPos + wl));
    }
}
