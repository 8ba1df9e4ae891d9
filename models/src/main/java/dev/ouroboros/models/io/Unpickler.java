package dev.ouroboros.models.io;

import dev.ouroboros.models.UserInputException;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A pickle virtual machine (protocols 2 to 5, binary opcodes) that can only build inert data: None,
 * bool, int, float, str, bytes, tuple ({@link Tuple}), list ({@link ArrayList}) and dict ({@link
 * LinkedHashMap}).
 *
 * <p>It is an allow-list: a {@code GLOBAL}, {@code STACK_GLOBAL} or {@code INST} naming anything
 * outside the {@code globals} map given by the caller is refused on the spot with a {@link
 * UserInputException}; nothing is ever looked up by reflection, executed or instantiated. {@code
 * REDUCE}, {@code NEWOBJ} and {@code INST} can only call the {@link Callable}s of that map, and
 * {@code BINPERSID} is delegated to the caller.
 */
final class Unpickler {

    /** An immutable Python tuple; unlike {@link List#of} it may hold {@code null} (None). */
    record Tuple(List<Object> items) {
        Tuple {
            items = Collections.unmodifiableList(new ArrayList<>(items));
        }

        int size() {
            return items.size();
        }

        Object get(int i) {
            return items.get(i);
        }
    }

    /**
     * An allow-listed global that {@code REDUCE} may call; it must only build data, and reports
     * arguments it does not accept with {@link IllegalArgumentException}.
     */
    @FunctionalInterface
    interface Callable {
        Object call(Tuple args);
    }

    private static final String ONLY = " (only tensor state dicts are allowed)";

    private final String source;
    private final ByteBuffer in;
    private final Map<String, Object> globals;
    private final Function<Object, Object> persistentLoad;
    private final List<Object> stack = new ArrayList<>();
    private final Deque<Integer> marks = new ArrayDeque<>();
    private final Map<Long, Object> memo = new HashMap<>();

    /**
     * @param source shown first in every error message (the checkpoint path)
     * @param pickle the pickle bytes
     * @param globals allowed globals by {@code "module.name"}: a {@link Callable} or a constant
     * @param persistentLoad resolves a {@code BINPERSID} id; it validates the id itself
     */
    Unpickler(
            String source,
            ByteBuffer pickle,
            Map<String, Object> globals,
            Function<Object, Object> persistentLoad) {
        this.source = source;
        this.in = pickle.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        this.globals = globals;
        this.persistentLoad = persistentLoad;
    }

    /** Runs the pickle to its {@code STOP} and returns the object it built. */
    Object load() {
        try {
            while (true) {
                int op = in.get() & 0xff;
                if (op == '.') {
                    Object result = pop();
                    if (!stack.isEmpty() || !marks.isEmpty()) {
                        throw malformed("objects left on the stack at STOP");
                    }
                    return result;
                }
                step(op);
            }
        } catch (BufferUnderflowException e) {
            throw new UserInputException(
                    source
                            + ": pickle data truncated at byte "
                            + in.position()
                            + " of "
                            + in.limit());
        }
    }

