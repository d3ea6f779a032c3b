package dev.adam4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.adam4j.kernels.internal.ScalarAdamHalf;
import dev.adam4j.kernels.internal.StepScalars;
import dev.adam4j.testing.NamedConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The f16 kernels step by blocks of 1,024 elements through per-thread f32 scratch, converting with the
 * JDK's {@link Float#float16ToFloat}/{@link Float#floatToFloat16} (which C2 compiles to the CPU's
 * conversion instructions) and making NaN results the specification's {@code 0x7E00}. What the general
 * equivalence tables cannot see is checked here, against {@link ScalarAdamHalf} on arrays, comparing
 * <em>raw</em> bits (NaN payloads included: every NaN stored must be exactly {@code 0x7E00} but for its
 * sign; the tables compare NaN as NaN):
 * <ul>
 *   <li>lengths at and around block boundaries, offsets, arrays and misaligned native segments, both
 *       layouts (all f16; f32 parameters with f16 moments), every named configuration;</li>
 *   <li>all 65,536 f16 bit patterns in every buffer, stepped hundreds of times so that the compiled
 *       (vectorized) conversions are the ones compared, not only the interpreter's;</li>
 *   <li>four threads stepping their own buffers at once (the scratch is per thread).</li>
 * </ul>
 * (Allocation is measured with JMH's {@code -prof gc} on {@code KernelBench}: this module's tests
 * cannot read {@code jdk.management}.)
 */
class F16BlockTest {
    static final int BLOCK = 1024;
    static final ValueLayout.OfShort H = ValueLayout.JAVA_SHORT_UNALIGNED;
    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** Buffers of one case: p, g (f16 or f32), m, v, x (f16). */
    record Data(short[] p16, short[] g16, float[] p32, float[] g32, short[] m, short[] v, short[] x) {
        Data copy() {
            return new Data(clone(p16), clone(g16), p32 == null ? null : p32.clone(), g32 == null ? null : g32.clone(),
                    m.clone(), v.clone(), x.clone());
        }

        private static short[] clone(short[] a) {
            return a == null ? null : a.clone();
        }
    }

    static short randomF16(SplittableRandom r) {
        return switch (r.nextInt(24)) {
            case 0 -> (short) r.nextInt(0x10000); // any pattern: NaNs with payloads, infinities, subnormals
            case 1 -> (short) (0x7C01 + r.nextInt(0x3FF) | (r.nextBoolean() ? 0x8000 : 0)); // a NaN, either kind
            case 2 -> (short) (r.nextInt(0x400) | (r.nextBoolean() ? 0x8000 : 0)); // a subnormal or a zero
            default -> ReducedFloats.floatToF16((float) (r.nextGaussian() * Math.pow(2, r.nextInt(-12, 4))));
        };
    }

    static Data random(SplittableRandom r, int total, boolean f32Params) {
        short[][] s = new short[5][total];
        for (short[] a : s) for (int i = 0; i < total; i++) a[i] = randomF16(r);
        for (int i = 0; i < total; i++) { // mostly non-negative second moments, as Adam keeps them
            if (r.nextInt(8) != 0) s[3][i] &= 0x7FFF;
            if (r.nextInt(8) != 0) s[4][i] &= 0x7FFF;
        }
        if (!f32Params) return new Data(s[0], s[1], null, null, s[2], s[3], s[4]);
        float[] p = new float[total], g = new float[total];
        for (int i = 0; i < total; i++) {
            p[i] = r.nextInt(16) == 0 ? Float.intBitsToFloat(r.nextInt()) : (float) r.nextGaussian();
            g[i] = r.nextInt(16) == 0 ? Float.intBitsToFloat(r.nextInt()) : (float) (1e-2 * r.nextGaussian());
        }
        return new Data(null, null, p, g, s[2], s[3], s[4]);
    }

    /** The specification on arrays. */
    static void reference(Data d, AdamHyperparameters h, long t, double gs, int off, int n) {
        double ns = StepScalars.negStepSize(h, t), bc2 = StepScalars.bc2Sqrt(h, t);
        if (d.p32() == null) {
            ScalarAdamHalf.INSTANCE.step(Precision.F16, h, ns, bc2, gs, d.p16(), off, d.g16(), off, d.m(), off, d.v(), off, d.x(), off, n);
        } else {
            ScalarAdamHalf.INSTANCE.stepF32Params(Precision.F16, h, ns, bc2, gs, d.p32(), off, d.g32(), off, d.m(), off, d.v(), off,
                    d.x(), off, n);
        }
    }

