package dev.adam4j.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
 * Stochastic rounding of bf16 parameters ({@code AdamKernels.stepStochastic}): the vector loops equal
 * the specification bit for bit (every named configuration × lengths × offsets × arrays, native and
 * misaligned native segments × index bases including one that wraps past 2^32, 6 steps, special values
 * in every buffer); the rounding is unbiased (measured against binomial bounds); a step cut into chunks
 * draws the same bits as one call; steps and seeds draw different bits; the moments are those of the
 * round-to-nearest step.
 */
class StochasticRoundingTest {
    static final int STEPS = 6;
    static final ValueLayout.OfShort H = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final long[] INDEX_BASES = {0, 12_345, (1L << 32) - 7};

    enum Where { ARRAY, NATIVE, NATIVE_UNALIGNED }

    static Stream<Arguments> cases() {
        int lanes = (AdamKernels.vectorBitSize() == 0 ? 512 : AdamKernels.vectorBitSize()) / 32;
        List<Arguments> out = new ArrayList<>();
        for (NamedConfig c : NamedConfig.ALL) {
            int k = 0;
            for (int n : new int[] {0, 1, lanes - 1, lanes, lanes + 1, 13, 207, 1021, 4098}) {
                for (Where w : Where.values()) out.add(Arguments.of(c, n, n % 2 == 0 ? 0 : 3, w, INDEX_BASES[k++ % 3]));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} | n={1} off={2} {3} indexBase={4}")
    @MethodSource("cases")
    void fastPathEqualsSpecification(NamedConfig c, int n, int off, Where where, long indexBase) {
        SplittableRandom r = new SplittableRandom(41L * c.name().hashCode() + n + where.ordinal());
        long seed = r.nextLong();
        int total = off + n + 4;
        short[][] spec = new short[5][total];
        for (int i = 0; i < total; i++) {
            spec[0][i] = bf16(TestData.maybeSpecial(r, 1.0 / 16, r.nextGaussian()));
            spec[2][i] = bf16(TestData.maybeSpecial(r, 1.0 / 16, r.nextGaussian() * 1e-2));
            double vv = r.nextDouble() * 1e-3;
            spec[3][i] = bf16(TestData.maybeSpecial(r, 1.0 / 16, vv));
            spec[4][i] = bf16(TestData.maybeSpecial(r, 1.0 / 16, vv * 1.5));
        }
        short[][] fast = new short[5][];
        for (int b = 0; b < 5; b++) fast[b] = spec[b].clone();
        try (Arena arena = Arena.ofConfined()) {
            int shift = where == Where.NATIVE_UNALIGNED ? 1 : 0;
            MemorySegment[] s = new MemorySegment[5];
            if (where != Where.ARRAY) {
                for (int b = 0; b < 5; b++) {
                    s[b] = arena.allocate(2L * total + shift, 64).asSlice(shift);
                    MemorySegment.copy(fast[b], 0, s[b], H, 0, total);
                }
            }
            for (int t = 1; t <= STEPS; t++) {
                for (int i = 0; i < total; i++) spec[1][i] = bf16(TestData.maybeSpecial(r, 1.0 / 16, TestData.gradient(r)));
                fast[1] = spec[1];
                ScalarAdamHalf.INSTANCE.stepStochastic(c.h(), StepScalars.negStepSize(c.h(), t), StepScalars.bc2Sqrt(c.h(), t),
                        c.gradScale(), StochasticRounding.key(seed, t), indexBase, spec[0], off, spec[1], off, spec[2], off,
                        spec[3], off, spec[4], off, n);
                if (where == Where.ARRAY) {
                    AdamKernels.stepStochastic(c.h(), t, c.gradScale(), seed, indexBase, fast[0], off, fast[1], off,
                            fast[2], off, fast[3], off, fast[4], off, n);
                } else {
                    MemorySegment.copy(spec[1], 0, s[1], H, 0, total);
                    AdamKernels.stepStochastic(c.h(), t, c.gradScale(), seed, indexBase, s[0], off, s[1].asReadOnly(), off,
                            s[2], off, s[3], off, s[4], off, n);
                }
            }
            if (where != Where.ARRAY) {
                for (int b = 0; b < 5; b++) fast[b] = s[b].toArray(H);
            }
        }
        String[] names = {"param", "grad", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"};
        for (int b = 0; b < 5; b++) {
            for (int i = 0; i < total; i++) assertEquals(bits(spec[b][i]), bits(fast[b][i]), names[b] + " " + i);
        }
    }

    /**
     * The rounding is unbiased. With decoupled decay and a zero gradient and state, the f32 step gives
     * exactly {@code x = p·(1 − lr·wd)} (computed here by the f32 kernel), which lies between two adjacent
     * bf16 values {@code lo} (toward zero) and {@code hi}. Over N = 32 seeds × 32 steps, each of 301
     * elements (positive and negative, many binades) must round to {@code lo} or {@code hi}, and up with
     * a frequency within 5 binomial standard deviations of {@code q = (x − lo)/(hi − lo)}, plus 1/N for the
     * discreteness of a count: a false failure has probability below 301 · 6·10^-7 ≈ 2·10^-4 under the
     * normal approximation (and less where q is tiny, where the count is nearly always 0). The total
     * rounding error over all elements and trials, in ulps, must be within 5 standard deviations of 0
     * ({@code Σ (up − N·q)} has variance {@code Σ N·q(1 − q)}).
     */
    @Test
    void roundsUpWithTheProbabilityOfTheDroppedFraction() {
        AdamHyperparameters h = AdamHyperparameters.defaults().withLr(0.01).withWeightDecay(0.37, WeightDecay.DECOUPLED);
        int n = 301, seeds = 32, steps = 32, trials = seeds * steps;
        SplittableRandom r = new SplittableRandom(2026);
        short[] p0 = new short[n];
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            p0[i] = bf16((r.nextBoolean() ? 1 : -1) * Math.pow(2, r.nextInt(-20, 20)) * (1 + r.nextDouble()));
            x[i] = ReducedFloats.bf16ToFloat(p0[i]);
        }
        AdamKernels.step(h, 1, 1.0, x, 0, new float[n], 0, new float[n], 0, new float[n], 0, null, 0, n);
        int[] up = new int[n];
        int differFromNearest = 0;
        short[] p = new short[n], g = new short[n], m = new short[n], v = new short[n];
        for (int s = 0; s < seeds; s++) {
            for (int t = 1; t <= steps; t++) {
                System.arraycopy(p0, 0, p, 0, n);
                java.util.Arrays.fill(m, (short) 0);
                java.util.Arrays.fill(v, (short) 0);
                AdamKernels.stepStochastic(h, t, 1.0, 1000L + s, 0, p, 0, g, 0, m, 0, v, 0, null, 0, n);
                for (int i = 0; i < n; i++) {
                    short lo = ReducedFloats.splitHigh(x[i]), hi = (short) (lo + 1);
                    assertTrue(p[i] == lo || p[i] == hi, "element " + i + ": " + x[i] + " rounded to " + ReducedFloats.bf16ToFloat(p[i]));
                    if (p[i] == hi) up[i]++;
                    if (p[i] != ReducedFloats.floatToBf16(x[i])) differFromNearest++;
                }
            }
        }
        double sum = 0, variance = 0;
        for (int i = 0; i < n; i++) {
            short lo = ReducedFloats.splitHigh(x[i]);
            double a = ReducedFloats.bf16ToFloat(lo), b = ReducedFloats.bf16ToFloat((short) (lo + 1));
            double q = (x[i] - a) / (b - a);
            double sigma = Math.sqrt(q * (1 - q) / trials);
            assertTrue(Math.abs((double) up[i] / trials - q) <= 5 * sigma + 1.0 / trials,
                    "element " + i + " (x = " + x[i] + "): rounded up " + up[i] + " of " + trials + " times, expected q = " + q);
            sum += up[i] - trials * q;
            variance += trials * q * (1 - q);
        }
        assertTrue(variance > 1000, "the test exercises fractions away from 0 and 1: " + variance);
        assertTrue(Math.abs(sum) <= 5 * Math.sqrt(variance), "total error " + sum + " ulps, sd " + Math.sqrt(variance));
        assertTrue(differFromNearest > trials, "stochastic rounding is not round to nearest: " + differFromNearest);
    }

    @Test
    void randomBitsAreUniformAndDifferBetweenStepsAndSeeds() {
        int n = 1 << 16;
        int key = StochasticRounding.key(7, 1);
        int[] ones = new int[16];
        int sameStep = 0, sameSeed = 0;
        for (int i = 0; i < n; i++) {
            int b = StochasticRounding.bits(key, i);
            assertEquals(0, b >>> 16, "16 bits");
            for (int k = 0; k < 16; k++) ones[k] += (b >>> k) & 1;
            if (b == StochasticRounding.bits(StochasticRounding.key(7, 2), i)) sameStep++;
            if (b == StochasticRounding.bits(StochasticRounding.key(8, 1), i)) sameSeed++;
        }
        // each bit is set with probability 1/2: 5 sd of a binomial(65536, 1/2) is 640
        for (int k = 0; k < 16; k++) assertTrue(Math.abs(ones[k] - n / 2) <= 640, "bit " + k + " set " + ones[k] + " times");
        // two independent 16-bit draws agree with probability 2^-16: about 1 of 65536 (P(≥ 10) < 10^-6)
        assertTrue(sameStep < 10, "steps 1 and 2 share " + sameStep + " draws");
        assertTrue(sameSeed < 10, "seeds 7 and 8 share " + sameSeed + " draws");
        assertNotEquals(StochasticRounding.key(7, 1), StochasticRounding.key(7, 2));
        // the index enters modulo 2^32
        assertEquals(StochasticRounding.bits(key, 5), StochasticRounding.bits(key, 5 + (1L << 32)));
    }

    @Test
    void cuttingAStepIntoChunksDrawsTheSameBits() {
        AdamHyperparameters h = AdamHyperparameters.defaults().withAmsgrad(true);
        int n = 1000, off = 3;
        long base = 77;
        SplittableRandom r = new SplittableRandom(9);
        short[][] whole = new short[5][n + off];
        for (int b = 0; b < 5; b++) {
            for (int i = 0; i < n + off; i++) whole[b][i] = bf16(TestData.maybeSpecial(r, 0.02, b == 3 || b == 4 ? r.nextDouble() * 1e-3
                    : b == 1 ? TestData.gradient(r) : r.nextGaussian()));
        }
        short[][] cut = new short[5][];
        for (int b = 0; b < 5; b++) cut[b] = whole[b].clone();
        int[] bounds = {0, 1, 17, 333, 334, 999, 1000};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] s = new MemorySegment[5];
            for (int b = 0; b < 5; b++) s[b] = arena.allocate(2L * (n + off) + 1).asSlice(1).copyFrom(MemorySegment.ofArray(whole[b]));
            for (int t = 1; t <= 3; t++) {
                AdamKernels.stepStochastic(h, t, 1.0, 42, base, whole[0], off, whole[1], off, whole[2], off, whole[3], off,
                        whole[4], off, n);
                for (int k = 0; k + 1 < bounds.length; k++) {
                    int a = bounds[k], len = bounds[k + 1] - a;
                    AdamKernels.stepStochastic(h, t, 1.0, 42, base + a, cut[0], off + a, cut[1], off + a, cut[2], off + a,
                            cut[3], off + a, cut[4], off + a, len);
                    AdamKernels.stepStochastic(h, t, 1.0, 42, base + a, s[0], off + a, s[1], off + a, s[2], off + a,
                            s[3], off + a, s[4], off + a, len);
                }
            }
            for (int b = 0; b < 5; b++) {
                assertArrayEquals(whole[b], cut[b], "buffer " + b + ", array chunks");
                assertArrayEquals(whole[b], s[b].toArray(H), "buffer " + b + ", segment chunks");
            }
        }
    }

