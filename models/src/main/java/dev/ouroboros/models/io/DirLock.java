package dev.ouroboros.models.io;

import dev.ouroboros.models.UserInputException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on an output directory ({@code DIR/.lock}, an OS file lock the kernel drops
 * with the process, so a killed run leaves nothing to clean up): a second process writing the same
 * directory gets one clear line instead of interleaved files.
 */
public final class DirLock implements AutoCloseable {
    public static final String FILE = ".lock";

    private final FileChannel channel;
    private final FileLock lock;

    private DirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of the existing directory {@code dir}; {@code what} names it in the error
     * ("run directory", "training output").
     *
     * @throws IOException when the lock file cannot be created (the caller names the fault)
     */
    public static DirLock take(Path dir, String what) throws IOException {
        FileChannel ch =
                FileChannel.open(
                        dir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l;
        try {
            l = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null; // this JVM holds it already
        }
        if (l == null) {
            ch.close();
            throw new UserInputException(
                    dir
                            + ": another ouro process is writing this "
                            + what
                            + " (lock "
                            + dir.resolve(FILE)
                            + ")");
        }
        return new DirLock(ch, l);
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // the OS drops the lock with the process anyway
        }
    }
}