    /** The active provider through the facade, on arrays. */
    static void fast(Data d, AdamHyperparameters h, long t, double gs, int off, int n) {
        if (d.p32() == null) {
            AdamKernels.step(h, t, gs, Precision.F16, d.p16(), off, d.g16(), off, d.m(), off, d.v(), off, d.x(), off, n);
        } else {
            AdamKernels.step(h, t, gs, d.p32(), off, d.g32(), off, Precision.F16, d.m(), off, d.v(), off, d.x(), off, n);
        }
    }

    static void assertSameBits(Data expected, Data actual, String where) {
        same(expected.p16(), actual.p16(), "param", where);
        same(expected.m(), actual.m(), "expAvg", where);
        same(expected.v(), actual.v(), "expAvgSq", where);
        same(expected.x(), actual.x(), "maxExpAvgSq", where);
        if (expected.p32() != null) {
            for (int i = 0; i < expected.p32().length; i++) {
                int e = Float.floatToRawIntBits(expected.p32()[i]), a = Float.floatToRawIntBits(actual.p32()[i]);
                // f32 parameters come from the f32 kernel, whose NaN payloads Java leaves unspecified
                if (e != a && !(Float.isNaN(expected.p32()[i]) && Float.isNaN(actual.p32()[i]))) {
                    fail("param differs at " + i + " (" + where + "): expected " + Integer.toHexString(e) + ", got " + Integer.toHexString(a));
                }
            }
        }
    }

    /**
     * Raw bits equal, except that a NaN result may differ in sign: the sign of a NaN that arithmetic
     * creates is unspecified in Java (x86 gives {@code 0xFFC00000} for an invalid operation, and the
     * vector kernel's operand order is not the scalar one's). Its f16 bits must still be exactly the
     * quiet NaN {@code 0x7E00}, no payload.
     */
    static void same(short[] e, short[] a, String buffer, String where) {
        if (e == null) return;
        for (int i = 0; i < e.length; i++) {
            boolean bothNaN = (e[i] & 0x7FFF) == 0x7E00 && (a[i] & 0x7FFF) == 0x7E00;
            if (e[i] != a[i] && !bothNaN) {
                fail(buffer + " differs at " + i + " (" + where + "): expected bits " + Integer.toHexString(e[i] & 0xFFFF)
                        + ", got " + Integer.toHexString(a[i] & 0xFFFF));
            }
        }
    }

    enum Where { ARRAY, NATIVE_UNALIGNED }

