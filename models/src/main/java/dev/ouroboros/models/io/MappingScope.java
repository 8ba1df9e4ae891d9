package dev.ouroboros.models.io;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Memory mappings that end together, when the scope is closed, instead of whenever the garbage
 * collector finds their buffers unreachable.
 *
 * <p>A mapped page that has been read counts in the process's resident set until the mapping goes:
 * a checkpoint read once and left to the collector keeps its whole size resident beside the copy
 * made of it, for as long as no old-generation collection happens to run. A loader that copies the
 * bytes out (as {@code LanguageModel.load} does) reads within a scope and closes it after the
 * copies. Within a scope every read maps its own region (a tensor, a zip entry), and {@link
 * #release(RawTensor)} unmaps a tensor's region as soon as the last tensor read from it is
 * released, so that a loader holds at most the tensor it is copying, not the whole file, beside its
 * copies.
 *
 * <p><b>Every buffer read within the scope is invalid after {@link #close()}</b>: touching one then
 * crashes the JVM (SIGSEGV), not an exception. Tensors read in a scope must not outlive it. Where
 * the JDK offers no way to unmap ({@code sun.misc.Unsafe} missing), closing leaves the mappings to
 * the collector, as without a scope.
 */
public final class MappingScope implements AutoCloseable {
    private static final MethodHandle UNMAP = unmapper();

    private final List<MappedByteBuffer> mappings = new ArrayList<>();
    private final Map<RawTensor, MappedByteBuffer> regionOf = new IdentityHashMap<>();
    private final Map<MappedByteBuffer, int[]> readers = new IdentityHashMap<>();
    private boolean closed;

    /** Takes ownership of {@code mapping} (an original mapping, not a slice of one). */
    synchronized void add(MappedByteBuffer mapping) {
        if (closed) {
            throw new IllegalStateException("mapping scope already closed");
        }
        mappings.add(mapping);
    }

    /**
     * Records that {@code t}'s bytes lie in {@code region} (a mapping of this scope), so that
     * {@link #release(RawTensor)} can unmap it.
     */
    synchronized void attach(RawTensor t, MappedByteBuffer region) {
        if (regionOf.put(t, region) == null) {
            readers.computeIfAbsent(region, r -> new int[1])[0]++;
        }
    }

    /**
     * Declares that nothing will read {@code t}'s bytes any more: its region is unmapped once every
     * tensor attached to it is released (tensors sharing a storage share a region). A tensor read
     * outside the scope, or released before, is ignored.
     */
    public synchronized void release(RawTensor t) {
        MappedByteBuffer region = regionOf.remove(t);
        if (region == null) {
            return;
        }
        int[] n = readers.get(region);
        if (--n[0] == 0) {
            readers.remove(region);
            mappings.removeIf(m -> m == region);
            unmap(region);
        }
    }

    /** Number of mappings held (for tests). */
    synchronized int size() {
        return mappings.size();
    }

    /** Unmaps every mapping added; idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        for (MappedByteBuffer m : mappings) {
            unmap(m);
        }
        mappings.clear();
        regionOf.clear();
        readers.clear();
    }

    private static void unmap(ByteBuffer mapping) {
        if (UNMAP == null) {
            return;
        }
        try {
            UNMAP.invokeExact(mapping);
        } catch (RuntimeException e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("cannot unmap", e);
        }
    }

    /** {@code sun.misc.Unsafe.invokeCleaner(ByteBuffer)} bound to the instance, or null. */
    private static MethodHandle unmapper() {
        try {
            Class<?> unsafe = Class.forName("sun.misc.Unsafe");
            Field f = unsafe.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return MethodHandles.lookup()
                    .findVirtual(
                            unsafe,
                            "invokeCleaner",
                            MethodType.methodType(void.class, ByteBuffer.class))
                    .bindTo(f.get(null));
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
