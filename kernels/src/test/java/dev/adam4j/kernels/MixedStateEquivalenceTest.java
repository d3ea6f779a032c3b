package dev.adam4j.kernels;

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
 * f32 parameters with 16-bit moments: the active provider through the facade (arrays, native and
 * misaligned native segments) against {@code ScalarAdamHalf.stepF32Params} on arrays, bit for bit,
 * every named configuration, lengths around the lane count, offsets, 6 steps, special values in every
 * buffer (NaN compared as NaN). Also: the moments equal those of the all-16-bit kernel given the same
 * f32 gradient, since both widen, compute in f32 and round the same way.
 */
class MixedStateEquivalenceTest {
    static final int STEPS = 6;
    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    static final ValueLayout.OfShort H = ValueLayout.JAVA_SHORT_UNALIGNED;

    enum Where { ARRAY, NATIVE, NATIVE_UNALIGNED }

    static Stream<Arguments> cases() {
        int lanes = (AdamKernels.vectorBitSize() == 0 ? 512 : AdamKernels.vectorBitSize()) / 32;
        List<Arguments> out = new ArrayList<>();
        for (NamedConfig c : NamedConfig.ALL) {
            for (Precision state : new Precision[] {Precision.BF16, Precision.F16}) {
                for (int n : new int[] {0, 1, lanes - 1, lanes, lanes + 1, 13, 207, 1021, 4098}) {
                    for (Where w : Where.values()) out.add(Arguments.of(c, state, n, n % 2 == 0 ? 0 : 3, w));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} | {1} n={2} off={3} {4}")
    @MethodSource("cases")
    void fastPathEqualsSpecification(NamedConfig c, Precision state, int n, int off, Where where) {
        SplittableRandom r = new SplittableRandom(31L * c.name().hashCode() + n + state.ordinal());
        int total = off + n + 4;
        float[] p = new float[total], g = new float[total];
        short[] m = new short[total], v = new short[total], x = new short[total];
        for (int i = 0; i < total; i++) {
            p[i] = (float) TestData.maybeSpecial(r, 1.0 / 16, r.nextGaussian());
            m[i] = ReducedFloats.fromFloat(state, (float) TestData.maybeSpecial(r, 1.0 / 16, r.nextGaussian() * 1e-2));
            double vv = r.nextDouble() * 1e-3;
            v[i] = ReducedFloats.fromFloat(state, (float) TestData.maybeSpecial(r, 1.0 / 16, vv));
            x[i] = ReducedFloats.fromFloat(state, (float) TestData.maybeSpecial(r, 1.0 / 16, vv * 1.5));
        }
        float[] ap = p.clone();
        short[] am = m.clone(), av = v.clone(), ax = x.clone();
        try (Arena arena = Arena.ofConfined()) {
            int shift = where == Where.NATIVE_UNALIGNED ? 1 : 0;
            MemorySegment[] s = new MemorySegment[5];
            if (where != Where.ARRAY) {
                s[0] = arena.allocate(4L * total + shift, 64).asSlice(shift);
                s[1] = arena.allocate(4L * total + shift, 64).asSlice(shift);
                for (int b = 2; b < 5; b++) s[b] = arena.allocate(2L * total + shift, 64).asSlice(shift);
                MemorySegment.copy(ap, 0, s[0], F, 0, total);
                MemorySegment.copy(am, 0, s[2], H, 0, total);
                MemorySegment.copy(av, 0, s[3], H, 0, total);
                MemorySegment.copy(ax, 0, s[4], H, 0, total);
            }
            for (int t = 1; t <= STEPS; t++) {
                for (int i = 0; i < total; i++) g[i] = (float) TestData.maybeSpecial(r, 1.0 / 16, TestData.gradient(r));
                ScalarAdamHalf.INSTANCE.stepF32Params(state, c.h(), StepScalars.negStepSize(c.h(), t), StepScalars.bc2Sqrt(c.h(), t),
                        c.gradScale(), p, off, g, off, m, off, v, off, x, off, n);
                if (where == Where.ARRAY) {
                    AdamKernels.step(c.h(), t, c.gradScale(), ap, off, g, off, state, am, off, av, off, ax, off, n);
                } else {
                    MemorySegment.copy(g, 0, s[1], F, 0, total);
                    AdamKernels.step(c.h(), t, c.gradScale(), s[0], off, s[1].asReadOnly(), off, state, s[2], off, s[3], off,
                            s[4], off, n);
                }
            }
            if (where != Where.ARRAY) {
                MemorySegment.copy(s[0], F, 0, ap, 0, total);
                MemorySegment.copy(s[2], H, 0, am, 0, total);
                MemorySegment.copy(s[3], H, 0, av, 0, total);
                MemorySegment.copy(s[4], H, 0, ax, 0, total);
            }
        }
        for (int i = 0; i < total; i++) {
            assertEquals(Float.floatToIntBits(p[i]), Float.floatToIntBits(ap[i]), "param " + i);
            assertEquals(bits(state, m[i]), bits(state, am[i]), "exp_avg " + i);
            assertEquals(bits(state, v[i]), bits(state, av[i]), "exp_avg_sq " + i);
            assertEquals(bits(state, x[i]), bits(state, ax[i]), "max_exp_avg_sq " + i);
        }
    }

    /** The element's f32 bits with NaN canonical (payloads are unspecified). */
    static int bits(Precision state, short s) {
        return Float.floatToIntBits(ReducedFloats.toFloat(state, s));
    }

    @Test
    void momentsEqualTheAll16BitKernelsForTheSameGradient() {
        AdamHyperparameters h = AdamHyperparameters.defaults().withAmsgrad(true);
        int n = 301;
        SplittableRandom r = new SplittableRandom(3);
        float[] p = new float[n], g = new float[n];
        short[] hp = new short[n], hg = new short[n], m1 = new short[n], v1 = new short[n], x1 = new short[n];
        short[] m2 = new short[n], v2 = new short[n], x2 = new short[n];
        for (int i = 0; i < n; i++) {
            hp[i] = ReducedFloats.floatToBf16((float) r.nextGaussian());
            p[i] = ReducedFloats.bf16ToFloat(hp[i]);
        }
        for (int t = 1; t <= 10; t++) {
            for (int i = 0; i < n; i++) {
                hg[i] = ReducedFloats.floatToBf16((float) TestData.gradient(r));
                g[i] = ReducedFloats.bf16ToFloat(hg[i]);
            }
            AdamKernels.step(h, t, 1.0, p, 0, g, 0, Precision.BF16, m1, 0, v1, 0, x1, 0, n);
            AdamKernels.step(h, t, 1.0, Precision.BF16, hp, 0, hg, 0, m2, 0, v2, 0, x2, 0, n);
            // the parameters differ (one is rounded every step), but without weight decay the moments
            // depend on the gradients alone, which are the same values
            for (int i = 0; i < n; i++) assertEquals(m2[i], m1[i], "exp_avg " + i + " step " + t);
        }
        for (int i = 0; i < n; i++) {
            assertEquals(v2[i], v1[i]);
            assertEquals(x2[i], x1[i]);
        }
    }

    @Test
    void badArgumentsAreRefusedBeforeAnyWrite() {
        AdamHyperparameters h = AdamHyperparameters.defaults();
        float[] p = {1f, 2f}, g = {0.5f, 0.5f};
        short[] m = new short[2], v = new short[2];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AdamKernels.step(h, 1, 1.0, p, 0, g, 0, Precision.F32, m, 0, v, 0, null, 0, 2));
        assertTrue(e.getMessage().contains("F32"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> AdamKernels.step(h, 1, 1.0, p, 0, g, 0, Precision.BF16, m, 0, m, 0, null, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> AdamKernels.step(h, 1, 1.0, p, 0, g, 0, Precision.BF16, m, 1, v, 0, null, 0, 2));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment all = a.allocate(64), grad = a.allocate(8);
            IllegalArgumentException o = assertThrows(IllegalArgumentException.class, () -> AdamKernels.step(h, 1, 1.0, all, 0,
                    grad, 0, Precision.BF16, all.asSlice(4), 0, all.asSlice(40), 0, null, 0, 2)); // expAvg inside param's bytes
            assertTrue(o.getMessage().contains("param") && o.getMessage().contains("expAvg"), o.getMessage());
            assertEquals(0, all.get(ValueLayout.JAVA_FLOAT, 0));
            // validate makes the step's checks without stepping (an optimizer validates all its calls first)
            IllegalArgumentException ov = assertThrows(IllegalArgumentException.class, () -> AdamKernels.validate(h, 1, 1.0,
                    all, 0, grad, 0, Precision.BF16, all.asSlice(4), 0, all.asSlice(40), 0, null, 0, 2));
            assertEquals(o.getMessage(), ov.getMessage());
            IllegalArgumentException ro = assertThrows(IllegalArgumentException.class, () -> AdamKernels.validate(h, 1, 1.0,
                    all.asSlice(0, 8).asReadOnly(), 0, grad, 0, Precision.F16, all.asSlice(16), 0, all.asSlice(40), 0, null, 0, 2));
            assertTrue(ro.getMessage().contains("param segment is read-only"), ro.getMessage());
            MemorySegment pp = a.allocate(8), gg = a.allocate(8), mm = a.allocate(4), vv = a.allocate(4);
            pp.set(ValueLayout.JAVA_FLOAT, 0, 1f);
            gg.set(ValueLayout.JAVA_FLOAT, 0, 1f);
            AdamKernels.validate(h, 1, 1.0, pp, 0, gg, 0, Precision.BF16, mm, 0, vv, 0, null, 0, 2);
            assertEquals(1f, pp.get(ValueLayout.JAVA_FLOAT, 0), "validate writes nothing");
            assertEquals(0, mm.get(ValueLayout.JAVA_SHORT, 0));
        }
        assertEquals(1f, p[0]);
        assertEquals(0, m[0]);
    }
}
