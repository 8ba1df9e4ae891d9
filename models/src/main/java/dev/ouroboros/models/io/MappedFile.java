package dev.ouroboros.models.io;

import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only, memory-mapped view of a file that hands out zero-copy little-endian slices.
 *
 * <p>A file up to 2 GiB is mapped once and sliced; a larger one is mapped region by region (one
 * mapping per tensor or zip entry), since a single {@link ByteBuffer} cannot address more than 2
 * GiB. Slices stay valid after {@link #close()}: the mappings live until the buffers are garbage
 * collected, or until the {@link MappingScope} the file was opened in closes.
 */
final class MappedFile implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final MappedByteBuffer whole;
    private final MappingScope scope;

    private MappedFile(Path path, FileChannel channel, long wholeMapLimit, MappingScope scope)
            throws IOException {
        this.path = path;
        this.channel = channel;
        this.size = channel.size();
        this.scope = scope;
        this.whole =
                size <= wholeMapLimit
                        ? owned(channel.map(FileChannel.MapMode.READ_ONLY, 0, size))
                        : null;
    }

    /** {@code m}, handed to the scope (if any) that will unmap it. */
    private MappedByteBuffer owned(MappedByteBuffer m) {
        if (scope != null) {
            scope.add(m);
        }
        return m;
    }

    /**
     * Opens and maps {@code path}; a missing or unreadable file is a {@link UserInputException}.
     */
    static MappedFile open(Path path) {
        return open(path, Integer.MAX_VALUE);
    }

    /**
     * As {@link #open(Path)}, mapping region by region when the file is larger than {@code
     * wholeMapLimit}.
     */
    static MappedFile open(Path path, long wholeMapLimit) {
        return open(path, wholeMapLimit, null);
    }

    /**
     * As {@link #open(Path, long)}, every mapping owned by {@code scope} (null: left to the garbage
     * collector); slices are then valid only until the scope closes. In a scope each slice is a
     * mapping of its own (the scope may unmap one tensor's while keeping the others').
     */
    static MappedFile open(Path path, long wholeMapLimit, MappingScope scope) {
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new UserInputException(path + ": no such file");
        } catch (IOException e) {
            throw new UserInputException(path + ": cannot open (" + e.getMessage() + ")", e);
        }
        try {
            long limit = scope != null ? -1 : Math.min(wholeMapLimit, Integer.MAX_VALUE);
            return new MappedFile(path, channel, limit, scope);
        } catch (IOException | RuntimeException e) {
            try {
                channel.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e instanceof IOException io
                    ? new UncheckedIOException(path + ": cannot map", io)
                    : (RuntimeException) e;
        }
    }

    Path path() {
        return path;
    }

    long size() {
        return size;
    }

    /**
     * The bytes {@code [offset, offset + length)}, without copying. The caller has checked the
     * range against {@link #size()}.
     */
    ByteBuffer slice(long offset, long length) {
        if (offset < 0 || length < 0 || offset > size - length) {
            throw new IllegalArgumentException(
                    path + ": range " + offset + "+" + length + " outside " + size);
        }
        if (length > Integer.MAX_VALUE) {
            throw new UserInputException(
                    path + ": a single tensor of " + length + " bytes exceeds the 2 GiB limit");
        }
        ByteBuffer b;
        if (whole != null) {
            b = whole.slice((int) offset, (int) length);
        } else {
            try {
                b = owned(channel.map(FileChannel.MapMode.READ_ONLY, offset, length));
            } catch (IOException e) {
                throw new UncheckedIOException(
                        path + ": cannot map " + length + " bytes at " + offset, e);
            }
        }
        return b.order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException(path + ": close failed", e);
        }
    }
}