    private void step(int op) {
        switch (op) {
            case 0x80 -> {
                int proto = in.get() & 0xff;
                if (proto < 2 || proto > 5) {
                    throw malformed("unsupported pickle protocol " + proto);
                }
            }
            case 0x95 -> in.getLong(); // FRAME: a length hint only
            case '(' -> marks.push(stack.size());
            case '0' -> pop();
            case '1' -> popMark();
            case '2' -> push(peek());
            case 'N' -> push(null);
            case 0x88 -> push(Boolean.TRUE);
            case 0x89 -> push(Boolean.FALSE);
            case 'J' -> push((long) in.getInt());
            case 'K' -> push((long) (in.get() & 0xff));
            case 'M' -> push((long) (in.getShort() & 0xffff));
            case 0x8a -> push(longFrom(bytes(in.get() & 0xff)));
            case 0x8b -> push(longFrom(bytes(in.getInt())));
            case 'G' -> {
                push(
                        in.order(ByteOrder.BIG_ENDIAN)
                                .getDouble()); // BINFLOAT is the one big-endian opcode
                in.order(ByteOrder.LITTLE_ENDIAN);
            }
            case 'X' -> push(utf8(bytes(in.getInt() & 0xffffffffL)));
            case 0x8c -> push(utf8(bytes(in.get() & 0xff)));
            case 0x8d -> push(utf8(bytes(in.getLong())));
            case 'B' -> push(bytes(in.getInt() & 0xffffffffL));
            case 'C' -> push(bytes(in.get() & 0xff));
            case 0x8e -> push(bytes(in.getLong()));
            case ')' -> push(new Tuple(List.of()));
            case 't' -> push(new Tuple(popMark()));
            case 0x85, 0x86, 0x87 -> {
                int n = op - 0x84;
                Object[] items = new Object[n];
                for (int i = n - 1; i >= 0; i--) {
                    items[i] = pop();
                }
                push(new Tuple(Arrays.asList(items)));
            }
            case ']' -> push(new ArrayList<>());
            case 'l' -> push(new ArrayList<>(popMark()));
            case '}' -> push(new LinkedHashMap<>());
            case 'd' -> {
                Map<Object, Object> d = new LinkedHashMap<>();
                putAll(d, popMark());
                push(d);
            }
            case 'a' -> {
                Object v = pop();
                list(peek()).add(v);
            }
            case 'e' -> {
                List<Object> items = popMark();
                list(peek()).addAll(items);
            }
            case 's' -> {
                Object v = pop();
                Object k = pop();
                dict(peek()).put(k, v);
            }
            case 'u' -> {
                List<Object> items = popMark();
                putAll(dict(peek()), items);
            }
            case 'q' -> memo.put((long) (in.get() & 0xff), peek());
            case 'r' -> memo.put(in.getInt() & 0xffffffffL, peek());
            case 0x94 -> memo.put((long) memo.size(), peek());
            case 'h' -> push(memoGet(in.get() & 0xff));
            case 'j' -> push(memoGet(in.getInt() & 0xffffffffL));
            case 'c' -> push(resolve(line(), line()));
            case 0x93 -> {
                Object name = pop();
                Object module = pop();
                if (!(module instanceof String m) || !(name instanceof String n)) {
                    throw malformed("STACK_GLOBAL needs two strings");
                }
                push(resolve(m, n));
            }
            case 'i' -> {
                Object cls = resolve(line(), line());
                push(call(cls, new Tuple(popMark())));
            }
            case 'Q' -> push(persistentLoad.apply(pop()));
            case 'R', 0x81 -> {
                Object args = pop();
                Object f = pop();
                if (!(args instanceof Tuple t)) {
                    throw malformed("call arguments are not a tuple");
                }
                push(call(f, t));
            }
            case 0x92 -> {
                Object kwargs = pop();
                Object args = pop();
                Object cls = pop();
                if (!(args instanceof Tuple t)
                        || !(kwargs instanceof Map<?, ?> kw)
                        || !kw.isEmpty()) {
                    throw malformed("NEWOBJ_EX with keyword arguments");
                }
                push(call(cls, t));
            }
            case 'b' -> {
                Object state = pop();
                // BUILD sets attributes: torch state dicts carry `_metadata` (module versions) this
                // way. Ignored.
                if (!(peek() instanceof Map) || !(state == null || state instanceof Map)) {
                    throw malformed("BUILD on something other than a dict");
                }
            }
            default -> throw malformed(String.format("unsupported pickle opcode 0x%02x", op));
        }
    }

    private Object resolve(String module, String name) {
        String key = module + "." + name;
        if (!globals.containsKey(key)) {
            throw new UserInputException(
                    source + ": refusing to unpickle global " + Printable.of(key) + ONLY);
        }
        return globals.get(key);
    }

    private Object call(Object f, Tuple args) {
        if (!(f instanceof Callable c)) {
            throw malformed("call of a non-callable " + describe(f));
        }
        try {
            return c.call(args);
        } catch (IllegalArgumentException e) {
            throw malformed("bad call: " + e.getMessage());
        }
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        if (stack.isEmpty() || (!marks.isEmpty() && marks.peek() == stack.size())) {
            throw malformed("stack underflow");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        if (stack.isEmpty()) {
            throw malformed("stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) {
            throw malformed("no MARK on the stack");
        }
        List<Object> top = stack.subList(marks.pop(), stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private Object memoGet(long index) {
        if (!memo.containsKey(index)) {
            throw malformed("memo entry " + index + " is undefined");
        }
        return memo.get(index);
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) {
        if (!(o instanceof List)) {
            throw malformed("APPEND to " + describe(o));
        }
        return (List<Object>) o;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o) {
        if (!(o instanceof Map)) {
            throw malformed("SETITEM on " + describe(o));
        }
        return (Map<Object, Object>) o;
    }

    private void putAll(Map<Object, Object> d, List<Object> kv) {
        if (kv.size() % 2 != 0) {
            throw malformed("odd number of items for a dict");
        }
        for (int i = 0; i < kv.size(); i += 2) {
            d.put(kv.get(i), kv.get(i + 1));
        }
    }

    /** Reads {@code n} bytes, refusing lengths beyond the data before allocating anything. */
    private byte[] bytes(long n) {
        if (n < 0 || n > in.remaining()) {
            throw new BufferUnderflowException();
        }
        byte[] b = new byte[(int) n];
        in.get(b);
        return b;
    }

    /** A newline-terminated ASCII line (the module and name of GLOBAL and INST). */
    private String line() {
        StringBuilder sb = new StringBuilder();
        for (byte b = in.get(); b != '\n'; b = in.get()) {
            if (sb.length() > 1000) {
                throw malformed("GLOBAL name too long");
            }
            sb.append((char) (b & 0xff));
        }
        return sb.toString();
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Little-endian two's complement, as LONG1/LONG4 encode it. */
    private static Object longFrom(byte[] le) {
        if (le.length == 0) {
            return 0L;
        }
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private static String describe(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    private UserInputException malformed(String problem) {
        return new UserInputException(
                source + ": malformed pickle at byte " + in.position() + " (" + problem + ")");
    }
}
