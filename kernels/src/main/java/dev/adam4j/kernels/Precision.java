package dev.adam4j.kernels;

/** Element type of a buffer: IEEE 754 binary32 ({@code float}) or binary64 ({@code double}). */
public enum Precision {
    /** 32-bit {@code float}, 4 bytes an element. */
    F32(Float.BYTES),
    /** 64-bit {@code double}, 8 bytes an element. */
    F64(Double.BYTES);

    private final int byteSize;

    Precision(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes one element occupies. */
    public int byteSize() {
        return byteSize;
    }
}