    @Test
    void momentsAreThoseOfTheRoundToNearestStep() {
        AdamHyperparameters h = AdamHyperparameters.defaults().withAmsgrad(true).withWeightDecay(0.1, WeightDecay.L2);
        int n = 203;
        SplittableRandom r = new SplittableRandom(4);
        short[][] a = new short[5][n];
        for (int b = 0; b < 5; b++) for (int i = 0; i < n; i++) a[b][i] = bf16(b >= 3 ? r.nextDouble() * 1e-3 : r.nextGaussian());
        short[][] c = new short[5][];
        for (int b = 0; b < 5; b++) c[b] = a[b].clone();
        AdamKernels.stepStochastic(h, 3, 1.0, 5, 0, a[0], 0, a[1], 0, a[2], 0, a[3], 0, a[4], 0, n);
        AdamKernels.step(h, 3, 1.0, Precision.BF16, c[0], 0, c[1], 0, c[2], 0, c[3], 0, c[4], 0, n);
        for (int b = 2; b < 5; b++) assertArrayEquals(c[b], a[b], "buffer " + b);
        for (int i = 0; i < n; i++) { // the parameter is one of the two bf16 neighbours of the nearest one's f32 value
            assertTrue(Math.abs(a[0][i] - c[0][i]) <= 1, "param " + i);
        }
    }

