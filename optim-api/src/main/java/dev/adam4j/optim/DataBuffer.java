package dev.adam4j.optim;

import dev.adam4j.kernels.Precision;
import dev.adam4j.kernels.ReducedFloats;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Objects;

/**
 * A flat run of values that adam4j reads or updates in place: a range of a {@code float[]}, of a
 * {@code double[]}, of a {@code short[]} holding {@link Precision#BF16} or {@link Precision#F16} bits,
 * or of a {@link MemorySegment} of any {@link Precision} (heap or native, native byte order, any
 * alignment). The library never copies a user's buffer; these records are views. 16-bit values are
 * read widened to f32 (exact) and written rounded to nearest even from f32.
 */
public sealed interface DataBuffer permits DataBuffer.F32Array, DataBuffer.F64Array, DataBuffer.HalfArray,
        DataBuffer.Segment {

    Precision precision();

    /** Number of elements. */
    long length();

    /** A view of {@code length} elements starting {@code offset} elements into this one. */
    DataBuffer slice(long offset, long length);

    /** The element at {@code i}, widened to double (exact for f32). For tests and serialization. */
    double get(long i);

    /** Stores {@code value} at {@code i}, rounded to the precision. */
    void set(long i, double value);

    /** Sets every element to +0.0. */
    void fillZero();

    /** Copies every element of {@code src} (same precision and length) into this buffer. */
    void copyFrom(DataBuffer src);

    /** {@code this[i] += src[i]} for every element, in this buffer's precision. */
    void addFrom(DataBuffer src);

    /** A new zero-filled buffer of the same kind, precision and length (a native segment for a segment). */
    DataBuffer allocateLike();

    /**
     * A new zero-filled buffer of the same kind and length holding {@code precision} values: a Java
     * array ({@code float[]}, {@code double[]} or {@code short[]}) for an array view, a native segment
     * (64-byte aligned, freed by the garbage collector) for a segment. The optimizer allocates state
     * of another precision than its parameter this way (f32 parameters with bf16 moments).
     */
    default DataBuffer allocateLike(Precision precision) {
        Objects.requireNonNull(precision, "precision");
        return switch (this) {
            case Segment s -> {
                MemorySegment m = Arena.ofAuto().allocate(Math.max(1, s.length() * precision.byteSize()), 64);
                yield new Segment(m, precision, 0, s.length());
            }
            case F32Array a -> allocate(precision, a.count());
            case F64Array a -> allocate(precision, a.count());
            case HalfArray a -> allocate(precision, a.count());
        };
    }

    /** Whether the buffers hold the same kind of storage (array or segment) and precision. */
    default boolean sameKind(DataBuffer other) {
        return getClass() == other.getClass() && precision() == other.precision();
    }

    /**
     * Throws if this buffer cannot be written now: a read-only, closed or foreign-thread segment.
     * {@code what} names the buffer in the message.
     */
    default void requireWritable(String what) {
        if (this instanceof Segment s) {
            if (s.segment().isReadOnly()) throw new IllegalArgumentException(what + " is a read-only segment");
            if (!s.segment().scope().isAlive()) throw new IllegalStateException(what + "'s memory was freed (its arena is closed)");
            if (!s.segment().isAccessibleBy(Thread.currentThread())) {
                throw new IllegalStateException(what + "'s memory is confined to another thread");
            }
        }
    }

    /** @throws NullPointerException if {@code array} is null */
    static F32Array of(float[] array) {
        return new F32Array(Objects.requireNonNull(array, "array"), 0, array.length);
    }

    /** @throws NullPointerException if {@code array} is null */
    static F64Array of(double[] array) {
        return new F64Array(Objects.requireNonNull(array, "array"), 0, array.length);
    }

    /**
     * {@code array} holding 16-bit {@code precision} bits ({@link Precision#BF16} or {@link Precision#F16}).
     *
     * @throws IllegalArgumentException if {@code precision} is not a 16-bit type
     */
    static HalfArray of(short[] array, Precision precision) {
        return new HalfArray(Objects.requireNonNull(array, "array"), precision, 0, array.length);
    }

    /** A new zero-filled Java array of {@code length} elements of {@code precision}. */
    static DataBuffer allocate(Precision precision, int length) {
        return switch (precision) {
            case F32 -> of(new float[length]);
            case F64 -> of(new double[length]);
            case BF16, F16 -> of(new short[length], precision);
        };
    }

    /** A whole segment holding {@code precision} values. */
    static Segment of(MemorySegment segment, Precision precision) {
        return new Segment(segment, precision, 0, segment.byteSize() / precision.byteSize());
    }

    private static void checkRange(long offset, long length, long capacity) {
        if (offset < 0 || length < 0 || offset > capacity - length) {
            throw new IllegalArgumentException("range [" + offset + ", " + (offset + length)
                    + ") is outside a buffer of " + capacity + " elements");
        }
    }

    /** {@code length} elements of {@code array} from {@code offset}. */
    record F32Array(float[] array, int offset, int count) implements DataBuffer {
        public F32Array {
            Objects.requireNonNull(array, "array");
            checkRange(offset, count, array.length);
        }

        @Override public Precision precision() { return Precision.F32; }
        @Override public long length() { return count; }
        @Override public F32Array slice(long off, long len) {
            checkRange(off, len, count);
            return new F32Array(array, offset + (int) off, (int) len);
        }
        @Override public double get(long i) { return array[offset + Math.toIntExact(i)]; }
        @Override public void set(long i, double value) { array[offset + Math.toIntExact(i)] = (float) value; }
        @Override public void fillZero() { Arrays.fill(array, offset, offset + count, 0f); }
        @Override public void copyFrom(DataBuffer src) {
            Ops.checkSame(this, src);
            if (src instanceof F32Array s) System.arraycopy(s.array, s.offset, array, offset, count);
            else for (int i = 0; i < count; i++) array[offset + i] = (float) src.get(i);
        }
        @Override public void addFrom(DataBuffer src) {
            Ops.checkSame(this, src);
            if (src instanceof F32Array s) {
                for (int i = 0; i < count; i++) array[offset + i] += s.array[s.offset + i];
            } else {
                for (int i = 0; i < count; i++) array[offset + i] += (float) src.get(i);
            }
        }
        @Override public F32Array allocateLike() { return new F32Array(new float[count], 0, count); }
        @Override public boolean equals(Object o) { return o instanceof F32Array b && b.array == array && b.offset == offset && b.count == count; }
        @Override public int hashCode() { return System.identityHashCode(array) * 31 + offset * 7 + count; }
        @Override public String toString() { return "float[" + array.length + "][" + offset + ", " + (offset + count) + ")"; }
    }

    /** {@code count} elements of {@code array} from {@code offset}. */
    record F64Array(double[] array, int offset, int count) implements DataBuffer {
        public F64Array {
            Objects.requireNonNull(array, "array");
            checkRange(offset, count, array.length);
        }

        @Override public Precision precision() { return Precision.F64; }
        @Override public long length() { return count; }
        @Override public F64Array slice(long off, long len) {
            checkRange(off, len, count);
            return new F64Array(array, offset + (int) off, (int) len);
        }
        @Override public double get(long i) { return array[offset + Math.toIntExact(i)]; }
        @Override public void set(long i, double value) { array[offset + Math.toIntExact(i)] = value; }
        @Override public void fillZero() { Arrays.fill(array, offset, offset + count, 0.0); }
        @Override public void copyFrom(DataBuffer src) {
            Ops.checkSame(this, src);
            if (src instanceof F64Array s) System.arraycopy(s.array, s.offset, array, offset, count);
            else for (int i = 0; i < count; i++) array[offset + i] = src.get(i);
        }
        @Override public void addFrom(DataBuffer src) {
            Ops.checkSame(this, src);
            if (src instanceof F64Array s) {
                for (int i = 0; i < count; i++) array[offset + i] += s.array[s.offset + i];
            } else {
                for (int i = 0; i < count; i++) array[offset + i] += src.get(i);
            }
        }
        @Override public F64Array allocateLike() { return new F64Array(new double[count], 0, count); }
        @Override public boolean equals(Object o) { return o instanceof F64Array b && b.array == array && b.offset == offset && b.count == count; }
        @Override public int hashCode() { return System.identityHashCode(array) * 31 + offset * 7 + count; }
        @Override public String toString() { return "double[" + array.length + "][" + offset + ", " + (offset + count) + ")"; }
    }

    /**
     * {@code count} 16-bit elements of {@code array} from {@code offset}, holding {@code precision}
     * ({@link Precision#BF16} or {@link Precision#F16}) bits.
     */
    record HalfArray(short[] array, Precision precision, int offset, int count) implements DataBuffer {
        public HalfArray {
            Objects.requireNonNull(array, "array");
            Objects.requireNonNull(precision, "precision");
            if (!precision.isReduced()) {
                throw new IllegalArgumentException("a short[] buffer holds BF16 or F16 bits, not " + precision);
            }
            checkRange(offset, count, array.length);
        }

        @Override public long length() { return count; }
        @Override public HalfArray slice(long off, long len) {
            checkRange(off, len, count);
            return new HalfArray(array, precision, offset + (int) off, (int) len);
        }
        @Override public double get(long i) { return ReducedFloats.toFloat(precision, array[offset + Math.toIntExact(i)]); }
        @Override public void set(long i, double value) {
            array[offset + Math.toIntExact(i)] = ReducedFloats.fromFloat(precision, (float) value);
        }
        @Override public void fillZero() { Arrays.fill(array, offset, offset + count, (short) 0); }
        @Override public void copyFrom(DataBuffer src) {
            Ops.checkSame(this, src);
            if (src instanceof HalfArray s) System.arraycopy(s.array, s.offset, array, offset, count);
            else for (int i = 0; i < count; i++) set(i, src.get(i));
        }
        /** In f32, rounded once to the storage type (PyTorch's {@code add_} on bf16/f16 tensors). */
        @Override public void addFrom(DataBuffer src) {
            Ops.checkSame(this, src);
            for (int i = 0; i < count; i++) set(i, (float) get(i) + (float) src.get(i));
        }
        @Override public HalfArray allocateLike() { return new HalfArray(new short[count], precision, 0, count); }
        @Override public boolean equals(Object o) {
            return o instanceof HalfArray b && b.array == array && b.precision == precision && b.offset == offset && b.count == count;
        }
        @Override public int hashCode() { return System.identityHashCode(array) * 31 + offset * 7 + count; }
        @Override public String toString() {
            return precision + " short[" + array.length + "][" + offset + ", " + (offset + count) + ")";
        }
    }

    /** {@code length} elements of {@code precision} from element {@code offset} of {@code segment}. */
    record Segment(MemorySegment segment, Precision precision, long offset, long length) implements DataBuffer {
        public Segment {
            Objects.requireNonNull(segment, "segment");
            Objects.requireNonNull(precision, "precision");
            checkRange(offset, length, segment.byteSize() / precision.byteSize());
        }

        @Override public Segment slice(long off, long len) {
            checkRange(off, len, length);
            return new Segment(segment, precision, offset + off, len);
        }
        @Override public double get(long i) {
            return switch (precision) {
                case F32 -> segment.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, offset + i);
                case F64 -> segment.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, offset + i);
                case BF16, F16 -> ReducedFloats.toFloat(precision, segment.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, offset + i));
            };
        }
        @Override public void set(long i, double value) {
            switch (precision) {
                case F32 -> segment.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, offset + i, (float) value);
                case F64 -> segment.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, offset + i, value);
                case BF16, F16 -> segment.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, offset + i,
                        ReducedFloats.fromFloat(precision, (float) value));
            }
        }
        /** The bytes this view covers. */
        public MemorySegment bytes() {
            return segment.asSlice(offset * precision.byteSize(), length * precision.byteSize());
        }
        @Override public void fillZero() { bytes().fill((byte) 0); }
        @Override public void copyFrom(DataBuffer src) {
            Ops.checkSame(this, src);
            if (src instanceof Segment s) bytes().copyFrom(s.bytes());
            else for (long i = 0; i < length; i++) set(i, src.get(i));
        }
        @Override public void addFrom(DataBuffer src) {
            Ops.checkSame(this, src);
            for (long i = 0; i < length; i++) {
                switch (precision) { // rounded once, in the buffer's precision
                    case F32, BF16, F16 -> set(i, (float) get(i) + (float) src.get(i)); // 16-bit: in f32, as PyTorch
                    case F64 -> set(i, get(i) + src.get(i));
                }
            }
        }
        /** Native, 64-byte aligned, freed by the garbage collector when unreachable. */
        @Override public Segment allocateLike() {
            MemorySegment s = Arena.ofAuto().allocate(Math.max(1, length * precision.byteSize()), 64);
            return new Segment(s, precision, 0, length);
        }
        @Override public boolean equals(Object o) {
            return o instanceof Segment b && b.segment.equals(segment) && b.precision == precision
                    && b.offset == offset && b.length == length;
        }
        @Override public int hashCode() { return segment.hashCode() * 31 + Long.hashCode(offset) * 7 + Long.hashCode(length); }
        @Override public String toString() { return precision + " segment[" + offset + ", " + (offset + length) + ")"; }
    }

    /** Shared argument checks. */
    final class Ops {
        private Ops() {}

        static void checkSame(DataBuffer a, DataBuffer b) {
            Objects.requireNonNull(b, "source buffer");
            if (a.precision() != b.precision() || a.length() != b.length()) {
                throw new IllegalArgumentException("buffer mismatch: " + a.precision() + " x " + a.length()
                        + " vs " + b.precision() + " x " + b.length());
            }
        }
    }
}
