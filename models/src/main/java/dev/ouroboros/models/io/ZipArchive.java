package dev.ouroboros.models.io;

import dev.ouroboros.models.UserInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A minimal reader for the zip container that {@code torch.save} writes (including ZIP64), giving
 * entry contents as buffers. Entries stored uncompressed, which is how torch writes them, are
 * zero-copy slices of the mapped file; deflated entries (a checkpoint re-zipped by another tool)
 * are inflated onto the heap.
 */
final class ZipArchive {
    private static final int EOCD = 0x06054b50;
    private static final int ZIP64_LOCATOR = 0x07064b50;
    private static final int ZIP64_EOCD = 0x06064b50;
    private static final int CENTRAL = 0x02014b50;
    private static final int LOCAL = 0x04034b50;
    private static final int EOCD_SIZE = 22;

    private record Entry(int method, long compressedSize, long size, long localHeaderOffset) {}

    private final MappedFile file;
    private final Map<String, Entry> entries;

    private ZipArchive(MappedFile file, Map<String, Entry> entries) {
        this.file = file;
        this.entries = entries;
    }

    /**
     * Reads the central directory of {@code file}, which must start with a zip local-file
     * signature.
     */
    static ZipArchive open(MappedFile file) {
        long eocd = findEndOfCentralDirectory(file);
        ByteBuffer end = file.slice(eocd, EOCD_SIZE);
        long count = end.getShort(10) & 0xffff;
        long cdSize = end.getInt(12) & 0xffffffffL;
        long cdOffset = end.getInt(16) & 0xffffffffL;
        if (count == 0xffff || cdSize == 0xffffffffL || cdOffset == 0xffffffffL) {
            if (eocd < 20 || file.slice(eocd - 20, 4).getInt(0) != ZIP64_LOCATOR) {
                throw corrupt(file, "ZIP64 locator missing");
            }
            long z64 = file.slice(eocd - 20 + 8, 8).getLong(0);
            if (z64 < 0 || z64 > file.size() - 56 || file.slice(z64, 4).getInt(0) != ZIP64_EOCD) {
                throw corrupt(file, "ZIP64 end record missing");
            }
            ByteBuffer r = file.slice(z64, 56);
            count = r.getLong(32);
            cdSize = r.getLong(40);
            cdOffset = r.getLong(48);
        }
        if (cdOffset < 0
                || cdSize < 0
                || cdOffset > file.size() - cdSize
                || cdSize > Integer.MAX_VALUE) {
            throw corrupt(file, "central directory out of range");
        }
        return new ZipArchive(
                file, readCentralDirectory(file, file.slice(cdOffset, cdSize), count));
    }

    Set<String> names() {
        return entries.keySet();
    }

    boolean contains(String name) {
        return entries.containsKey(name);
    }

