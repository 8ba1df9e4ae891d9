package dev.ouroboros.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Every verb documents itself: {@code --help} exits 0 and picocli has nothing to warn about. */
class HelpTest {
    @Test
    void everyVerbHasCleanHelp() {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            CliRun top = CliRun.of("--help");
            assertEquals(0, top.exitCode());
            // the command list shows each verb's first description line: a whole sentence
            String list = top.out().substring(top.out().indexOf("Commands:") + 10);
            for (String entry : list.split("\n(?=  \\S)")) {
                String text = entry.strip().replaceAll("\\s+", " ");
                assertTrue(
                        text.endsWith(".") || text.endsWith(".)"),
                        "verb description cut mid-sentence in ouro --help: " + text);
            }
            for (String verb : new CommandLine(new Ouro()).getSubcommands().keySet()) {
                if (verb.equals("help")) {
                    continue;
                }
                CliRun r = CliRun.of(verb, "--help");
                assertEquals(0, r.exitCode(), verb + ": " + r.err());
                assertTrue(r.out().startsWith("Usage: ouro " + verb), verb + ": " + r.out());
            }
        } finally {
            System.setErr(saved);
        }
        assertFalse(
                captured.toString(StandardCharsets.UTF_8).contains("picocli WARN"),
                captured.toString(StandardCharsets.UTF_8));
    }
}
