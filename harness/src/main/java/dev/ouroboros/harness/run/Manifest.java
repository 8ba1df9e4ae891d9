package dev.ouroboros.harness.run;

import ai.djl.Device;
import ai.djl.engine.Engine;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ouroboros.harness.base.Version;
import dev.ouroboros.harness.config.ConfigWords;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.models.Devices;
import dev.ouroboros.models.Placement;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * What a run was made with: git sha, config hash, DJL/libtorch/CUDA/JVM versions, the device DJL
 * picked and the precision {@code auto} resolved to (also in config.resolved.yaml, which a resume
 * reads).
 */
final class Manifest {
    private Manifest() {}

    /** {@code cfg} with its precision resolved; {@code placement} says how it was resolved. */
    static ObjectNode describe(RunConfig cfg, Placement placement) {
        Device device = placement.device();
        ObjectNode m = new ObjectMapper().createObjectNode();
        m.put("schema", "ouro.manifest/v1");
        m.put("name", cfg.name());
        m.put("created", Instant.now().toString());
        m.put("config_hash", cfg.hash());
        m.put("git_sha", gitSha());
        m.put("ouroboros", String.join("; ", new Version().getVersion()));
        Engine e = Engine.getInstance();
        m.put("engine", e.getEngineName() + " " + e.getVersion());
        m.put("device", Devices.describe(device));
        m.put("device_requested", cfg.device());
        m.put("cpu", dev.ouroboros.models.CpuFingerprint.current()); // bit-exact only on the same
        m.put("precision", ConfigWords.word(cfg.precision()));
        m.put("placement", placement.line());
        m.put(
                "cuda",
                device.isGpu()
                        ? String.valueOf(ai.djl.util.cuda.CudaUtils.getCudaVersionString())
                        : "n/a (cpu)");
        m.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("init", ConfigWords.word(cfg.init()));
        m.put("keep", ConfigWords.word(cfg.keep()));
        return m;
    }

    /** HEAD of the git checkout the process runs from, or "unknown". */
    static String gitSha() {
        try {
            Process p =
                    new ProcessBuilder("git", "rev-parse", "HEAD")
                            .redirectErrorStream(true)
                            .start();
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "unknown";
            }
            String out =
                    new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.exitValue() == 0 && out.matches("[0-9a-f]{40}") ? out : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }
}
