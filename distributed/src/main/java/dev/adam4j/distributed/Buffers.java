package dev.adam4j.distributed;

import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.DataBuffer;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The raw memory behind adam4j buffers, for collectives. */
final class Buffers {
    private Buffers() {}

    /**
     * The {@code length} elements of {@code b}'s storage from {@code b}'s first element, which may
     * reach past {@code b.length()} into padding the storage holds.
     */
    static MemorySegment storage(DataBuffer b, long length, String what) {
        long bytes = b.precision().byteSize();
        return switch (b) {
            case DataBuffer.F32Array a -> {
                if (a.array().length - (long) a.offset() < length) throw tooShort(what, a.array().length - (long) a.offset(), length);
                yield MemorySegment.ofArray(a.array()).asSlice(a.offset() * bytes, length * bytes);
            }
            case DataBuffer.F64Array a -> {
                if (a.array().length - (long) a.offset() < length) throw tooShort(what, a.array().length - (long) a.offset(), length);
                yield MemorySegment.ofArray(a.array()).asSlice(a.offset() * bytes, length * bytes);
            }
            case DataBuffer.HalfArray a -> throw reduced(a.precision());
            case DataBuffer.Segment s -> {
                long have = s.segment().byteSize() / bytes - s.offset();
                if (have < length) throw tooShort(what, have, length);
                yield s.segment().asSlice(s.offset() * bytes, length * bytes);
            }
        };
    }

    /** Sharded state is f32 or f64 ({@link ShardedOptimizer#create} refuses the 16-bit types first). */
    static IllegalArgumentException reduced(Precision p) {
        return new IllegalArgumentException("sharding " + p + " buffers is not supported yet (f32 and f64 are)");
    }

    private static IllegalArgumentException tooShort(String what, long have, long need) {
        return new IllegalArgumentException(what + " has room for " + have + " elements but the shard layout needs "
                + need + ": build the FlatParameters with .padTo(ShardLayout.padMultiple(precision, worldSize))");
    }

    /** A zero-filled buffer of {@code length} elements of the same kind as {@code like} (native for a segment). */
    static DataBuffer allocate(DataBuffer like, long length, Arena arena) {
        return switch (like) {
            case DataBuffer.F32Array a -> DataBuffer.of(new float[Math.toIntExact(length)]);
            case DataBuffer.F64Array a -> DataBuffer.of(new double[Math.toIntExact(length)]);
            case DataBuffer.HalfArray a -> throw reduced(a.precision());
            case DataBuffer.Segment s -> new DataBuffer.Segment(
                    arena.allocate(Math.max(1, length * s.precision().byteSize()), ShardLayout.CACHE_LINE_BYTES),
                    s.precision(), 0, length);
        };
    }

    /** {@code acc[i] += x[i]}, each addition rounded once in {@code p}. */
    static void add(MemorySegment acc, MemorySegment x, Precision p) {
        switch (p) {
            case BF16, F16 -> throw reduced(p);
            case F32 -> {
                long n = acc.byteSize() / Float.BYTES;
                for (long i = 0; i < n; i++) {
                    acc.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, acc.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i)
                            + x.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i));
                }
            }
            case F64 -> {
                long n = acc.byteSize() / Double.BYTES;
                for (long i = 0; i < n; i++) {
                    acc.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i, acc.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i)
                            + x.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i));
                }
            }
        }
    }
}
