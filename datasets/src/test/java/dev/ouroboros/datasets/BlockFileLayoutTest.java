package dev.ouroboros.datasets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ouroboros.models.tokenizer.OptTokenizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The token-block layout exactly as docs/datasets.md#token-block-files states it, built byte by
 * byte here (not with BlockFile's own header code): BlockFile reads such a file, BlockFile.write
 * produces the same bytes, and the tokenizer hash is {@code sha256sum} of the saved tokenizer.json.
 * If the format changes, this test and the doc change together.
 */
class BlockFileLayoutTest {
    @TempDir Path tmp;

    /** The documented layout: 64-byte header, then the ids; everything little-endian. */
    static byte[] byHand(int version, int blockSize, int[] ids, byte[] sha, byte[] trailing) {
        int count = ids.length / blockSize;
        ByteBuffer payload = ByteBuffer.allocate(4 * ids.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int id : ids) {
            payload.putInt(id);
        }
        CRC32C c = new CRC32C();
        c.update(payload.array());
        ByteBuffer b =
                ByteBuffer.allocate(64 + payload.capacity() + trailing.length)
                        .order(ByteOrder.LITTLE_ENDIAN);
        b.put("OUROBLK\0".getBytes(StandardCharsets.US_ASCII)); // 0: magic
        b.putInt(version); // 8
        b.putInt(blockSize); // 12
        b.putLong(count); // 16
        b.put(sha); // 24: 32 raw bytes
        CRC32 h = new CRC32();
        h.update(b.array(), 0, 56);
        b.putInt((int) h.getValue()); // 56: CRC-32 of bytes 0..55
        b.putInt(version >= 2 ? (int) c.getValue() : 0); // 60: CRC-32C of the ids
        b.put(payload.array()); // 64: count x B int32
        b.put(trailing); // an unfinished append: ignored
        return b.array();
    }

    @Test
    void aFileWrittenFromTheDocumentedLayoutOpensAndMatchesWhatOuroWrites() throws Exception {
        byte[] sha = new byte[32];
        for (int i = 0; i < 32; i++) {
            sha[i] = (byte) (i * 7 + 1);
        }
        String hex = HexFormat.of().formatHex(sha);
        int[] ids = {2, 10, 11, 50271, 2, 0, 7, 8, 9};
        Path f = tmp.resolve("hand.bin");
        Files.write(f, byHand(2, 3, ids, sha, new byte[] {1, 2, 3, 4, 5}));
        try (BlockFile b = BlockFile.open(f, hex, 3)) {
            assertEquals(3, b.count());
            assertEquals(3, b.blockSize());
            assertEquals(hex, b.header().tokenizerSha256());
            assertArrayEquals(new int[] {50271, 2, 0}, b.block(1));
            assertArrayEquals(ids, b.toTokenBlocks().tokens());
        }
        Path ours = tmp.resolve("ours.bin");
        BlockFile.write(ours, new TokenBlocks(3, ids), hex);
        assertArrayEquals(byHand(2, 3, ids, sha, new byte[0]), Files.readAllBytes(ours));

        Path v1 = tmp.resolve("v1.bin");
        Files.write(v1, byHand(1, 3, ids, sha, new byte[0]));
        try (BlockFile b = BlockFile.open(v1, hex, 3)) {
            assertNull(b.header().payloadCrc32c(), "version 1: no ids checksum");
            assertArrayEquals(ids, b.toTokenBlocks().tokens());
        }
        Path empty = tmp.resolve("empty.bin");
        Files.write(empty, byHand(2, 4, new int[0], sha, new byte[0]));
        try (BlockFile b = BlockFile.open(empty, hex, 4)) {
            assertEquals(0, b.count());
        }
    }

    /** The header's tokenizer hash: {@code sha256sum} of the tokenizer.json ouro saves. */
    @Test
    void theTokenizerHashIsTheSha256OfTheSavedTokenizerJson() throws Exception {
        WordLevelTokenizer.write(tmp.resolve("tok"), List.of("a", "b", "c"));
        try (OptTokenizer tok = OptTokenizer.load(tmp.resolve("tok"))) {
            tok.save(tmp.resolve("saved"));
            byte[] json = Files.readAllBytes(tmp.resolve("saved/tokenizer.json"));
            assertEquals(
                    HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(json)),
                    tok.sha256());
        }
    }
}
