package dev.ouroboros.datasets;

import java.util.List;

/** The views behind {@link BlockSource#concat} and {@link BlockSource#select}. */
final class BlockViews {
    private BlockViews() {}

    /** Sources back to back. */
    static final class Concat implements BlockSource {
        private final List<BlockSource> sources;
        private final int[] starts;
        private final int blockSize;
        private final int count;

        Concat(List<BlockSource> sources) {
            if (sources.isEmpty()) {
                throw new IllegalArgumentException("concat of no block sources");
            }
            this.sources = sources;
            this.blockSize = sources.get(0).blockSize();
            this.starts = new int[sources.size()];
            int total = 0;
            for (int k = 0; k < sources.size(); k++) {
                if (sources.get(k).blockSize() != blockSize) {
                    throw new IllegalArgumentException(
                            "block sizes differ: "
                                    + blockSize
                                    + " and "
                                    + sources.get(k).blockSize());
                }
                starts[k] = total;
                total = Math.addExact(total, sources.get(k).count());
            }
            this.count = total;
        }

        @Override
        public int blockSize() {
            return blockSize;
        }

        @Override
        public int count() {
            return count;
        }

        @Override
        public void read(int i, int[] dst, int offset) {
            if (i < 0 || i >= count) {
                throw new IndexOutOfBoundsException("block " + i + " of " + count);
            }
            int k = java.util.Arrays.binarySearch(starts, i);
            if (k < 0) {
                k = -k - 2;
            }
            while (k + 1 < starts.length && starts[k + 1] == i) {
                k++; // skip empty sources that start at the same index
            }
            sources.get(k).read(i - starts[k], dst, offset);
        }
    }

    /** Chosen blocks of one source. */
    static final class Selection implements BlockSource {
        private final BlockSource source;
        private final int[] indices;

        Selection(BlockSource source, int[] indices) {
            for (int i : indices) {
                if (i < 0 || i >= source.count()) {
                    throw new IndexOutOfBoundsException("block " + i + " of " + source.count());
                }
            }
            this.source = source;
            this.indices = indices;
        }

        @Override
        public int blockSize() {
            return source.blockSize();
        }

        @Override
        public int count() {
            return indices.length;
        }

        @Override
        public void read(int i, int[] dst, int offset) {
            source.read(indices[i], dst, offset);
        }
    }
}
