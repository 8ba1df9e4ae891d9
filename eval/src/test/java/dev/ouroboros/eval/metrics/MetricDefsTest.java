package dev.ouroboros.eval.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MetricDefsTest {
    @Test
    void docsTableAndRegistryAgree() throws Exception {
        String doc = Files.readString(Path.of("../docs/metrics.md"));
        Set<String> documented = new HashSet<>();
        Matcher m = Pattern.compile("(?m)^\\| `([a-z0-9_]+/v\\d+)` \\| (.) \\|").matcher(doc);
        while (m.find()) {
            documented.add(m.group(1) + " " + m.group(2));
        }
        Set<String> registered = new HashSet<>();
        for (MetricDef d : MetricDefs.all()) {
            registered.add(d.versionedName() + " " + d.better().arrow());
        }
        assertEquals(registered, documented);
    }

    @Test
    void namesAreUniqueAndFindable() {
        List<MetricDef> all = MetricDefs.all();
        assertEquals(all.size(), all.stream().map(MetricDef::name).distinct().count());
        for (MetricDef d : all) {
            assertEquals(d, MetricDefs.require(d.name()));
        }
        assertTrue(MetricDefs.find("ppl_blocks1").isEmpty());
        assertTrue(MetricDefs.find("nonsense").isEmpty());
    }
}
