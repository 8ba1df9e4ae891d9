package dev.ouroboros.harness.cli;

import dev.ouroboros.eval.syntax.corenlp.CoreNlpModels;
import dev.ouroboros.harness.run.SyntaxModels;
import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ouro setup corenlp [--jar PATH]}: the CoreNLP English models that {@code eval.syntactic}
 * needs, checked and extracted into the models directory.
 */
@Command(
        name = "corenlp",
        mixinStandardHelpOptions = true,
        description = {
            "Install the CoreNLP "
                    + CoreNlpModels.VERSION
                    + " English models that eval.syntactic needs (the POS tagger and the UD parser, 27 MB)",
            "into OURO_CORENLP, else <data cache>/corenlp/" + CoreNlpModels.VERSION + ".",
            "They come from the models jar (474 MB, SHA-256 checked) as Maven fetches it:",
            "  mvn dependency:get -Dartifact=" + CoreNlpModels.ARTIFACT,
            "(./mvnw in the source tree; it honours your Maven mirrors and proxies). Without --jar the jar is",
            "taken from the local Maven repository (maven.repo.local, else ~/.m2/repository).",
            "Exit 2 with one line when the jar is missing or not the expected one."
        })
public final class SetupCorenlpCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--jar",
            paramLabel = "PATH",
            description = "The models jar (default: the local Maven repository's).")
    Path jar;

    @Override
    public Integer call() {
        Path from = jar != null ? jar : localRepositoryJar();
        if (!Files.isRegularFile(from)) {
            throw new UserInputException(
                    "no CoreNLP models jar at "
                            + from
                            + ": fetch it with `mvn dependency:get -Dartifact="
                            + CoreNlpModels.ARTIFACT
                            + "` (or pass --jar PATH)");
        }
        Path dir = SyntaxModels.dir();
        PrintWriter out = spec.commandLine().getOut();
        try {
            CoreNlpModels.install(from, dir);
        } catch (IllegalArgumentException e) {
            throw new UserInputException(e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot install the CoreNLP models into " + dir, e);
        }
        out.println(CoreNlpModels.status(dir) + " (from " + from + ")");
        out.flush();
        return 0;
    }

    private static Path localRepositoryJar() {
        String local = System.getProperty("maven.repo.local");
        Path repo =
                local != null
                        ? Path.of(local)
                        : Path.of(System.getProperty("user.home"), ".m2", "repository");
        return CoreNlpModels.inMavenRepository(repo);
    }
}
