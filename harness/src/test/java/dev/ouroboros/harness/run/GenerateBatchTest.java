package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ouroboros.harness.config.RunConfig;
import dev.ouroboros.harness.config.YamlConfig;
import dev.ouroboros.models.OptConfig;
import dev.ouroboros.models.UserInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code generate.batch_size: auto}: parsed, resolved per device, recorded and reused. */
class GenerateBatchTest {
    static final OptConfig OPT125M = OptConfig.tiny(50272, 768, 12, 12, 3072, 2048);

    @TempDir Path tmp;

    private static RunConfig.Generate generate(String batch) {
        return RunConfig.parse("", List.of("generate.batch_size=" + batch)).generate();
    }

    @Test
    void autoAndNumbersParseAndBadValuesSayOneLine() {
        assertTrue(generate("auto").batchSize().isAuto());
        assertEquals(32, generate("32").batchSize().fixed());
        assertEquals(16, RunConfig.parse("", List.of()).generate().batchSize().fixed());
        for (String bad : List.of("0", "-3", "1.5", "many", "[4]")) {
            UserInputException e = assertThrows(UserInputException.class, () -> generate(bad));
            assertTrue(
                    e.getMessage()
                            .contains("generate.batch_size must be a positive integer or auto"),
                    bad + ": " + e.getMessage());
            assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void aFixedSizeIsWrittenAndHashedAsTheNumberItWas() throws Exception {
        RunConfig fixed = RunConfig.parse("", List.of("precision=fp32"));
        JsonNode n = YamlConfig.YAML.valueToTree(fixed).get("generate").get("batch_size");
        assertTrue(n.isInt() && n.asInt() == 16, "hashed tree: " + n);
        RunConfig auto = RunConfig.parse("", List.of("precision=fp32", "generate.batch_size=auto"));
        assertTrue(
                auto.toYaml().contains("batch_size: \"auto\"")
                        || auto.toYaml().contains("batch_size: auto"));
        assertTrue(
                RunConfig.parse(auto.toYaml(), List.of()).generate().batchSize().isAuto(),
                "config.resolved.yaml reads back as auto");
        assertTrue(!fixed.hash().equals(auto.hash()));
    }

    @Test
    void autoIsSixteenOnTheCpuAndSizedByFreeMemoryOnAGpu() {
        RunConfig.Generate beam = generate("auto").withBatchSize(1);
        RunConfig.Generate auto = generate("auto");
        GenerateBatch cpu =
                GenerateBatch.resolve(auto, OPT125M, 64, 1000, Device.cpu(), d -> 1L << 40);
        assertEquals(BatchSize.CPU_AUTO, cpu.prompts());
        assertEquals("generate.batch_size: auto -> 16 (cpu)", cpu.line());
        // 10 GiB free, 56,950,912 bytes per 5-beam fp32 prompt (GenerationMemoryTest): 131
        GenerateBatch gpu =
                GenerateBatch.resolve(auto, OPT125M, 64, 1000, Device.gpu(0), d -> 10L << 30);
        assertEquals(131, gpu.prompts());
        assertTrue(
                gpu.line()
                        .startsWith(
                                "generate.batch_size: auto -> 131 (gpu(0): 10.0 GiB free, 54 MiB per prompt of 5 rows"),
                gpu.line());
        assertEquals(
                20,
                GenerateBatch.resolve(auto, OPT125M, 64, 20, Device.gpu(0), d -> 10L << 30)
                        .prompts());
        GenerateBatch unknown =
                GenerateBatch.resolve(auto, OPT125M, 64, 1000, Device.gpu(0), d -> -1);
        assertEquals(16, unknown.prompts());
        assertTrue(unknown.line().contains("free memory unknown"), unknown.line());
        assertEquals(
                1, GenerateBatch.resolve(beam, OPT125M, 64, 1000, Device.gpu(0), d -> 1).prompts());
    }

    @Test
    void aStudyRecordsWhatAutoResolvedToAndAResumeReusesIt() throws Exception {
        Path out = tmp.resolve("out");
        List<String> o = new ArrayList<>(StudyTestSupport.tiny(out));
        o.addAll(List.of("generate.batch_size=auto", "generations=1", "precision=fp32"));
        List<String> log = new ArrayList<>();
        Study.run(RunConfig.load(StudyTestSupport.SMOKE, o), o, log::add);
        assertTrue(log.contains("generate.batch_size: auto -> 16 (cpu)"), String.join("\n", log));
        Path manifest = out.resolve("study/manifest.json");
        JsonNode m = YamlConfig.YAML.readTree(manifest.toFile());
        assertEquals(16, m.get("generate_batch_size").asInt());
        // a resume (here: one more generation) takes the recorded size, wherever it runs
        Files.writeString(
                manifest,
                Files.readString(manifest)
                        .replace("\"generate_batch_size\" : 16", "\"generate_batch_size\" : 5"));
        o.set(o.indexOf("generations=1"), "generations=2");
        log.clear();
        Study.run(RunConfig.load(StudyTestSupport.SMOKE, o), o, log::add);
        assertTrue(
                log.contains("generate.batch_size: auto -> 5 (as recorded in " + manifest + ")"),
                String.join("\n", log));
    }
}
