package dev.ouroboros.models.io;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Hand-assembles pickle bytes opcode by opcode, for hostile and edge-case inputs Python would not
 * write.
 */
final class PickleBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Starts with {@code PROTO proto}. */
    PickleBuilder(int proto) {
        op(0x80).op(proto);
    }

    PickleBuilder op(int opcode) {
        out.write(opcode);
        return this;
    }

    /** {@code GLOBAL module\nname\n}. */
    PickleBuilder global(String module, String name) {
        return op('c').ascii(module + "\n" + name + "\n");
    }

    /** {@code INST module\nname\n} (calls the class with the items since the last MARK). */
    PickleBuilder inst(String module, String name) {
        return op('i').ascii(module + "\n" + name + "\n");
    }

    /** {@code BINUNICODE}. */
    PickleBuilder str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        for (int i = 0; i < 4; i++) {
            out.write(b.length >>> (8 * i));
        }
        out.write(b, 0, b.length);
        return this;
    }

    /** {@code SHORT_BINUNICODE}. */
    PickleBuilder shortStr(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op(0x8c).op(b.length);
        out.write(b, 0, b.length);
        return this;
    }

    /** {@code BININT1}. */
    PickleBuilder int1(int v) {
        return op('K').op(v);
    }

    PickleBuilder mark() {
        return op('(');
    }

    PickleBuilder tuple() {
        return op('t');
    }

    PickleBuilder tuple1() {
        return op(0x85);
    }

    PickleBuilder reduce() {
        return op('R');
    }

    PickleBuilder stop() {
        return op('.');
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    private PickleBuilder ascii(String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        out.write(b, 0, b.length);
        return this;
    }
}
