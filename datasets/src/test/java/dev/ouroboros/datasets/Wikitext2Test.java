package dev.ouroboros.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Wikitext2Test {
    static final String TRAIN =
            " \n = Valkyria Chronicles III = \n \n Senjō no Valkyria 3 : Unrecorded Chronicles \n \n";
    static final String VALID = " \n = Homarus gammarus = \n \n";
    static final String TEST = " \n = Robert Boulter = \n";

    @TempDir Path tmp;

    /** HF's builder: a row per line; blank lines become "". */
    static List<String> hfRowsOf(String raw) {
        return ShumailovBlocking.lines(raw).stream().map(l -> l.isBlank() ? "" : l).toList();
    }

    /** Writes rows like pyarrow/HF (optional binary STRING column "text", snappy). */
    static void writeParquet(Path file, List<String> rows, boolean withNull) throws IOException {
        MessageType schema =
                MessageTypeParser.parseMessageType(
                        "message schema { optional binary text (STRING); }");
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        try (ParquetWriter<Group> writer =
                ExampleParquetWriter.builder(new LocalOutputFile(file))
                        .withConf(new PlainParquetConfiguration())
                        .withType(schema)
                        .withCompressionCodec(CompressionCodecName.SNAPPY)
                        .build()) {
            for (String row : rows) {
                writer.write(groups.newGroup().append("text", row));
            }
            if (withNull) {
                writer.write(groups.newGroup());
            }
        }
    }

    @Test
    void rawFilesLoadByteExact() throws IOException {
        Files.writeString(tmp.resolve("wiki.train.raw"), TRAIN);
        Files.writeString(tmp.resolve("wiki.valid.raw"), VALID);
        Files.writeString(tmp.resolve("wiki.test.raw"), TEST);
        Corpus c = Wikitext2.load(tmp);
        assertEquals(TRAIN, c.train().text());
        assertEquals(VALID, c.validation().text());
        assertEquals(TEST, c.test().text());
        assertEquals(5, c.train().size());
        assertEquals(hfRowsOf(TRAIN), Wikitext2.hfRows(c.train()));
    }

    @Test
    void parquetUnderSubdirEqualsRaw() throws IOException {
        Path sub = Files.createDirectories(tmp.resolve("wikitext-2-raw-v1"));
        // train in two shards to check ordering and concatenation
        List<String> rows = hfRowsOf(TRAIN);
        writeParquet(sub.resolve("train-00000-of-00002.parquet"), rows.subList(0, 3), false);
        writeParquet(
                sub.resolve("train-00001-of-00002.parquet"), rows.subList(3, rows.size()), false);
        writeParquet(sub.resolve("validation-00000-of-00001.parquet"), hfRowsOf(VALID), false);
        writeParquet(sub.resolve("test-00000-of-00001.parquet"), hfRowsOf(TEST), false);
        Corpus c = Wikitext2.load(tmp);
        assertEquals(TRAIN, c.train().text());
        assertEquals(VALID, c.validation().text());
        assertEquals(TEST, c.test().text());
        assertEquals(rows, Wikitext2.hfRows(c.train()));
    }

    @Test
    void parquetNullRowsReadAsBlank() throws IOException {
        writeParquet(tmp.resolve("train-0.parquet"), List.of(" a \n"), true);
        writeParquet(tmp.resolve("validation-0.parquet"), List.of(" b \n"), false);
        writeParquet(tmp.resolve("test-0.parquet"), List.of(" c \n"), false);
        Corpus c = Wikitext2.load(tmp);
        assertEquals(List.of(" a \n", " \n"), c.train().lines());
    }

    @Test
    void missingAndAmbiguousAreUserErrors() throws IOException {
        UserInputException none = assertThrows(UserInputException.class, () -> Wikitext2.load(tmp));
        assertTrue(none.getMessage().startsWith(tmp.toString()), none.getMessage());
        assertTrue(none.getMessage().contains("fetch-wikitext2.sh"), none.getMessage());

        Files.writeString(tmp.resolve("wiki.train.raw"), TRAIN);
        Files.writeString(tmp.resolve("wiki.valid.raw"), VALID);
        UserInputException missing =
                assertThrows(UserInputException.class, () -> Wikitext2.load(tmp));
        assertTrue(
                missing.getMessage().startsWith(tmp.resolve("wiki.test.raw").toString()),
                missing.getMessage());

        writeParquet(tmp.resolve("train-0.parquet"), List.of("x\n"), false);
        UserInputException both = assertThrows(UserInputException.class, () -> Wikitext2.load(tmp));
        assertTrue(both.getMessage().contains("ambiguous"), both.getMessage());

        Path only = Files.createDirectories(tmp.resolve("p"));
        writeParquet(only.resolve("train-0.parquet"), List.of("x\n"), false);
        writeParquet(only.resolve("test-0.parquet"), List.of("x\n"), false);
        UserInputException noValid =
                assertThrows(UserInputException.class, () -> Wikitext2.load(only));
        assertTrue(noValid.getMessage().contains("validation"), noValid.getMessage());
    }

    @Test
    void garbageParquetIsUserError() throws IOException {
        Files.write(tmp.resolve("train-0.parquet"), "not parquet".getBytes(StandardCharsets.UTF_8));
        Files.write(
                tmp.resolve("validation-0.parquet"),
                "not parquet".getBytes(StandardCharsets.UTF_8));
        Files.write(tmp.resolve("test-0.parquet"), "not parquet".getBytes(StandardCharsets.UTF_8));
        UserInputException e = assertThrows(UserInputException.class, () -> Wikitext2.load(tmp));
        assertTrue(
                e.getMessage().startsWith(tmp.resolve("train-0.parquet").toString()),
                e.getMessage());
    }
}
