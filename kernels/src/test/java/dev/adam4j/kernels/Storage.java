package dev.adam4j.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The storages a test runs a step on. */
enum Storage {
    ARRAY,
    /** {@code MemorySegment.ofArray(float[]/double[])}, writable: the facade routes it to the array loop. */
    HEAP_SEGMENT,
    /** Heap segments over {@code byte[]} (never routed to arrays): the segment loop on heap memory. */
    HEAP_BYTES,
    NATIVE_SEGMENT,
    /** A native segment starting one byte past an aligned address: every access is misaligned. */
    NATIVE_UNALIGNED;

    boolean isSegment() {
        return this != ARRAY;
    }

    /**
     * The five buffers of one step (param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq), each with
     * {@code offset} elements of padding before and 5 after, so out-of-range writes are caught.
     */
    static final class Buffers {
        static final int PAD_AFTER = 5;
        static final String[] NAMES = {"param", "grad", "expAvg", "expAvgSq", "maxExpAvgSq"};

        final Storage storage;
        final Precision precision;
        final int offset;
        final int length;
        final Object[] arrays = new Object[5];
        final MemorySegment[] segments = new MemorySegment[5];

        Buffers(Storage storage, Precision precision, int offset, int length, Arena arena) {
            this.storage = storage;
            this.precision = precision;
            this.offset = offset;
            this.length = length;
            int total = offset + length + PAD_AFTER;
            for (int b = 0; b < 5; b++) {
                switch (storage) {
                    case ARRAY -> arrays[b] = switch (precision) {
                        case F32 -> new float[total];
                        case F64 -> new double[total];
                        case BF16, F16 -> new short[total];
                    };
                    case HEAP_SEGMENT -> segments[b] = switch (precision) {
                        case F32 -> MemorySegment.ofArray(new float[total]);
                        case F64 -> MemorySegment.ofArray(new double[total]);
                        case BF16, F16 -> MemorySegment.ofArray(new short[total]);
                    };
                    case HEAP_BYTES -> segments[b] = MemorySegment.ofArray(new byte[total * precision.byteSize()]);
                    case NATIVE_SEGMENT -> segments[b] = arena.allocate((long) total * precision.byteSize(), 64);
                    case NATIVE_UNALIGNED -> segments[b] =
                            arena.allocate((long) total * precision.byteSize() + 1, 64).asSlice(1);
                }
            }
        }

        double get(int buffer, int i) {
            int at = offset + i;
            if (storage == ARRAY) {
                return switch (precision) {
                    case F32 -> ((float[]) arrays[buffer])[at];
                    case F64 -> ((double[]) arrays[buffer])[at];
                    case BF16, F16 -> ReducedFloats.toFloat(precision, ((short[]) arrays[buffer])[at]);
                };
            }
            return switch (precision) {
                case F32 -> segments[buffer].getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at);
                case F64 -> segments[buffer].getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, at);
                case BF16, F16 -> ReducedFloats.toFloat(precision, segments[buffer].getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, at));
            };
        }

        /** Stores {@code value} rounded to the buffer's precision (16-bit types through f32). */
        void set(int buffer, int i, double value) {
            int at = offset + i;
            if (storage == ARRAY) {
                switch (precision) {
                    case F32 -> ((float[]) arrays[buffer])[at] = (float) value;
                    case F64 -> ((double[]) arrays[buffer])[at] = value;
                    case BF16, F16 -> ((short[]) arrays[buffer])[at] = ReducedFloats.fromFloat(precision, (float) value);
                }
                return;
            }
            switch (precision) {
                case F32 -> segments[buffer].setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at, (float) value);
                case F64 -> segments[buffer].setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, at, value);
                case BF16, F16 -> segments[buffer].setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, at,
                        ReducedFloats.fromFloat(precision, (float) value));
            }
        }

        /** Every element including the padding, as raw bits with NaNs canonicalized. */
        long[] bits(int buffer) {
            int total = offset + length + PAD_AFTER;
            long[] out = new long[total];
            for (int i = -offset; i < length + PAD_AFTER; i++) {
                double v = get(buffer, i);
                out[i + offset] = switch (precision) {
                    case F32 -> Float.floatToIntBits((float) v);
                    case F64 -> Double.doubleToLongBits(v);
                    // widening is exact and injective on non-NaN bits, so the f32 bits identify the element
                    case BF16, F16 -> Float.floatToIntBits((float) v);
                };
            }
            return out;
        }

        /** One step through the public facade; native segments get a read-only gradient. */
        void step(AdamHyperparameters h, long t, double gradScale) {
            if (storage == ARRAY) {
                switch (precision) {
                    case F32 -> AdamKernels.step(h, t, gradScale, (float[]) arrays[0], offset, (float[]) arrays[1], offset,
                            (float[]) arrays[2], offset, (float[]) arrays[3], offset, (float[]) arrays[4], offset, length);
                    case F64 -> AdamKernels.step(h, t, gradScale, (double[]) arrays[0], offset, (double[]) arrays[1], offset,
                            (double[]) arrays[2], offset, (double[]) arrays[3], offset, (double[]) arrays[4], offset, length);
                    case BF16, F16 -> AdamKernels.step(h, t, gradScale, precision, (short[]) arrays[0], offset,
                            (short[]) arrays[1], offset, (short[]) arrays[2], offset, (short[]) arrays[3], offset,
                            (short[]) arrays[4], offset, length);
                }
            } else {
                MemorySegment grad = storage == NATIVE_SEGMENT ? segments[1].asReadOnly() : segments[1];
                AdamKernels.step(h, t, gradScale, precision, segments[0], offset, grad, offset,
                        segments[2], offset, segments[3], offset, segments[4], offset, length);
            }
        }

        @Override
        public String toString() {
            return storage + "/" + precision + "/offset " + offset + "/length " + length;
        }
    }
}
