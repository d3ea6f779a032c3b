package dev.adam4j.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.internal.ScalarAdamHalf;
import dev.adam4j.kernels.internal.StepScalars;
import dev.adam4j.testing.NamedConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * bf16 parameters with split f32 master weights ({@code AdamKernels.stepSplit}). Every named
 * configuration × lengths around the lane count × two offsets × arrays, native and misaligned native
 * segments, 6 steps, special values (signed zeros, subnormals, infinities, NaN) in every buffer including
 * the low halves, checked bitwise two ways:
 * <ol>
 *   <li>against the specification {@code ScalarAdamHalf.stepSplit} on arrays: high halves, low halves,
 *       moments, padding;</li>
 *   <li>against the <em>f32</em> kernel ({@code AdamKernels.step} on {@code float[]}) run on the joined
 *       master weights, the widened gradients and the same f32 moments: the joined result, every
 *       moment, every step (the split layout is f32 Adam, stored in two halves).</li>
 * </ol>
 * NaNs are compared as NaN (payloads and signs are unspecified).
 */
class SplitEquivalenceTest {
    static final int STEPS = 6;
    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfShort H = ValueLayout.JAVA_SHORT_UNALIGNED;
    /** Low halves that make corner cases with any high half: zero, one ulp, the largest, the top bit. */
    static final short[] SPECIAL_LOW = {0, 1, (short) 0x7FFF, (short) 0x8000, (short) 0xFFFF};

    enum Where { ARRAY, NATIVE, NATIVE_UNALIGNED }

