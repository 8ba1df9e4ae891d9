package dev.ouroboros.harness.policy;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.ouroboros.datasets.BlockSource;
import dev.ouroboros.harness.config.DidYouMean;
import dev.ouroboros.models.UserInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * How the training set of generation t ≥ 1 is built from D0 (N real items) and the synthetic sets
 * S_1..S_t (docs/design.md#mixing-policies). Generation 0 always trains on D0 and does not consult
 * the policy.
 *
 * <p>Spelled in configs as {@code replace}, {@code keep-real:0.1}, {@code accumulate}, {@code
 * accumulate-subsample}, {@code fresh-real:0.1}, {@code mix:0.1,0.2,0.7}, any of them followed by
 * {@code +curate:0.9}. Policies are pure: the same pools and the same random generator state give
 * the same set.
 */
public sealed interface MixingPolicy
        permits MixingPolicy.Replace,
                MixingPolicy.KeepReal,
                MixingPolicy.Accumulate,
                MixingPolicy.AccumulateSubsample,
                MixingPolicy.FreshReal,
                MixingPolicy.Mix,
                MixingPolicy.Curated {

    /** The training set of generation {@code pools.generation()}. */
    List<Pick> select(Pools pools, RandomGenerator rng);

    /** The canonical spelling, which {@link #parse} reads back (and configs are written in). */
    @JsonValue
    String spec();

    /**
     * The blocks generation t = {@code synthetic.size()} ≥ 1 trains on, as this policy picks them.
     *
     * @param real D0 (its first {@code n} blocks) followed by the unused real pool
     * @param synthetic S_1..S_t
     * @param eligible per synthetic set, the indices the policy may draw ({@code +curate}'s cut)
     */
    default BlockSource trainingSet(
            BlockSource real,
            int n,
            List<BlockSource> synthetic,
            List<int[]> eligible,
            RandomGenerator rng) {
        int[] d0 = java.util.stream.IntStream.range(0, n).toArray();
        int[] fresh = java.util.stream.IntStream.range(n, Math.max(n, real.count())).toArray();
        List<Pick> picks = select(new Pools(d0, fresh, eligible), rng);
        List<BlockSource> sources = new ArrayList<>();
        sources.add(real);
        sources.addAll(synthetic);
        int[] offsets = new int[sources.size()];
        for (int i = 1; i < offsets.length; i++) {
            offsets[i] = offsets[i - 1] + sources.get(i - 1).count();
        }
        int[] idx = picks.stream().mapToInt(p -> offsets[p.source()] + p.index()).toArray();
        return BlockSource.concat(sources).select(idx);
    }

    /**
     * Real items this policy consumes from the fresh pool over {@code generations} generations (t =
     * 1..).
     */
    default int freshRealNeeded(int n, int generations) {
        return 0;
    }

    /** S_t only. */
    record Replace() implements MixingPolicy {
        @Override
        public List<Pick> select(Pools p, RandomGenerator rng) {
            return all(p.generation(), p.synthetic(p.generation()));
        }

        @Override
        public String spec() {
            return "replace";
        }
    }

    /**
     * A fresh random f·N of D0 plus a random (1−f)·N of S_t (Shumailov's "10% of original data
     * preserved").
     */
    record KeepReal(double fraction) implements MixingPolicy {
        public KeepReal {
            checkFraction("keep-real", fraction);
        }

        @Override
        public List<Pick> select(Pools p, RandomGenerator rng) {
            int realCount = (int) Math.round(fraction * p.n());
            List<Pick> out = sample(Pick.REAL, p.real(), realCount, rng);
            out.addAll(sample(p.generation(), p.synthetic(p.generation()), p.n() - realCount, rng));
            return out;
        }

        @Override
        public String spec() {
            return "keep-real:" + fraction;
        }
    }

    /** D0 ∪ S_1 ∪ … ∪ S_t: the training set grows every generation (Gerstgrasser et al.). */
    record Accumulate() implements MixingPolicy {
        @Override
        public List<Pick> select(Pools p, RandomGenerator rng) {
            List<Pick> out = all(Pick.REAL, p.real());
            for (int s = 1; s <= p.generation(); s++) {
                out.addAll(all(s, p.synthetic(s)));
            }
            return out;
        }

        @Override
        public String spec() {
            return "accumulate";
        }
    }

    /**
     * N drawn without replacement from D0 ∪ S_1 ∪ … ∪ S_t: accumulation at a constant compute
     * budget.
     */
    record AccumulateSubsample() implements MixingPolicy {
        @Override
        public List<Pick> select(Pools p, RandomGenerator rng) {
            List<Pick> union = new Accumulate().select(p, rng);
            if (union.size() < p.n()) {
                throw new IllegalStateException(
                        "union of " + union.size() + " items is smaller than N = " + p.n());
            }
            shuffle(union, rng);
            return new ArrayList<>(union.subList(0, p.n()));
        }

        @Override
        public String spec() {
            return "accumulate-subsample";
        }
    }

    /** Like keep-real, but the real f·N of generation t comes from a pool never used before. */
    record FreshReal(double fraction) implements MixingPolicy {
        public FreshReal {
            checkFraction("fresh-real", fraction);
        }

        @Override
        public List<Pick> select(Pools p, RandomGenerator rng) {
            int realCount = (int) Math.round(fraction * p.n());
            int from = (p.generation() - 1) * realCount;
            if (from + realCount > p.freshReal().length) {
                throw new UserInputException(
                        "fresh-real:"
                                + fraction
                                + ": generation "
                                + p.generation()
                                + " needs real items "
                                + from
                                + ".."
                                + (from + realCount)
                                + " of the unused pool, which has only "
                                + p.freshReal().length);
            }
            List<Pick> out =
                    all(Pick.REAL, Arrays.copyOfRange(p.freshReal(), from, from + realCount));
            out.addAll(sample(p.generation(), p.synthetic(p.generation()), p.n() - realCount, rng));
            return out;
        }

        @Override
        public int freshRealNeeded(int n, int generations) {
            return (int) Math.round(fraction * n) * generations;
        }

        @Override
        public String spec() {
            return "fresh-real:" + fraction;
        }
    }

    /**
     * α·N from D0, β·N from S_{t−1} (D0 when t = 1), γ·N from S_t: Shumailov's p_{t+1} = α p_0 + β
     * p_t + γ p̂_{t+1}.
     */
    record Mix(double alpha, double beta, double gamma) implements MixingPolicy {
        public Mix {
            checkFraction("mix α", alpha);
            checkFraction("mix β", beta);
            checkFraction("mix γ", gamma);
            if (Math.abs(alpha + beta + gamma - 1) > 1e-9) {
                throw new UserInputException(
                        "mix:" + alpha + "," + beta + "," + gamma + ": α + β + γ must be 1");
            }
        }

        @Override
        public List<Pick> select(Pools p, RandomGenerator rng) {
            int t = p.generation();
            int a = (int) Math.round(alpha * p.n());
            int b = (int) Math.round(beta * p.n());
            int c = p.n() - a - b;
            List<Pick> out = sample(Pick.REAL, p.real(), a, rng);
            out.addAll(
                    t == 1
                            ? sample(Pick.REAL, p.real(), b, rng)
                            : sample(t - 1, p.synthetic(t - 1), b, rng));
            out.addAll(sample(t, p.synthetic(t), c, rng));
            return out;
        }

        @Override
        public String spec() {
            return "mix:" + alpha + "," + beta + "," + gamma;
        }
    }

    /**
     * Any policy after dropping synthetic items outside the generation-0 model's per-sample
     * perplexity quantile {@code quantile} (keep those at or below it). The filtering itself
     * happens where the scores are: the run passes curated {@link Pools} (see {@link #curate});
     * this record names the policy and keeps the quantile.
     */
    record Curated(MixingPolicy inner, double quantile) implements MixingPolicy {
        public Curated {
            if (inner instanceof Curated) {
                throw new UserInputException("curate may be applied once");
            }
            if (!(quantile > 0 && quantile <= 1)) {
                throw new UserInputException(
                        "curate:" + quantile + ": the quantile must be in (0, 1]");
            }
            double need = largestSyntheticDraw(inner);
            if (quantile < need - 1e-9) {
                throw new UserInputException(
                        "policy '"
                                + inner.spec()
                                + "+curate:"
                                + quantile
                                + "': "
                                + inner.spec()
                                + " draws "
                                + percent(need)
                                + " of N from a synthetic set, but curate:"
                                + quantile
                                + " keeps only about "
                                + percent(quantile)
                                + " of it; use a quantile of at least "
                                + need
                                + ", or a policy that trains on what survives the cut (replace,"
                                + " accumulate, accumulate-subsample)");
            }
        }

        /**
         * The largest share of N that {@code p} draws from one synthetic set (without replacement,
         * after the cut): 1 − f for keep-real and fresh-real, max(β, γ) for mix, 0 for the policies
         * that take what is there. A cut at q leaves at least ⌈q·N⌉ items, and a draw of share s
         * takes at most ⌈s·N⌉ (the rounding of the other parts), so q ≥ s always suffices, for
         * every N. Drawing fewer than the policy says, or drawing with replacement, would change
         * the policy's mix or weight the survivors, so a lower q is refused instead.
         */
        static double largestSyntheticDraw(MixingPolicy p) {
            if (p instanceof KeepReal k) {
                return 1 - k.fraction();
            }
            if (p instanceof FreshReal f) {
                return 1 - f.fraction();
            }
            if (p instanceof Mix m) {
                return Math.max(m.beta(), m.gamma());
            }
            return 0;
        }

        private static String percent(double share) {
            return Math.round(share * 1000) / 10.0 + "%";
        }

        @Override
        public List<Pick> select(Pools p, RandomGenerator rng) {
            return inner.select(p, rng);
        }

        @Override
        public int freshRealNeeded(int n, int generations) {
            return inner.freshRealNeeded(n, generations);
        }

        @Override
        public String spec() {
            return inner.spec() + "+curate:" + quantile;
        }

        /**
         * Indices of {@code scores} (per-sample perplexities) at or below their {@code
         * quantile}-quantile.
         */
        public static int[] curate(double[] scores, double quantile) {
            if (scores.length == 0) {
                return new int[0];
            }
            double[] sorted = scores.clone();
            Arrays.sort(sorted);
            double cut = sorted[Math.max(0, (int) Math.ceil(quantile * sorted.length) - 1)];
            return java.util.stream.IntStream.range(0, scores.length)
                    .filter(i -> scores[i] <= cut)
                    .toArray();
        }
    }

    /** Reads a policy spelling; unknown names get a "did you mean". */
    @JsonCreator
    static MixingPolicy parse(String spec) {
        String s = spec.trim();
        int plus = s.indexOf("+curate:");
        if (plus >= 0) {
            return new Curated(
                    parse(s.substring(0, plus)),
                    number(spec, s.substring(plus + "+curate:".length())));
        }
        int colon = s.indexOf(':');
        String name = colon < 0 ? s : s.substring(0, colon);
        String arg = colon < 0 ? null : s.substring(colon + 1);
        return switch (name) {
            case "replace" -> noArg(spec, arg, new Replace());
            case "accumulate" -> noArg(spec, arg, new Accumulate());
            case "accumulate-subsample" -> noArg(spec, arg, new AccumulateSubsample());
            case "keep-real" -> new KeepReal(number(spec, arg));
            case "fresh-real" -> new FreshReal(number(spec, arg));
            case "mix" -> {
                String[] parts = arg == null ? new String[0] : arg.split(",");
                if (parts.length != 3) {
                    throw new UserInputException(
                            "policy '"
                                    + spec
                                    + "': mix takes three fractions, e.g. mix:0.1,0.2,0.7");
                }
                yield new Mix(
                        number(spec, parts[0]), number(spec, parts[1]), number(spec, parts[2]));
            }
            default ->
                    throw new UserInputException(
                            "policy '"
                                    + spec
                                    + "' is unknown"
                                    + DidYouMean.suggest(name, NAMES)
                                    + " (one of "
                                    + String.join(", ", NAMES)
                                    + ")");
        };
    }

    List<String> NAMES =
            List.of(
                    "replace",
                    "keep-real",
                    "accumulate",
                    "accumulate-subsample",
                    "fresh-real",
                    "mix");

    private static MixingPolicy noArg(String spec, String arg, MixingPolicy p) {
        if (arg != null) {
            throw new UserInputException(
                    "policy '" + spec + "': " + p.spec() + " takes no argument");
        }
        return p;
    }

    private static double number(String spec, String arg) {
        if (arg == null) {
            throw new UserInputException("policy '" + spec + "': missing a number after ':'");
        }
        try {
            return Double.parseDouble(arg.trim());
        } catch (NumberFormatException e) {
            throw new UserInputException("policy '" + spec + "': '" + arg + "' is not a number");
        }
    }

    private static void checkFraction(String what, double f) {
        if (!(f >= 0 && f <= 1)) {
            throw new UserInputException(what + ": fraction must be in [0, 1], got " + f);
        }
    }

    private static List<Pick> all(int source, int[] indices) {
        List<Pick> out = new ArrayList<>(indices.length);
        for (int i : indices) {
            out.add(new Pick(source, i));
        }
        return out;
    }

    /** {@code k} distinct items of {@code indices}, uniformly at random (partial Fisher–Yates). */
    private static List<Pick> sample(int source, int[] indices, int k, RandomGenerator rng) {
        if (k > indices.length) {
            throw new IllegalStateException(
                    "cannot draw " + k + " of " + indices.length + " items from source " + source);
        }
        int[] a = indices.clone();
        List<Pick> out = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(a.length - i);
            int tmp = a[i];
            a[i] = a[j];
            a[j] = tmp;
            out.add(new Pick(source, a[i]));
        }
        return out;
    }

    private static void shuffle(List<Pick> list, RandomGenerator rng) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            Pick tmp = list.get(i);
            list.set(i, list.get(j));
            list.set(j, tmp);
        }
    }
}
