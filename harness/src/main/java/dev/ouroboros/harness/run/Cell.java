package dev.ouroboros.harness.run;

import dev.ouroboros.datasets.BlockSource;
import dev.ouroboros.harness.policy.MixingPolicy;
import java.nio.file.Path;
import java.util.List;

/**
 * A (policy, seed) cell as its generations see it: its directory, the real pool (D0 then the fresh
 * real blocks), and S_1..S_t with the indices of each that the policy may draw.
 */
record Cell(
        MixingPolicy policy,
        long seed,
        Path dir,
        BlockSource real,
        List<BlockSource> synthetic,
        List<int[]> eligible) {
    String spec() {
        return policy.spec();
    }

    /** {@code policy=P seed=S gen=T}, how the console names a generation. */
    String where(int t) {
        return "policy=" + spec() + " seed=" + seed + " gen=" + t;
    }

    Path gen(int t) {
        return RunDir.gen(dir, t);
    }
}
