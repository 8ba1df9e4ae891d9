package dev.ouroboros.harness.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ouroboros.harness.ChildJvm;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * manifest.json's {@code git_sha} is the commit the classes were built from (recorded by the
 * build), wherever {@code ouro} runs: from inside another git repository it is still this
 * checkout's commit.
 */
class BuildCommitTest {
    @TempDir Path tmp;

    @Test
    void theBuildRecordsThisCheckoutsCommit() throws Exception {
        Manifest.BuildCommit c = Manifest.BuildCommit.current();
        assertEquals(git(Path.of(".").toAbsolutePath(), "rev-parse", "HEAD"), c.sha());
        assertTrue(c.dirty() != null);
    }

    @Test
    void readsTheRecordHonestly() {
        assertEquals(new Manifest.BuildCommit("unknown", null), Manifest.BuildCommit.read(null));
        assertEquals(
                new Manifest.BuildCommit("unknown", null),
                read("commit=\ndirty=true\n")); // built without git
        String sha = "0123456789abcdef0123456789abcdef01234567";
        assertEquals(
                new Manifest.BuildCommit(sha, false), read("commit=" + sha + "\ndirty=false\n"));
        assertEquals(new Manifest.BuildCommit(sha, true), read("commit=" + sha + "\ndirty=true\n"));
        assertNull(read("garbage").dirty());
    }

    @Test
    void aRunFromInsideAnotherRepositoryRecordsTheBuildsCommit() throws Exception {
        Path other = Files.createDirectories(tmp.resolve("elsewhere"));
        git(other, "init", "-q");
        Files.writeString(other.resolve("a.txt"), "another project\n");
        git(other, "add", "a.txt");
        git(other, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "x");
        String otherSha = git(other, "rev-parse", "HEAD");
        Path config = Path.of("../configs/gaussian.yaml").toAbsolutePath().normalize();
        Process p =
                ChildJvm.ouro(
                                null,
                                List.of(
                                        "run",
                                        config.toString(),
                                        "out=" + tmp.resolve("runs"),
                                        "generations=2",
                                        "seeds=[0]",
                                        "policies=[replace]"))
                        .directory(other.toFile())
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        JsonNode m =
                new ObjectMapper().readTree(tmp.resolve("runs/gaussian/manifest.json").toFile());
        assertNotEquals(otherSha, m.get("git_sha").asText());
        assertEquals(Manifest.BuildCommit.current().sha(), m.get("git_sha").asText());
        assertEquals(Manifest.BuildCommit.current().dirty(), m.get("git_dirty").asBoolean());
    }

    private static Manifest.BuildCommit read(String text) {
        return Manifest.BuildCommit.read(
                new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String git(Path dir, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("git"));
        cmd.addAll(List.of(args));
        Process p =
                new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, out);
        return out;
    }
}
