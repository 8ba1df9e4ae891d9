package dev.ouroboros.models.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import dev.ouroboros.models.Golden;
import dev.ouroboros.models.LanguageModel;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.UserInputException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Behaviour on the golden tiny checkpoint (its weights are large enough that argmax decisions are
 * not near-ties): cache vs recomputation, batching, sampling, EOS, memory.
 */
class GeneratorTest {
    private static LanguageModel model;
    // three prompts of different lengths: the batch is left padded to 9
    private static final List<long[]> PROMPTS =
            List.of(
                    new long[] {2, 305, 471},
                    new long[] {2, 48, 325, 320, 978, 293, 5, 858, 672},
                    new long[] {2, 257, 442, 748, 432});

    @BeforeAll
    static void load() {
        model = LanguageModel.load(Golden.model("pre_ln_tied_safetensors"), Device.cpu());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static GenerationResult gen(GenerationOptions o) {
        return new Generator(model).generate(PROMPTS, o);
    }

    private static void assertSameTokens(GenerationResult a, GenerationResult b) {
        assertEquals(a.tokens().size(), b.tokens().size());
        for (int i = 0; i < a.tokens().size(); i++) {
            assertArrayEquals(a.tokens().get(i), b.tokens().get(i), "prompt " + i);
        }
    }

    @Test
    void cachedDecodingEqualsFullRecomputation() {
        GenerationOptions greedy = GenerationOptions.greedy(24).withRepetitionPenalty(1.3);
        assertSameTokens(gen(greedy), gen(greedy.withCache(false)));
        GenerationOptions beam =
                GenerationOptions.greedy(20)
                        .withStrategy(
                                new DecodingStrategy.BeamSearch(
                                        3, 0.7, DecodingStrategy.EarlyStopping.HEURISTIC))
                        .withRepetitionPenalty(2.0);
        GenerationResult cached = gen(beam);
        GenerationResult full = gen(beam.withCache(false));
        assertSameTokens(cached, full);
        assertArrayEquals(cached.sequenceScores(), full.sequenceScores(), 1e-4f);
        GenerationOptions sample =
                GenerationOptions.greedy(24)
                        .withStrategy(DecodingStrategy.Sampling.seeded(1.0, 0, 1.0, 42));
        GenerationOptions sample2 =
                sample.withStrategy(DecodingStrategy.Sampling.seeded(1.0, 0, 1.0, 42))
                        .withCache(false);
        assertSameTokens(gen(sample), gen(sample2));
    }

    @Test
    void aLeftPaddedBatchGivesEachPromptWhatItGetsAlone() {
        GenerationResult batch = gen(GenerationOptions.greedy(12));
        for (int i = 0; i < PROMPTS.size(); i++) {
            GenerationResult alone =
                    new Generator(model)
                            .generate(List.of(PROMPTS.get(i)), GenerationOptions.greedy(12));
            assertArrayEquals(alone.tokens().get(0), batch.tokens().get(i), "prompt " + i);
        }
    }

    @Test
    void samplingIsReproducibleBySeed() {
        GenerationOptions o = GenerationOptions.greedy(32);
        GenerationResult a = gen(o.withStrategy(DecodingStrategy.Sampling.seeded(1.0, 0, 1.0, 7)));
        GenerationResult b = gen(o.withStrategy(DecodingStrategy.Sampling.seeded(1.0, 0, 1.0, 7)));
        GenerationResult c = gen(o.withStrategy(DecodingStrategy.Sampling.seeded(1.0, 0, 1.0, 8)));
        assertSameTokens(a, b);
        boolean differs = false;
        for (int i = 0; i < PROMPTS.size(); i++) {
            differs |= !java.util.Arrays.equals(a.tokens().get(i), c.tokens().get(i));
        }
        assertTrue(differs, "another seed gives other text");
        // with top-k / top-p too
        GenerationOptions kp = o.withStrategy(DecodingStrategy.Sampling.seeded(0.8, 20, 0.9, 3));
        assertSameTokens(
                gen(kp), gen(o.withStrategy(DecodingStrategy.Sampling.seeded(0.8, 20, 0.9, 3))));
    }

    @Test
    void topKOneAndNearZeroTemperatureAndTinyTopPAreGreedy() {
        GenerationOptions o = GenerationOptions.greedy(20).withRepetitionPenalty(1.5);
        GenerationResult greedy = gen(o);
        assertSameTokens(
                greedy, gen(o.withStrategy(DecodingStrategy.Sampling.seeded(1.0, 1, 1.0, 11))));
        assertSameTokens(
                greedy, gen(o.withStrategy(DecodingStrategy.Sampling.seeded(1e-4, 0, 1.0, 12))));
        assertSameTokens(
                greedy, gen(o.withStrategy(DecodingStrategy.Sampling.seeded(1.0, 0, 1e-6, 13))));
    }

    @Test
    void highTemperatureSpreadsTheSamples() {
        // at T = 100 the distribution is near uniform over 1000 tokens: 3 x 32 draws rarely repeat
        // the greedy choice
        GenerationOptions o = GenerationOptions.greedy(32);
        GenerationResult greedy = gen(o);
        GenerationResult hot =
                gen(o.withStrategy(DecodingStrategy.Sampling.seeded(100.0, 0, 1.0, 5)));
        int same = 0;
        int total = 0;
        for (int i = 0; i < PROMPTS.size(); i++) {
            for (int j = 0;
                    j < Math.min(greedy.tokens().get(i).length, hot.tokens().get(i).length);
                    j++) {
                same += greedy.tokens().get(i)[j] == hot.tokens().get(i)[j] ? 1 : 0;
                total++;
            }
        }
        assertTrue(same < total / 4, same + " of " + total + " equal to greedy");
    }

    @Test
    void greedyStopsEachSequenceAtEosAndMinNewTokensMasksIt() {
        GenerationResult free = gen(GenerationOptions.greedy(16));
        long eos = free.tokens().get(0)[3]; // make the 4th token of prompt 0 the "EOS"
        int firstInRow0 = indexOf(free.tokens().get(0), eos);
        GenerationOptions withEos =
                new GenerationOptions(
                        new DecodingStrategy.Greedy(), 16, 0, 1.0, (int) eos, 1, true);
        GenerationResult stopped = gen(withEos);
        for (int i = 0; i < PROMPTS.size(); i++) {
            long[] full = free.tokens().get(i);
            int at = indexOf(full, eos);
            long[] expected =
                    at < 0
                            ? full
                            : java.util.Arrays.copyOf(full, at + 1); // up to and including EOS
            assertArrayEquals(expected, stopped.tokens().get(i), "prompt " + i);
        }
        assertEquals(firstInRow0 + 1, stopped.tokens().get(0).length);
        // min = max: EOS can never be chosen, every prompt gets exactly max tokens
        GenerationResult exact = gen(withEos.withNewTokens(16, 16));
        for (long[] t : exact.tokens()) {
            assertEquals(16, t.length);
            assertEquals(-1, indexOf(t, eos));
        }
    }

    @Test
    void beamSearchFinishesHypothesesAtEos() {
        GenerationResult free = gen(GenerationOptions.shumailov(12));
        long eos = free.tokens().get(1)[2];
        for (DecodingStrategy.EarlyStopping es : DecodingStrategy.EarlyStopping.values()) {
            GenerationOptions o =
                    new GenerationOptions(
                            new DecodingStrategy.BeamSearch(4, 1.0, es),
                            12,
                            0,
                            1.0,
                            (int) eos,
                            1,
                            true);
            GenerationResult r = gen(o);
            for (int i = 0; i < PROMPTS.size(); i++) {
                long[] t = r.tokens().get(i);
                assertTrue(t.length >= 1 && t.length <= 12);
                int at = indexOf(t, eos);
                assertTrue(at < 0 || at == t.length - 1, "EOS only as the last token: " + es);
                assertTrue(
                        t.length == 12 || at == t.length - 1,
                        "short hypotheses end with EOS: " + es);
                assertTrue(
                        r.sequenceScores()[i] < 0 && r.sequenceScores()[i] > -100,
                        "a real score: " + r.sequenceScores()[i]);
            }
        }
    }

    @Test
    void nativeMemoryStaysFlatAndGradModeIsRestored() {
        List<Integer> live = new ArrayList<>();
        int before = model.manager().getManagedArrays().size();
        boolean grad = JniUtils.isGradMode();
        new Generator(model)
                .observeSteps(live::add)
                .generate(PROMPTS, GenerationOptions.shumailov(40));
        assertEquals(40, live.size());
        // after the prefill the number of live arrays must not grow with the step count
        assertEquals(live.get(5), live.get(live.size() - 1), "live arrays per step: " + live);
        assertTrue(
                live.stream().skip(1).mapToInt(Integer::intValue).max().getAsInt() <= live.get(5),
                "live arrays: " + live);
        assertEquals(
                before,
                model.manager().getManagedArrays().size(),
                "nothing left on the model manager");
        assertEquals(grad, JniUtils.isGradMode());
        // and on another thread (grad mode on there by default) generation still works and leaves
        // the mode alone
        Thread t =
                new Thread(
                        () -> {
                            boolean g = JniUtils.isGradMode();
                            new Generator(model).generate(PROMPTS, GenerationOptions.greedy(4));
                            assertEquals(g, JniUtils.isGradMode());
                        });
        t.start();
        assertFalse(joinFailed(t));
    }

    @Test
    void beamSearchKeepsOneCacheBufferReorderedInPlace() {
        OptConfig c = model.config();
        int beams = 5;
        int newTokens = 12;
        Shape cacheShape =
                new Shape(
                        (long) PROMPTS.size() * beams,
                        c.numAttentionHeads(),
                        9 + newTokens, // longest prompt + new tokens
                        c.headDim());
        List<Set<NDArray>> buffers = new ArrayList<>();
        new Generator(model)
                .observeLiveArrays(
                        live ->
                                buffers.add(
                                        live.stream()
                                                .filter(a -> a.getShape().equals(cacheShape))
                                                .collect(
                                                        Collectors.toCollection(
                                                                () ->
                                                                        Collections.newSetFromMap(
                                                                                new IdentityHashMap<>())))))
                .generate(PROMPTS, GenerationOptions.shumailov(newTokens));
        assertEquals(newTokens, buffers.size());
        for (int step = 0; step < buffers.size(); step++) {
            assertEquals(
                    2 * c.numHiddenLayers(),
                    buffers.get(step).size(),
                    "step "
                            + step
                            + ": one (k, v) buffer per layer, no second buffer to reorder into");
            assertEquals(buffers.get(0), buffers.get(step), "step " + step + ": the same arrays");
        }
    }

    @Test
    void eachStepCopiesOnlyRowsTimesKValuesToTheHost() {
        int rows = PROMPTS.size();
        int vocab = model.config().vocabSize();
        // beam search (Shumailov: 5 beams, penalty 3): the top 2·5 candidates, values and ids
        List<Long> beam = new ArrayList<>();
        new Generator(model)
                .observeHostReads(beam::add)
                .generate(PROMPTS, GenerationOptions.shumailov(16));
        assertTrue(beam.size() > 2, "beam: " + beam);
        // after the prefill, values then ids of the top 2 x 5 (B x 10 each); every later step one
        // copy of both packed (the fused step)
        assertEquals(List.of(rows * 10L, rows * 10L), beam.subList(0, 2), "prefill: " + beam);
        for (long n : beam.subList(2, beam.size())) {
            assertEquals(rows * 20L, n, "beam: per step (B x 2 x 2 x beams), got " + beam);
        }
        assertTrue(beam.size() <= 16 + 1, "one copy per step: " + beam.size());
        // greedy and sampling: one id per row (sampling draws on the device)
        for (GenerationOptions o :
                List.of(
                        GenerationOptions.greedy(16),
                        GenerationOptions.greedy(16)
                                .withStrategy(DecodingStrategy.Sampling.seeded(1.0, 50, 0.9, 3)))) {
            List<Long> reads = new ArrayList<>();
            new Generator(model).observeHostReads(reads::add).generate(PROMPTS, o);
            assertEquals(16, reads.size(), "one copy per step");
            reads.forEach(n -> assertEquals(rows, n, "not the (rows x " + vocab + ") scores"));
        }
    }

    @Test
    void idsAtOrAboveTheLimitAreNeverGenerated() {
        int vocab = model.config().vocabSize();
        int limit = vocab / 2;
        GenerationOptions hot =
                GenerationOptions.greedy(24)
                        .withNewTokens(24, 24)
                        .withStrategy(DecodingStrategy.Sampling.seeded(50.0, 0, 1.0, 11));
        long above = 0;
        for (long[] t : new Generator(model).generate(PROMPTS, hot).tokens()) {
            above += java.util.Arrays.stream(t).filter(id -> id >= limit).count();
        }
        assertTrue(above > 0, "near-uniform sampling reaches the upper half without a limit");
        for (GenerationOptions o : List.of(hot, GenerationOptions.shumailov(24))) {
            for (long[] t : new Generator(model).limitIds(limit).generate(PROMPTS, o).tokens()) {
                assertEquals(24, t.length);
                for (long id : t) {
                    assertTrue(id < limit, o.strategy() + ": id " + id + " >= " + limit);
                }
            }
        }
        assertThrows(UserInputException.class, () -> new Generator(model).limitIds(vocab + 1));
    }

    @Test
    void hostToDeviceCopiesPerStepAreBounded() {
        // per step only the new token of every row, the beams' parents and running scores go host
        // -> device: O(rows), not the (rows x (prompt + generated)) ids the penalty reads
        int rows = PROMPTS.size();
        int width = PROMPTS.stream().mapToInt(p -> p.length).max().orElseThrow();
        int maxNew = 16;
        for (GenerationOptions o :
                List.of(
                        GenerationOptions.shumailov(maxNew),
                        GenerationOptions.greedy(maxNew).withRepetitionPenalty(2.0),
                        GenerationOptions.greedy(maxNew)
                                .withRepetitionPenalty(2.0)
                                .withStrategy(DecodingStrategy.Sampling.seeded(1.0, 50, 0.9, 3)))) {
            int n =
                    o.strategy() instanceof DecodingStrategy.BeamSearch bs
                            ? rows * bs.numBeams()
                            : rows;
            List<Long> writes = new ArrayList<>();
            GenerationResult res =
                    new Generator(model).observeHostWrites(writes::add).generate(PROMPTS, o);
            long once = 2L * rows * width + 2L * n * (width + maxNew) + (n != rows ? n : 0);
            long total = writes.stream().mapToLong(Long::longValue).sum();
            long perStep = (total - once) / Math.max(1, res.steps());
            assertTrue(
                    perStep <= 3L * n,
                    o.strategy() + ": " + perStep + " values per step " + writes);
        }
    }

    private static boolean joinFailed(Thread t) {
        try {
            t.join();
            return false;
        } catch (InterruptedException e) {
            return true;
        }
    }

    private static int indexOf(long[] a, long v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void resultsDependOnTheStrategy() {
        assertNotEquals(
                java.util.Arrays.toString(gen(GenerationOptions.greedy(16)).tokens().get(0)),
                java.util.Arrays.toString(gen(GenerationOptions.shumailov(16)).tokens().get(0)));
    }
}
