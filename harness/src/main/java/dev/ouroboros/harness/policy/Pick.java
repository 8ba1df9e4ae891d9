package dev.ouroboros.harness.policy;

/**
 * One item of a training set: index {@code index} of source {@code source}.
 *
 * @param source {@link #REAL} for D0 and fresh real data, s ≥ 1 for the synthetic set S_s
 */
public record Pick(int source, int index) {
    public static final int REAL = 0;

    public boolean isReal() {
        return source == REAL;
    }
}