    /** The content of entry {@code name} (little-endian, position 0); the entry must exist. */
    ByteBuffer read(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new UserInputException(
                    file.path() + ": zip entry " + Printable.of(name) + " is missing");
        }
        long lho = e.localHeaderOffset();
        if (lho < 0 || lho > file.size() - 30 || file.slice(lho, 4).getInt(0) != LOCAL) {
            throw corrupt(file, "bad local header for " + Printable.of(name));
        }
        ByteBuffer local = file.slice(lho, 30);
        long dataOffset = lho + 30 + (local.getShort(26) & 0xffff) + (local.getShort(28) & 0xffff);
        if (e.compressedSize() < 0 || dataOffset > file.size() - e.compressedSize()) {
            throw corrupt(
                    file,
                    "entry " + Printable.of(name) + " runs past the end of the file (truncated?)");
        }
        ByteBuffer raw = file.slice(dataOffset, e.compressedSize());
        return switch (e.method()) {
            case 0 -> {
                if (e.size() != e.compressedSize()) {
                    throw corrupt(
                            file, "stored entry " + Printable.of(name) + " has inconsistent sizes");
                }
                yield raw;
            }
            case 8 -> inflate(name, raw, e.size());
            default ->
                    throw new UserInputException(
                            file.path()
                                    + ": zip entry "
                                    + Printable.of(name)
                                    + " uses unsupported compression method "
                                    + e.method());
        };
    }

    private ByteBuffer inflate(String name, ByteBuffer raw, long size) {
        if (size > Integer.MAX_VALUE - 8) {
            throw new UserInputException(
                    file.path()
                            + ": compressed zip entry "
                            + Printable.of(name)
                            + " is too large; store it uncompressed");
        }
        byte[] out = new byte[(int) size];
        Inflater inf = new Inflater(true);
        try {
            inf.setInput(raw);
            int n = 0;
            while (n < out.length) {
                int k = inf.inflate(out, n, out.length - n);
                if (k == 0 && (inf.finished() || inf.needsInput() || inf.needsDictionary())) {
                    break;
                }
                n += k;
            }
            if (n != out.length) {
                throw corrupt(
                        file,
                        "entry "
                                + Printable.of(name)
                                + " inflates to "
                                + n
                                + " bytes, expected "
                                + size);
            }
        } catch (DataFormatException ex) {
            throw new UserInputException(
                    file.path()
                            + ": corrupt zip entry "
                            + Printable.of(name)
                            + " ("
                            + ex.getMessage()
                            + ")",
                    ex);
        } finally {
            inf.end();
        }
        return ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static long findEndOfCentralDirectory(MappedFile file) {
        long size = file.size();
        if (size < EOCD_SIZE) {
            throw corrupt(file, "too short for a zip file");
        }
        long from = Math.max(0, size - EOCD_SIZE - 0xffff);
        ByteBuffer tail = file.slice(from, size - from);
        for (int i = tail.limit() - EOCD_SIZE; i >= 0; i--) {
            if (tail.getInt(i) == EOCD) {
                return from + i;
            }
        }
        throw corrupt(file, "end of central directory not found (truncated?)");
    }

    private static Map<String, Entry> readCentralDirectory(
            MappedFile file, ByteBuffer cd, long count) {
        Map<String, Entry> out = new LinkedHashMap<>();
        int p = 0;
        for (long i = 0; i < count; i++) {
            if (p > cd.limit() - 46 || cd.getInt(p) != CENTRAL) {
                throw corrupt(file, "central directory entry " + i + " is malformed");
            }
            int flags = cd.getShort(p + 8) & 0xffff;
            int method = cd.getShort(p + 10) & 0xffff;
            long csize = cd.getInt(p + 20) & 0xffffffffL;
            long usize = cd.getInt(p + 24) & 0xffffffffL;
            int nameLen = cd.getShort(p + 28) & 0xffff;
            int extraLen = cd.getShort(p + 30) & 0xffff;
            int commentLen = cd.getShort(p + 32) & 0xffff;
            long lho = cd.getInt(p + 42) & 0xffffffffL;
            int next = p + 46 + nameLen + extraLen + commentLen;
            if (next > cd.limit()) {
                throw corrupt(file, "central directory entry " + i + " is truncated");
            }
            byte[] nameBytes = new byte[nameLen];
            cd.get(p + 46, nameBytes);
            String name = new String(nameBytes, StandardCharsets.UTF_8);
            if ((flags & 1) != 0) {
                throw new UserInputException(
                        file.path() + ": zip entry " + Printable.of(name) + " is encrypted");
            }
            // ZIP64 extra field: the 64-bit values present are exactly those whose 32-bit field is
            // saturated.
            for (int x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen; ) {
                int id = cd.getShort(x) & 0xffff;
                int len = cd.getShort(x + 2) & 0xffff;
                if (id == 1) {
                    int q = x + 4;
                    if (usize == 0xffffffffL && q + 8 <= x + 4 + len) {
                        usize = cd.getLong(q);
                        q += 8;
                    }
                    if (csize == 0xffffffffL && q + 8 <= x + 4 + len) {
                        csize = cd.getLong(q);
                        q += 8;
                    }
                    if (lho == 0xffffffffL && q + 8 <= x + 4 + len) {
                        lho = cd.getLong(q);
                    }
                }
                x += 4 + len;
            }
            out.put(name, new Entry(method, csize, usize, lho));
            p = next;
        }
        return out;
    }

    private static UserInputException corrupt(MappedFile file, String problem) {
        return new UserInputException(file.path() + ": corrupt zip archive (" + problem + ")");
    }
}
