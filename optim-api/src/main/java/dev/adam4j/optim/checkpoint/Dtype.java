package dev.adam4j.optim.checkpoint;

/**
 * The safetensors element types adam4j reads and writes, by their specification names. Conversions
 * round to nearest even (BF16 and F16 from F64 go through F32, as PyTorch's casts do).
 */
public enum Dtype {
    F64(8), F32(4), F16(2), BF16(2), I64(8);

    private final int byteSize;

    Dtype(int byteSize) {
        this.byteSize = byteSize;
    }

    public int byteSize() {
        return byteSize;
    }

    /** The dtype named {@code name} in a header, or null if adam4j does not handle it. */
    static Dtype parse(String name) {
        for (Dtype d : values()) {
            if (d.name().equals(name)) return d;
        }
        return null;
    }

    /** f32 → bf16 bits, round to nearest even; NaN stays a (quiet) NaN. */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x0040);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    static float fromBf16(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }
}
