package dev.adam4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/**
 * The 16-bit conversions the kernels use: widening is exact and round-trips every bit pattern;
 * narrowing is round to nearest even. f16 is checked against the JDK's {@link Float#floatToFloat16}
 * on a stride through all 2^32 f32 bit patterns plus every f32 neighbourhood of a binary16 value and
 * tie; bf16 against an independent rounding in exact decimal arithmetic.
 */
class ReducedFloatsTest {

    @Test
    void everyBitPatternRoundTrips() {
        for (int b = 0; b < 65536; b++) {
            short s = (short) b;
            float bf = ReducedFloats.bf16ToFloat(s), h = ReducedFloats.f16ToFloat(s);
            if (!Float.isNaN(bf)) assertEquals(s, ReducedFloats.floatToBf16(bf), "bf16 " + Integer.toHexString(b));
            else assertTrue(Float.isNaN(ReducedFloats.bf16ToFloat(ReducedFloats.floatToBf16(bf))), "bf16 NaN stays NaN");
            if (!Float.isNaN(h)) assertEquals(s, ReducedFloats.floatToF16(h), "f16 " + Integer.toHexString(b));
            else assertTrue(Float.isNaN(ReducedFloats.f16ToFloat(ReducedFloats.floatToF16(h))), "f16 NaN stays NaN");
        }
    }

    @Test
    void f16NarrowingEqualsTheJdks() {
        int checked = 0;
        for (long bits = 0; bits <= 0xFFFF_FFFFL; bits += 4099) { // a prime stride: every exponent, many mantissas
            checked += checkF16((int) bits);
        }
        for (int b = 0; b < 65536; b++) { // the neighbourhood of every binary16 value and of every midpoint
            int f = Float.floatToRawIntBits(Float.float16ToFloat((short) b));
            for (int d = -2; d <= 2; d++) checked += checkF16(f + d) + checkF16(f + (1 << 12) + d);
        }
        assertTrue(checked > 1_000_000, "checked " + checked);
    }

    private static int checkF16(int bits) {
        float f = Float.intBitsToFloat(bits);
        if (Float.isNaN(f)) {
            assertTrue(Float.isNaN(Float.float16ToFloat(ReducedFloats.floatToF16(f))));
            return 1;
        }
        assertEquals(Float.floatToFloat16(f), ReducedFloats.floatToF16(f), () -> "f16 of " + f + " (" + Integer.toHexString(bits) + ")");
        return 1;
    }

    @Test
    void bf16NarrowingIsRoundToNearestEven() {
        for (long bits = 0; bits <= 0xFFFF_FFFFL; bits += 65537) {
            for (int d = -1; d <= 1; d++) {
                int b = (int) bits + d * 0x8000; // near and at ties
                float f = Float.intBitsToFloat(b);
                if (Float.isNaN(f) || Float.isInfinite(f)) continue;
                float expected = bf16Reference(f);
                assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(ReducedFloats.bf16ToFloat(ReducedFloats.floatToBf16(f))),
                        () -> "bf16 of " + f);
            }
        }
        assertEquals(Float.POSITIVE_INFINITY, ReducedFloats.bf16ToFloat(ReducedFloats.floatToBf16(Float.MAX_VALUE)));
        assertTrue(Float.isNaN(ReducedFloats.bf16ToFloat(ReducedFloats.floatToBf16(Float.intBitsToFloat(0x7FFF_FFFF)))));
        assertTrue(Float.isNaN(ReducedFloats.bf16ToFloat(ReducedFloats.floatToBf16(Float.intBitsToFloat(0xFF80_0001)))));
    }

    /** The nearer of the two bf16 neighbours of {@code f} in exact arithmetic, the even one on a tie. */
    private static float bf16Reference(float f) {
        int b = Float.floatToRawIntBits(f);
        float lo = Float.intBitsToFloat(b & 0xFFFF_0000);
        int hiBits = (b & 0xFFFF_0000) + 0x1_0000;
        float hi = Float.intBitsToFloat(hiBits);
        if ((b & 0xFFFF) == 0) return f;
        BigDecimal x = new BigDecimal(f), dl = x.subtract(new BigDecimal(lo)).abs();
        BigDecimal dh = Float.isInfinite(hi)
                ? x.subtract(new BigDecimal(Math.copySign(0x1p128, f))).abs() // the overflow threshold
                : x.subtract(new BigDecimal(hi)).abs();
        int c = dl.compareTo(dh);
        if (c != 0) return c < 0 ? lo : hi;
        return ((b >>> 16) & 1) == 0 ? lo : hi;
    }

    @Test
    void wideTypesAreRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReducedFloats.toFloat(Precision.F32, (short) 0));
        assertTrue(e.getMessage().contains("F32"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ReducedFloats.fromFloat(Precision.F64, 1f));
    }
}