    static Stream<Arguments> boundaries() {
        List<Arguments> out = new ArrayList<>();
        for (NamedConfig c : NamedConfig.ALL) {
            for (boolean f32Params : new boolean[] {false, true}) {
                for (int n : new int[] {BLOCK - 1, BLOCK, BLOCK + 1, 2 * BLOCK + 17, 3 * BLOCK}) {
                    for (Where w : Where.values()) out.add(Arguments.of(c, f32Params, n, n % 2 == 0 ? 0 : 5, w));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} | f32 params {1} n={2} off={3} {4}")
    @MethodSource("boundaries")
    void blockBoundariesEqualTheSpecificationBitForBit(NamedConfig c, boolean f32Params, int n, int off, Where where) {
        SplittableRandom r = new SplittableRandom(97L * c.name().hashCode() + n + (f32Params ? 1 : 0));
        int total = off + n + 7; // elements after the range must not change
        Data expected = random(r, total, f32Params), actual = expected.copy();
        try (Arena arena = Arena.ofConfined()) {
            for (int t = 1; t <= 4; t++) {
                reference(expected, c.h(), t, c.gradScale(), off, n);
                if (where == Where.ARRAY) {
                    fast(actual, c.h(), t, c.gradScale(), off, n);
                } else {
                    segmentStep(actual, c.h(), t, c.gradScale(), off, n, arena);
                }
                assertSameBits(expected, actual, c.name() + " step " + t + " " + where);
            }
        }
    }

    /** Copies the buffers into misaligned native segments, steps there, copies back. */
    static void segmentStep(Data d, AdamHyperparameters h, long t, double gs, int off, int n, Arena arena) {
        boolean f32 = d.p32() != null;
        int total = d.m().length;
        MemorySegment p = arena.allocate((f32 ? 4L : 2L) * total + 1).asSlice(1);
        MemorySegment g = arena.allocate((f32 ? 4L : 2L) * total + 1).asSlice(1);
        MemorySegment m = arena.allocate(2L * total + 1).asSlice(1), v = arena.allocate(2L * total + 1).asSlice(1);
        MemorySegment x = arena.allocate(2L * total + 1).asSlice(1);
        if (f32) {
            MemorySegment.copy(d.p32(), 0, p, F, 0, total);
            MemorySegment.copy(d.g32(), 0, g, F, 0, total);
        } else {
            MemorySegment.copy(d.p16(), 0, p, H, 0, total);
            MemorySegment.copy(d.g16(), 0, g, H, 0, total);
        }
        MemorySegment.copy(d.m(), 0, m, H, 0, total);
        MemorySegment.copy(d.v(), 0, v, H, 0, total);
        MemorySegment.copy(d.x(), 0, x, H, 0, total);
        if (f32) {
            AdamKernels.step(h, t, gs, p, off, g, off, Precision.F16, m, off, v, off, x, off, n);
            MemorySegment.copy(p, F, 0, d.p32(), 0, total);
        } else {
            AdamKernels.step(h, t, gs, Precision.F16, p, off, g, off, m, off, v, off, x, off, n);
            MemorySegment.copy(p, H, 0, d.p16(), 0, total);
        }
        MemorySegment.copy(m, H, 0, d.m(), 0, total);
        MemorySegment.copy(v, H, 0, d.v(), 0, total);
        MemorySegment.copy(x, H, 0, d.x(), 0, total);
    }

    /**
     * Every f16 bit pattern in every buffer (rotated between buffers), one step from the same state
     * each time, 300 times: the conversions the JIT compiles (vectorized) must give the same bits as
     * the specification, for NaN payloads, signalling NaNs, subnormals and infinities too.
     */
    @Test
    void everyBitPatternInEveryBufferCompiledOrNot() {
        int n = 65536;
        short[][] base = new short[5][n];
        for (int b = 0; b < 5; b++) for (int i = 0; i < n; i++) base[b][i] = (short) (i * (2 * b + 1) + 7919 * b);
        for (AdamHyperparameters h : new AdamHyperparameters[] {AdamHyperparameters.defaults(),
                AdamHyperparameters.defaults().withAmsgrad(true).withWeightDecay(0.1, WeightDecay.DECOUPLED)}) {
            Data start = new Data(base[0], base[1], null, null, base[2], base[3], base[4]);
            Data expected = start.copy();
            reference(expected, h, 3, 1.0, 0, n);
            for (int rep = 0; rep < 300; rep++) {
                Data actual = start.copy();
                fast(actual, h, 3, 1.0, 0, n);
                if (rep % 50 == 0 || rep == 299) assertSameBits(expected, actual, "repetition " + rep + " " + h);
            }
        }
    }

    @Test
    void nanResultsAreTheSpecificationsQuietNaN() {
        // a NaN gradient makes every result NaN; its sign and payload must not leak into the stored bits
        int n = 2 * BLOCK + 3;
        short[] p = new short[n], g = new short[n], m = new short[n], v = new short[n], x = new short[n];
        for (int i = 0; i < n; i++) {
            p[i] = ReducedFloats.floatToF16(1.5f);
            g[i] = (short) (i % 2 == 0 ? 0x7D55 : 0xFC01); // signalling NaNs with payloads, both signs
        }
        AdamKernels.step(AdamHyperparameters.defaults().withAmsgrad(true), 1, 1.0, Precision.F16, p, 0, g, 0, m, 0, v, 0, x, 0, n);
        for (int i = 0; i < n; i++) {
            for (short s : new short[] {p[i], m[i], v[i], x[i]}) {
                assertEquals(0x7E00, s & 0x7FFF, "element " + i + ": " + Integer.toHexString(s & 0xFFFF));
            }
        }
    }

    @Test
    void concurrentStepsOnFourThreadsEqualTheSpecification() throws Exception {
        AdamHyperparameters h = AdamHyperparameters.defaults().withAmsgrad(true);
        int n = 5 * BLOCK + 11;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                final int seed = k;
                done.add(pool.submit(() -> {
                    SplittableRandom r = new SplittableRandom(seed);
                    Data expected = random(r, n, seed % 2 == 1), actual = expected.copy();
                    for (int t = 1; t <= 60; t++) {
                        reference(expected, h, t, 1.0, 0, n);
                        fast(actual, h, t, 1.0, 0, n);
                    }
                    assertSameBits(expected, actual, "thread " + seed);
                    return null;
                }));
            }
            for (Future<?> f : done) f.get();
        } finally {
            pool.shutdownNow();
        }
    }
}
