package dev.ouroboros.harness.bench;

import java.util.Locale;

/**
 * Model FLOPs utilisation: {@code k · N · tokens/s} over the device's peak, with {@code N} every
 * parameter of the model (embeddings included; a tied LM head counted once) and {@code k = 6} for a
 * training token (forward 2N + backward 4N) or {@code k = 2} for a generated token (one forward).
 * Attention's {@code O(T)} term is left out, as in the usual 6N estimate. {@code N} is {@link
 * dev.ouroboros.harness.base.OptParameters#count}.
 *
 * @param flopsPerParameter 2 (generation) or 6 (training)
 * @param formula how the output names it, e.g. {@code 2·N·new tokens/s}
 */
public record ModelFlops(int flopsPerParameter, String formula) {
    /** One forward per generated token. */
    public static final ModelFlops GENERATE = new ModelFlops(2, "2·N·new tokens/s");

    /** Forward and backward per trained token. */
    public static final ModelFlops TRAIN = new ModelFlops(6, "6·N·tokens/s");

    /** Model FLOP/s at {@code tokensPerSecond} for {@code parameters} parameters. */
    public double flops(long parameters, double tokensPerSecond) {
        return (double) flopsPerParameter * parameters * tokensPerSecond;
    }

    /** The fraction of {@code peakTflops} (10¹² FLOP/s) that {@link #flops} reaches. */
    public double utilisation(long parameters, double tokensPerSecond, double peakTflops) {
        return flops(parameters, tokensPerSecond) / (peakTflops * 1e12);
    }

    /**
     * {@code mfu : FORMULA over PEAK, N = …M parameters: djl X%, PEER Y%}, or why it is n/a (no
     * peak: the GPU's name unknown or not in the table); a NaN {@code peerRate} leaves the peer
     * out.
     */
    public String line(
            long params,
            double djlRate,
            double peerRate,
            PeakTflops peak,
            String gpu,
            String peer) {
        if (peak == null) {
            return "mfu   : n/a ("
                    + (gpu == null ? "GPU name unknown" : "'" + gpu + "' not in the table")
                    + "; give --peak-tflops)";
        }
        String s =
                String.format(
                        Locale.ROOT,
                        "mfu   : %s over %s, N = %.2fM parameters: djl %.3g%%",
                        formula,
                        peak.describe(),
                        params / 1e6,
                        100 * utilisation(params, djlRate, peak.tflops()));
        if (!Double.isNaN(peerRate)) {
            s +=
                    String.format(
                            Locale.ROOT,
                            ", %s %.3g%%",
                            peer,
                            100 * utilisation(params, peerRate, peak.tflops()));
        }
        return s;
    }
}
