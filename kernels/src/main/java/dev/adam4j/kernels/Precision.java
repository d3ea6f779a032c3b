package dev.adam4j.kernels;

/**
 * Element type of a buffer: IEEE 754 binary32 ({@code float}), binary64 ({@code double}), or one of
 * the two 16-bit storage types that PyTorch calls {@code torch.bfloat16} and {@code torch.float16}.
 * The 16-bit types are storage only: adam4j widens every element to f32, computes the step in f32
 * and rounds the results back to nearest even (PyTorch's fused CPU kernel does the same; see
 * {@link dev.adam4j.kernels.internal.ScalarAdamHalf}). Both are held as {@code short} bits
 * ({@code short[]}, or 2-byte elements of a {@link java.lang.foreign.MemorySegment}).
 */
public enum Precision {
    /** 32-bit {@code float}, 4 bytes an element. */
    F32(Float.BYTES),
    /** 64-bit {@code double}, 8 bytes an element. */
    F64(Double.BYTES),
    /** bfloat16: the top 16 bits of an f32 (8 exponent bits, 7 mantissa bits), 2 bytes an element. */
    BF16(Short.BYTES),
    /** IEEE 754 binary16 (5 exponent bits, 10 mantissa bits; Java's {@code Float.float16ToFloat}), 2 bytes an element. */
    F16(Short.BYTES);

    private final int byteSize;

    Precision(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes one element occupies. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether this is a 16-bit storage type ({@link #BF16} or {@link #F16}), stored as {@code short} bits. */
    public boolean isReduced() {
        return switch (this) {
            case F32, F64 -> false;
            case BF16, F16 -> true;
        };
    }
}
