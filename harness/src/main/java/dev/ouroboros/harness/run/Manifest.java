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
import java.io.InputStream;
import java.time.Instant;
import java.util.Properties;

/**
 * What a run was made with: the commit the jar was built from, config hash, DJL/libtorch/CUDA/JVM
 * versions, the device DJL picked and the precision {@code auto} resolved to (also in
 * config.resolved.yaml, which a resume reads).
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
        BuildCommit commit = BuildCommit.current();
        m.put("git_sha", commit.sha());
        if (commit.dirty() != null) {
            m.put("git_dirty", commit.dirty());
        }
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

    /** The build-time record of the commit ({@code models/pom.xml} writes it). */
    static final String GIT_RESOURCE = "/ouroboros-git.properties";

    /**
     * The commit the running classes were built from, as the build recorded it ({@link
     * #GIT_RESOURCE}): {@code sha} ("unknown" when the build had no git, e.g. a source archive) and
     * whether the checkout had uncommitted changes to tracked files ({@code dirty}, null when
     * unknown). Never the commit of the directory the process runs in: that may be another
     * repository.
     */
    record BuildCommit(String sha, Boolean dirty) {
        static BuildCommit current() {
            return read(Manifest.class.getResourceAsStream(GIT_RESOURCE));
        }

        static BuildCommit read(InputStream in) {
            BuildCommit unknown = new BuildCommit("unknown", null);
            if (in == null) {
                return unknown;
            }
            Properties p = new Properties();
            try (in) {
                p.load(in);
            } catch (IOException e) {
                return unknown;
            }
            String sha = p.getProperty("commit", "").trim();
            return sha.matches("[0-9a-f]{40}")
                    ? new BuildCommit(sha, "true".equals(p.getProperty("dirty", "").trim()))
                    : unknown;
        }
    }
}
