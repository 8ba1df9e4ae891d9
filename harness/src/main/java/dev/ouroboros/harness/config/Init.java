package dev.ouroboros.harness.config;

/**
 * Where a model's weights start: {@code base} (the checkpoint in {@code model.base}), {@code
 * previous} (the previous generation's model; {@code ouro run} only, generation 0 starts from
 * {@code model.base} when set, else at random) or {@code scratch} (random init from the seed).
 */
public enum Init {
    BASE,
    PREVIOUS,
    SCRATCH
}