    @Test
    void specialValuesRound() {
        for (int rnd : new int[] {0, 1, 0x7FFF, 0x8000, 0xFFFF, -1}) {
            assertEquals((short) 0x0000, ReducedFloats.floatToBf16Stochastic(0f, rnd));
            assertEquals((short) 0x8000, ReducedFloats.floatToBf16Stochastic(-0f, rnd));
            assertEquals((short) 0x7F80, ReducedFloats.floatToBf16Stochastic(Float.POSITIVE_INFINITY, rnd));
            assertEquals((short) 0xFF80, ReducedFloats.floatToBf16Stochastic(Float.NEGATIVE_INFINITY, rnd));
            assertEquals((short) 0x3F80, ReducedFloats.floatToBf16Stochastic(1f, rnd), "a bf16 value is kept");
            for (int nan : new int[] {0x7FFF_FFFF, 0x7F80_0001, 0xFFFF_FFFF, 0x7FC0_0000}) {
                float f = Float.intBitsToFloat(nan);
                assertEquals(ReducedFloats.floatToBf16(f), ReducedFloats.floatToBf16Stochastic(f, rnd), "NaN " + Integer.toHexString(nan));
            }
        }
        assertEquals((short) 0x0000, ReducedFloats.floatToBf16Stochastic(Float.MIN_VALUE, 0));
        assertEquals((short) 0x0001, ReducedFloats.floatToBf16Stochastic(Float.MIN_VALUE, 0xFFFF), "subnormals round up too");
        assertEquals((short) 0x8001, ReducedFloats.floatToBf16Stochastic(-Float.MIN_VALUE, 0xFFFF));
        assertEquals((short) 0x7F7F, ReducedFloats.floatToBf16Stochastic(Float.MAX_VALUE, 0));
        assertEquals((short) 0x7F80, ReducedFloats.floatToBf16Stochastic(Float.MAX_VALUE, 0x0001), "up from the largest is infinity");
        assertEquals((short) 0x3F80, ReducedFloats.floatToBf16Stochastic(Float.intBitsToFloat(0x3F80_8000), 0x7FFF));
        assertEquals((short) 0x3F81, ReducedFloats.floatToBf16Stochastic(Float.intBitsToFloat(0x3F80_8000), 0x8000));
    }

