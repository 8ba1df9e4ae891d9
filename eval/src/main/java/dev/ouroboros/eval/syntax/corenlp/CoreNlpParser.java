package dev.ouroboros.eval.syntax.corenlp;

import dev.ouroboros.eval.syntax.ParsedSentence;
import dev.ouroboros.eval.syntax.SyntaxParser;
import dev.ouroboros.eval.syntax.UposMapper;
import edu.stanford.nlp.ling.CoreAnnotations;
import edu.stanford.nlp.ling.CoreLabel;
import edu.stanford.nlp.ling.IndexedWord;
import edu.stanford.nlp.pipeline.Annotation;
import edu.stanford.nlp.pipeline.StanfordCoreNLP;
import edu.stanford.nlp.semgraph.SemanticGraph;
import edu.stanford.nlp.semgraph.SemanticGraphCoreAnnotations;
import edu.stanford.nlp.semgraph.SemanticGraphEdge;
import edu.stanford.nlp.util.CoreMap;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;

/**
 * Stanford CoreNLP 4.5.10's English pipeline {@code tokenize,ssplit,pos,depparse}: the
 * left3words-distsim POS tagger (Penn Treebank tags) and the neural UD dependency parser ({@code
 * english_UD.gz}), basic (tree) dependencies. UPOS tags come from the Penn tags and the UD
 * relations ({@link UposMapper}). Loading takes a few seconds: make one and reuse it (annotation is
 * thread-safe).
 */
public final class CoreNlpParser implements SyntaxParser {
    private final StanfordCoreNLP pipeline;

    /** The pipeline over the models that {@code ouro setup corenlp} put in {@code modelsDir}. */
    public CoreNlpParser(Path modelsDir) {
        this(
                modelsDir.resolve(CoreNlpModels.TAGGER).toString(),
                modelsDir.resolve(CoreNlpModels.DEPPARSE).toString());
    }

    /**
     * The pipeline over models named as CoreNLP names them: a file path or a classpath resource
     * (the models jar on a test classpath).
     */
    public CoreNlpParser(String taggerModel, String depparseModel) {
        Properties p = new Properties();
        p.setProperty("annotators", "tokenize,ssplit,pos,depparse");
        p.setProperty("tokenize.language", "en");
        // byte-level BPE decodes split characters as U+FFFD: keep them as tokens, without a warning
        // each
        p.setProperty("tokenize.options", "untokenizable=noneKeep");
        p.setProperty("pos.model", taggerModel);
        p.setProperty("depparse.model", depparseModel);
        this.pipeline = new StanfordCoreNLP(p, false);
    }

    /** The classpath names of the two models inside the models jar. */
    public static CoreNlpParser fromClasspath() {
        return new CoreNlpParser(
                "edu/stanford/nlp/models/pos-tagger/" + CoreNlpModels.TAGGER,
                "edu/stanford/nlp/models/parser/nndep/" + CoreNlpModels.DEPPARSE);
    }

    @Override
    public List<ParsedSentence> parse(String text) {
        Annotation doc = new Annotation(text);
        pipeline.annotate(doc);
        List<ParsedSentence> out = new ArrayList<>();
        for (CoreMap s : doc.get(CoreAnnotations.SentencesAnnotation.class)) {
            out.add(sentence(s));
        }
        return out;
    }

    private static ParsedSentence sentence(CoreMap s) {
        List<CoreLabel> tokens = s.get(CoreAnnotations.TokensAnnotation.class);
        SemanticGraph g = s.get(SemanticGraphCoreAnnotations.BasicDependenciesAnnotation.class);
        int n = tokens.size();
        int[] heads = new int[n];
        String[] rel = new String[n];
        Arrays.fill(heads, -1);
        Arrays.fill(rel, "root");
        for (SemanticGraphEdge e : g.edgeIterable()) {
            int dep = e.getDependent().index() - 1; // CoreNLP indexes tokens from 1
            heads[dep] = e.getGovernor().index() - 1;
            rel[dep] = e.getRelation().toString();
        }
        for (IndexedWord root : g.getRoots()) {
            heads[root.index() - 1] = -1;
            rel[root.index() - 1] = "root";
        }
        List<String> words = new ArrayList<>();
        List<String> xpos = new ArrayList<>();
        List<String> upos = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            CoreLabel t = tokens.get(i);
            words.add(t.word());
            xpos.add(t.tag());
            upos.add(UposMapper.upos(t.tag(), rel[i]));
        }
        return new ParsedSentence(words, xpos, upos, heads, List.of(rel));
    }

    @Override
    public String describe() {
        return "CoreNLP "
                + CoreNlpModels.VERSION
                + " ("
                + CoreNlpModels.TAGGER
                + ", "
                + CoreNlpModels.DEPPARSE
                + ")";
    }
}
