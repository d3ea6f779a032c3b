package dev.adam4j.kernels;

/**
 * Conversions between f32 and the 16-bit storage types, as the kernels do them: widening is exact,
 * narrowing rounds to nearest even (ties to the even neighbour, overflow to infinity, subnormals
 * kept), and a NaN stays a quiet NaN of the same sign. The Vector API kernels use the same
 * arithmetic lane by lane, so results never depend on the provider or the vector width.
 */
public final class ReducedFloats {
    private ReducedFloats() {}

    /** bf16 bits to f32: exact (the bits are the top half of the f32). */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /**
     * f32 to bf16 bits, round to nearest even. A NaN keeps its sign and the top of its payload, with the
     * quiet bit set (so it never becomes an infinity).
     */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (f != f) return (short) ((bits >>> 16) | 0x0040);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    /**
     * f32 to bf16 bits, rounded stochastically with {@code random}'s low 16 bits {@code r}: the bf16 of
     * {@code (bits + r) >>> 16}, so a value rounds away from zero with probability equal to the fraction
     * of a bf16 ulp that truncation would drop (exactly {@code dropped/65536} over uniform {@code r}), and
     * the rounding is unbiased. A bf16 value (low half zero) is kept whatever {@code r}; ±0 stay ±0; an
     * infinity stays infinite (its low half is zero); a finite value above the largest bf16
     * ({@code 0x7F7F}) rounds to infinity with the probability of its fraction, as rounding up would.
     * A NaN goes through {@link #floatToBf16} (quiet, sign kept): adding {@code r} to a NaN could
     * carry into the sign bit.
     */
    public static short floatToBf16Stochastic(float f, int random) {
        int bits = Float.floatToRawIntBits(f);
        if (f != f) return floatToBf16(f);
        return (short) ((bits + (random & 0xFFFF)) >>> 16);
    }

    /**
     * The f32 value held as a split pair: {@code high}, a bf16 (the value's top 16 bits, what a model
     * reads), and {@code low}, the bottom 16 bits of the f32 (the split master weight's other half).
     * Exact: every f32 is one pair.
     */
    public static float splitToFloat(short high, short low) {
        return Float.intBitsToFloat((high & 0xFFFF) << 16 | (low & 0xFFFF));
    }

    /**
     * The high half of {@code f}'s split pair: its top 16 bits, the bf16 value truncated toward zero
     * (not rounded: the pair must hold exactly {@code f}, and rounding the high half would leave the low
     * half unable to represent a negative remainder). A NaN's high half is made quiet, as
     * {@link #floatToBf16} does, so the bf16 view of a NaN is never an infinity; the pair then still
     * holds a NaN of the same sign (payloads are unspecified).
     */
    public static short splitHigh(float f) {
        int bits = Float.floatToRawIntBits(f);
        return (short) (f != f ? (bits >>> 16) | 0x0040 : bits >>> 16);
    }

    /** The low half of {@code f}'s split pair: its bottom 16 bits. */
    public static short splitLow(float f) {
        return (short) Float.floatToRawIntBits(f);
    }

    /** binary16 bits to f32: exact ({@link Float#float16ToFloat}). */
    public static float f16ToFloat(short bits) {
        return Float.float16ToFloat(bits);
    }

    /**
     * f32 to binary16 bits, round to nearest even: equal to {@link Float#floatToFloat16} for every
     * non-NaN input (tested), written with the integer steps the vector kernel takes lane by lane. A
     * NaN becomes the quiet NaN {@code 0x7E00} with the input's sign.
     */
    public static short floatToF16(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int u = bits & 0x7FFF_FFFF;
        int o;
        if (u >= 0x4780_0000) { // |f| ≥ 2^16 (or inf, NaN): infinity, or NaN
            o = u > 0x7F80_0000 ? 0x7E00 : 0x7C00;
        } else if (u < 0x3880_0000) { // |f| < 2^-14: a binary16 subnormal or zero; 0.5 + |f| rounds it to 2^-24
            o = Float.floatToRawIntBits(Float.intBitsToFloat(u) + 0.5f) - 0x3F00_0000;
        } else { // normal: rebias the exponent, add half an ulp minus one plus the odd bit, truncate
            o = (u + 0xC800_0FFF + ((u >>> 13) & 1)) >>> 13;
        }
        return (short) (o | sign);
    }

    /** Widens 16-bit {@code bits} of a reduced {@code precision} to f32. */
    public static float toFloat(Precision precision, short bits) {
        return switch (precision) {
            case BF16 -> bf16ToFloat(bits);
            case F16 -> f16ToFloat(bits);
            case F32, F64 -> throw notReduced(precision);
        };
    }

    /** Rounds {@code f} to the 16-bit bits of a reduced {@code precision}. */
    public static short fromFloat(Precision precision, float f) {
        return switch (precision) {
            case BF16 -> floatToBf16(f);
            case F16 -> floatToF16(f);
            case F32, F64 -> throw notReduced(precision);
        };
    }

    static IllegalArgumentException notReduced(Precision p) {
        return new IllegalArgumentException("precision " + p + " is not a 16-bit storage type (BF16 or F16)");
    }
}