    static Stream<Arguments> cases() {
        int lanes = (AdamKernels.vectorBitSize() == 0 ? 512 : AdamKernels.vectorBitSize()) / 32;
        List<Arguments> out = new ArrayList<>();
        for (NamedConfig c : NamedConfig.ALL) {
            for (int n : new int[] {0, 1, lanes - 1, lanes, lanes + 1, 13, 207, 1021, 4098}) {
                for (Where w : Where.values()) out.add(Arguments.of(c, n, n % 2 == 0 ? 0 : 3, w));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} | n={1} off={2} {3}")
    @MethodSource("cases")
    void splitStepIsTheSpecificationAndTheF32Step(NamedConfig c, int n, int off, Where where) {
        SplittableRandom r = new SplittableRandom(37L * c.name().hashCode() + n + where.ordinal());
        int total = off + n + 4;
        short[] hi = new short[total], lo = new short[total], g = new short[total];
        float[] m = new float[total], v = new float[total], x = new float[total];
        for (int i = 0; i < total; i++) {
            float p = (float) TestData.maybeSpecial(r, 1.0 / 16, r.nextGaussian());
            hi[i] = ReducedFloats.splitHigh(p);
            lo[i] = r.nextInt(16) == 0 ? SPECIAL_LOW[r.nextInt(SPECIAL_LOW.length)] : ReducedFloats.splitLow(p);
            m[i] = (float) TestData.maybeSpecial(r, 1.0 / 16, r.nextGaussian() * 1e-2);
            double vv = r.nextDouble() * 1e-3;
            v[i] = (float) TestData.maybeSpecial(r, 1.0 / 16, vv);
            x[i] = (float) TestData.maybeSpecial(r, 1.0 / 16, vv * 1.5);
        }
        // the facade's buffers, and the f32 kernel's on the joined values
        short[] ahi = hi.clone(), alo = lo.clone();
        float[] am = m.clone(), av = v.clone(), ax = x.clone();
        float[] fp = new float[total], fg = new float[total], fm = m.clone(), fv = v.clone(), fx = x.clone();
        for (int i = 0; i < total; i++) fp[i] = ReducedFloats.splitToFloat(hi[i], lo[i]);
        try (Arena arena = Arena.ofConfined()) {
            int shift = where == Where.NATIVE_UNALIGNED ? 1 : 0;
            MemorySegment[] s = new MemorySegment[6];
            if (where != Where.ARRAY) {
                for (int b = 0; b < 3; b++) s[b] = arena.allocate(2L * total + shift, 64).asSlice(shift);
                for (int b = 3; b < 6; b++) s[b] = arena.allocate(4L * total + shift, 64).asSlice(shift);
                MemorySegment.copy(ahi, 0, s[0], H, 0, total);
                MemorySegment.copy(alo, 0, s[1], H, 0, total);
                MemorySegment.copy(am, 0, s[3], F, 0, total);
                MemorySegment.copy(av, 0, s[4], F, 0, total);
                MemorySegment.copy(ax, 0, s[5], F, 0, total);
            }
            for (int t = 1; t <= STEPS; t++) {
                for (int i = 0; i < total; i++) {
                    g[i] = ReducedFloats.floatToBf16((float) TestData.maybeSpecial(r, 1.0 / 16, TestData.gradient(r)));
                    fg[i] = ReducedFloats.bf16ToFloat(g[i]);
                }
                ScalarAdamHalf.INSTANCE.stepSplit(c.h(), StepScalars.negStepSize(c.h(), t), StepScalars.bc2Sqrt(c.h(), t),
                        c.gradScale(), hi, off, lo, off, g, off, m, off, v, off, x, off, n);
                AdamKernels.step(c.h(), t, c.gradScale(), fp, off, fg, off, fm, off, fv, off, fx, off, n);
                if (where == Where.ARRAY) {
                    AdamKernels.stepSplit(c.h(), t, c.gradScale(), ahi, off, alo, off, g, off, am, off, av, off, ax, off, n);
                } else {
                    MemorySegment.copy(g, 0, s[2], H, 0, total);
                    AdamKernels.stepSplit(c.h(), t, c.gradScale(), s[0], off, s[1], off, s[2].asReadOnly(), off,
                            s[3], off, s[4], off, s[5], off, n);
                }
                for (int i = 0; i < total; i++) { // the specification is the f32 step, every step
                    String at = " at " + i + ", step " + t;
                    assertEquals(Float.floatToIntBits(fp[i]), Float.floatToIntBits(ReducedFloats.splitToFloat(hi[i], lo[i])),
                            "joined master weight" + at);
                    assertEquals(Float.floatToIntBits(fm[i]), Float.floatToIntBits(m[i]), "exp_avg" + at);
                    assertEquals(Float.floatToIntBits(fv[i]), Float.floatToIntBits(v[i]), "exp_avg_sq" + at);
                    assertEquals(Float.floatToIntBits(fx[i]), Float.floatToIntBits(x[i]), "max_exp_avg_sq" + at);
                }
            }
            if (where != Where.ARRAY) {
                MemorySegment.copy(s[0], H, 0, ahi, 0, total);
                MemorySegment.copy(s[1], H, 0, alo, 0, total);
                MemorySegment.copy(s[3], F, 0, am, 0, total);
                MemorySegment.copy(s[4], F, 0, av, 0, total);
                MemorySegment.copy(s[5], F, 0, ax, 0, total);
            }
        }
        for (int i = 0; i < total; i++) {
            float spec = ReducedFloats.splitToFloat(hi[i], lo[i]), fast = ReducedFloats.splitToFloat(ahi[i], alo[i]);
            assertEquals(Float.floatToIntBits(spec), Float.floatToIntBits(fast), "joined master weight " + i);
            assertEquals(Float.floatToIntBits(ReducedFloats.bf16ToFloat(hi[i])), Float.floatToIntBits(ReducedFloats.bf16ToFloat(ahi[i])),
                    "bf16 (high half) " + i);
            if (spec == spec) assertEquals(lo[i], alo[i], "low half " + i);
            else if (i >= off && i < off + n) { // stepped: a NaN master's bf16 view is NaN (padding is as it was drawn)
                assertTrue(ReducedFloats.bf16ToFloat(ahi[i]) != ReducedFloats.bf16ToFloat(ahi[i]), "a NaN's bf16 view is NaN " + i);
            }
            assertEquals(Float.floatToIntBits(m[i]), Float.floatToIntBits(am[i]), "exp_avg " + i);
            assertEquals(Float.floatToIntBits(v[i]), Float.floatToIntBits(av[i]), "exp_avg_sq " + i);
            assertEquals(Float.floatToIntBits(x[i]), Float.floatToIntBits(ax[i]), "max_exp_avg_sq " + i);
        }
    }

    @Test
    void splittingIsExactAndTheHighHalfTruncates() {
        SplittableRandom r = new SplittableRandom(11);
        for (int k = 0; k < 100_000; k++) {
            float f = Float.intBitsToFloat(r.nextInt());
            float joined = ReducedFloats.splitToFloat(ReducedFloats.splitHigh(f), ReducedFloats.splitLow(f));
            if (f == f) {
                assertEquals(Float.floatToRawIntBits(f), Float.floatToRawIntBits(joined));
                float view = ReducedFloats.bf16ToFloat(ReducedFloats.splitHigh(f));
                assertTrue(Math.abs(view) <= Math.abs(f) && Math.copySign(1f, view) == Math.copySign(1f, f), "truncated toward zero");
            } else {
                assertTrue(joined != joined, "a NaN stays NaN");
                assertEquals(Float.floatToRawIntBits(f) >>> 31, Float.floatToRawIntBits(joined) >>> 31, "sign kept");
            }
        }
        // a NaN whose payload sits in the low half: its bf16 view is a NaN, not an infinity
        float nan = Float.intBitsToFloat(0x7F80_0001);
        assertEquals((short) 0x7FC0, ReducedFloats.splitHigh(nan));
        assertEquals((short) 0x0001, ReducedFloats.splitLow(nan));
        assertEquals((short) 0x8000, ReducedFloats.splitHigh(-0f));
        assertEquals((short) 0x7F80, ReducedFloats.splitHigh(Float.POSITIVE_INFINITY));
        assertEquals(0, ReducedFloats.splitLow(Float.POSITIVE_INFINITY));
    }

    /** Zero low halves (a fresh split state) make the master weight the bf16 value exactly. */
    @Test
    void zeroLowHalvesStartFromTheBf16Values() {
        AdamHyperparameters h = AdamHyperparameters.defaults();
        int n = 37;
        short[] hi = new short[n], lo = new short[n], g = new short[n];
        float[] p = new float[n], fg = new float[n], m = new float[n], v = new float[n], fm = new float[n], fv = new float[n];
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < n; i++) {
            hi[i] = ReducedFloats.floatToBf16((float) r.nextGaussian());
            p[i] = ReducedFloats.bf16ToFloat(hi[i]);
            g[i] = ReducedFloats.floatToBf16((float) TestData.gradient(r));
            fg[i] = ReducedFloats.bf16ToFloat(g[i]);
        }
        AdamKernels.stepSplit(h, 1, 1.0, hi, 0, lo, 0, g, 0, m, 0, v, 0, null, 0, n);
        AdamKernels.step(h, 1, 1.0, p, 0, fg, 0, fm, 0, fv, 0, null, 0, n);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToIntBits(p[i]), Float.floatToIntBits(ReducedFloats.splitToFloat(hi[i], lo[i])));
        }
    }

    @Test
    void badArgumentsAreRefusedBeforeAnyWrite() {
        AdamHyperparameters h = AdamHyperparameters.defaults();
        AdamHyperparameters ams = h.withAmsgrad(true);
        short[] hi = {0x3F80, 0x4000}, lo = {1, 2}, g = {0x3F00, 0x3F00};
        float[] m = {0.5f, 0.5f}, v = {0.25f, 0.25f};
        short[] hi0 = hi.clone(), lo0 = lo.clone();
        float[] m0 = m.clone(), v0 = v.clone();
        expect("paramLow range [0, 2) is outside its array of length 1",
                () -> AdamKernels.stepSplit(h, 1, 1, hi, 0, new short[1], 0, g, 0, m, 0, v, 0, null, 0, 2));
        expect("paramLow is null", () -> AdamKernels.stepSplit(h, 1, 1, hi, 0, null, 0, g, 0, m, 0, v, 0, null, 0, 2));
        expect("paramLow range [1, 3)", () -> AdamKernels.stepSplit(h, 1, 1, hi, 0, lo, 1, g, 0, m, 0, v, 0, null, 0, 2));
        expect("grad range [-1, 1)", () -> AdamKernels.stepSplit(h, 1, 1, hi, 0, lo, 0, g, -1, m, 0, v, 0, null, 0, 2));
        expect("Invalid length: -1", () -> AdamKernels.stepSplit(h, 1, 1, hi, 0, lo, 0, g, 0, m, 0, v, 0, null, 0, -1));
        expect("Invalid step t: 0", () -> AdamKernels.stepSplit(h, 0, 1, hi, 0, lo, 0, g, 0, m, 0, v, 0, null, 0, 2));
        expect("maxExpAvgSq is null", () -> AdamKernels.stepSplit(ams, 1, 1, hi, 0, lo, 0, g, 0, m, 0, v, 0, null, 0, 2));
        expect("paramLow range starting at 0 overlaps param range starting at 0",
                () -> AdamKernels.stepSplit(h, 1, 1, hi, 0, hi, 0, g, 0, m, 0, v, 0, null, 0, 2));
        expect("paramLow range starting at 0 overlaps grad",
                () -> AdamKernels.stepSplit(h, 1, 1, hi, 0, g, 0, g, 0, m, 0, v, 0, null, 0, 2));
        expect("expAvg range starting at 0 overlaps expAvgSq",
                () -> AdamKernels.stepSplit(h, 1, 1, hi, 0, lo, 0, g, 0, m, 0, m, 0, null, 0, 2));
        assertArrayEquals(hi0, hi);
        assertArrayEquals(lo0, lo);
        assertArrayEquals(m0, m);
        assertArrayEquals(v0, v);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment all = a.allocate(64), p = a.allocate(4), gr = a.allocate(4), mm = a.allocate(8), vv = a.allocate(8);
            all.fill((byte) 7);
            byte[] before = all.toArray(ValueLayout.JAVA_BYTE);
            expect("paramLow range starting at element 0 overlaps expAvg", () -> AdamKernels.stepSplit(h, 1, 1, p, 0,
                    all.asSlice(2), 0, gr, 0, all, 0, vv, 0, null, 0, 2)); // low halves inside exp_avg's bytes
            expect("paramLow range starting at element 0 overlaps param", () -> AdamKernels.stepSplit(h, 1, 1, all, 0,
                    all.asSlice(2), 0, gr, 0, mm, 0, vv, 0, null, 0, 2));
            expect("paramLow segment is read-only", () -> AdamKernels.stepSplit(h, 1, 1, p, 0,
                    all.asReadOnly(), 0, gr, 0, mm, 0, vv, 0, null, 0, 2));
            expect("expAvg range [0, 2) elements is outside its segment of 4 bytes (1 elements of 4 bytes)",
                    () -> AdamKernels.stepSplit(h, 1, 1, p, 0, all, 0, gr, 0, a.allocate(4), 0, vv, 0, null, 0, 2));
            expect("grad range [0, 3) elements is outside its segment of 4 bytes (2 elements of 2 bytes)",
                    () -> AdamKernels.validateSplit(h, 1, 1, all, 0, all.asSlice(16), 0, gr, 0, all.asSlice(32), 0,
                            all.asSlice(48), 0, null, 0, 3));
            assertArrayEquals(before, all.toArray(ValueLayout.JAVA_BYTE), "nothing written");
        }
    }

    static void expect(String message, Runnable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call::run);
        assertTrue(e.getMessage().contains(message), "message was: " + e.getMessage());
    }
}