    @Test
    void badArgumentsAreRefusedBeforeAnyWrite() {
        AdamHyperparameters h = AdamHyperparameters.defaults();
        short[] p = {0x3F80, 0x4000}, g = {0x3F00, 0x3F00}, m = new short[2], v = new short[2];
        SplitEquivalenceTest.expect("Invalid indexBase: -1",
                () -> AdamKernels.stepStochastic(h, 1, 1, 0, -1, p, 0, g, 0, m, 0, v, 0, null, 0, 2));
        SplitEquivalenceTest.expect("Invalid indexBase: " + (Long.MAX_VALUE - 1),
                () -> AdamKernels.stepStochastic(h, 1, 1, 0, Long.MAX_VALUE - 1, p, 0, g, 0, m, 0, v, 0, null, 0, 2));
        SplitEquivalenceTest.expect("grad range [0, 2) is outside its array of length 1",
                () -> AdamKernels.stepStochastic(h, 1, 1, 0, 0, p, 0, new short[1], 0, m, 0, v, 0, null, 0, 2));
        SplitEquivalenceTest.expect("param range starting at 0 overlaps expAvg",
                () -> AdamKernels.stepStochastic(h, 1, 1, 0, 0, p, 0, g, 0, p, 0, v, 0, null, 0, 2));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment all = a.allocate(64).fill((byte) 3), gr = a.allocate(4);
            byte[] before = all.toArray(ValueLayout.JAVA_BYTE);
            SplitEquivalenceTest.expect("Invalid indexBase: -5", () -> AdamKernels.stepStochastic(h, 1, 1, 0, -5, all, 0, gr, 0,
                    all.asSlice(16), 0, all.asSlice(32), 0, null, 0, 2));
            SplitEquivalenceTest.expect("param range starting at element 0 overlaps expAvg", () -> AdamKernels.stepStochastic(h, 1, 1,
                    0, 0, all, 0, gr, 0, all.asSlice(2), 0, all.asSlice(32), 0, null, 0, 2));
            SplitEquivalenceTest.expect("grad range [0, 3) elements", () -> AdamKernels.validateStochastic(h, 1, 1, 0, 0, all, 0,
                    gr, 0, all.asSlice(16), 0, all.asSlice(32), 0, null, 0, 3));
            assertArrayEquals(before, all.toArray(ValueLayout.JAVA_BYTE), "nothing written");
        }
        assertArrayEquals(new short[] {0x3F80, 0x4000}, p);
        assertArrayEquals(new short[2], m);
    }

    static short bf16(double d) {
        return ReducedFloats.floatToBf16((float) d);
    }

    /** The element's f32 bits with NaN canonical (payloads are unspecified). */
    static int bits(short s) {
        return Float.floatToIntBits(ReducedFloats.bf16ToFloat(s));
    }
}
