package dev.ouroboros.datasets;

import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Reads one string column of a local Parquet file (as written by pyarrow / HF datasets), without a
 * Hadoop file system: {@link LocalInputFile} plus a plain (non-Hadoop) configuration.
 */
public final class ParquetText {
    private ParquetText() {}

    /**
     * All values of the top-level string column {@code column}, in row order; nulls read as {@code
     * ""}.
     *
     * @throws UserInputException if the file cannot be read, has no such column, or the column is
     *     not a non-repeated binary (string) column
     */
    public static List<String> readColumn(Path file, String column) {
        ParquetReadOptions options =
                ParquetReadOptions.builder(new PlainParquetConfiguration()).build();
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file), options)) {
            MessageType schema = reader.getFileMetaData().getSchema();
            if (!schema.containsField(column)) {
                throw new UserInputException(
                        file
                                + ": no column \""
                                + column
                                + "\" (columns: "
                                + schema.getFields()
                                + ")");
            }
            Type type = schema.getType(column);
            if (!type.isPrimitive()
                    || type.asPrimitiveType().getPrimitiveTypeName()
                            != PrimitiveType.PrimitiveTypeName.BINARY
                    || type.isRepetition(Type.Repetition.REPEATED)) {
                throw new UserInputException(
                        file + ": column \"" + column + "\" is " + type + ", not a string column");
            }
            ColumnDescriptor descriptor = schema.getColumnDescription(new String[] {column});
            MessageType projection = new MessageType(schema.getName(), type);
            reader.setRequestedSchema(projection);
            int maxDef = descriptor.getMaxDefinitionLevel();
            List<String> out =
                    new ArrayList<>(Math.toIntExact(Math.max(0, reader.getRecordCount())));
            PageReadStore pages;
            while ((pages = reader.readNextRowGroup()) != null) {
                ColumnReadStoreImpl store =
                        new ColumnReadStoreImpl(
                                pages,
                                new GroupRecordConverter(projection).getRootConverter(),
                                projection,
                                reader.getFileMetaData().getCreatedBy());
                ColumnReader col = store.getColumnReader(descriptor);
                long n = pages.getRowCount();
                for (long i = 0; i < n; i++) {
                    if (col.getCurrentDefinitionLevel() == maxDef) {
                        out.add(col.getBinary().toStringUsingUTF8());
                    } else {
                        out.add("");
                    }
                    col.consume();
                }
            }
            return out;
        } catch (IOException | RuntimeException e) {
            if (e instanceof UserInputException u) {
                throw u;
            }
            throw new UserInputException(
                    file + ": not a readable Parquet file (" + e.getMessage() + ")", e);
        }
    }
}
