package dev.adam4j.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Algebraic properties of the step, through the public facade (the active provider), for random
 * hyperparameters, lengths, precisions and storages. Data comes from a generated seed.
 */
class KernelPropertiesTest {

    @Provide
    Arbitrary<AdamHyperparameters> hyper() {
        Arbitrary<Double> lr = Arbitraries.of(0.0, 1e-4, 1e-3, 0.01, 0.3);
        Arbitrary<Double> beta1 = Arbitraries.of(0.0, 0.5, 0.9, 0.99);
        Arbitrary<Double> beta2 = Arbitraries.of(0.0, 0.9, 0.999, 0.99999);
        Arbitrary<Double> eps = Arbitraries.of(1e-8, 1e-6, 0.1);
        Arbitrary<WeightDecay> mode = Arbitraries.of(WeightDecay.class);
        Arbitrary<Double> wd = Arbitraries.of(0.01, 0.1, 1.0);
        Arbitrary<Boolean> flag = Arbitraries.of(true, false);
        Arbitrary<EpsilonMode> epsMode = Arbitraries.of(EpsilonMode.class);
        return Combinators.combine(lr, beta1, beta2, eps, mode, wd, flag, epsMode)
                .as((l, b1, b2, e, m, w, ams, em) -> new AdamHyperparameters(l, b1, b2, e,
                        m == WeightDecay.NONE ? 0.0 : w, m, ams, false, em));
    }

    @Provide
    Arbitrary<Precision> precision() {
        return Arbitraries.of(Precision.class);
    }

    @Provide
    Arbitrary<Storage> storage() {
        return Arbitraries.of(Storage.class);
    }

    private static Storage.Buffers buffers(Storage s, Precision p, int length, long seed, Arena arena) {
        Storage.Buffers b = new Storage.Buffers(s, p, 2, length, arena);
        TestData.fill(b, new SplittableRandom(seed), seed % 2 == 0);
        return b;
    }

    @Property(tries = 200)
    void maximizeIsMinimizeOfTheNegatedGradient(@ForAll("hyper") AdamHyperparameters h,
            @ForAll("precision") Precision p, @ForAll("storage") Storage s,
            @ForAll @IntRange(min = 0, max = 300) int length, @ForAll long seed,
            @ForAll @IntRange(min = 1, max = 5000) int t) {
        try (Arena arena = Arena.ofConfined()) {
            Storage.Buffers max = buffers(s, p, length, seed, arena);
            Storage.Buffers min = buffers(s, p, length, seed, arena);
            for (int i = 0; i < length; i++) {
                min.set(1, i, -min.get(1, i));
            }
            max.step(h.withMaximize(true), t, 1.0);
            min.step(h.withMaximize(false), t, 1.0);
            for (int buf : new int[] {0, 2, 3, 4}) {
                assertArrayEquals(min.bits(buf), max.bits(buf), Storage.Buffers.NAMES[buf]);
            }
        }
    }

    @Property(tries = 200)
    void zeroLearningRateLeavesParamsBitIdentical(@ForAll("hyper") AdamHyperparameters h,
            @ForAll("precision") Precision p, @ForAll("storage") Storage s,
            @ForAll @IntRange(min = 0, max = 300) int length, @ForAll long seed,
            @ForAll @IntRange(min = 1, max = 5000) int t) {
        try (Arena arena = Arena.ofConfined()) {
            Storage.Buffers b = buffers(s, p, length, seed, arena);
            // p + (−0·m)/denom is p, except that −0.0 + +0.0 is +0.0 in IEEE (PyTorch alike): the
            // generated params are N(0,1) and never exactly zero.
            long[] before = b.bits(0);
            b.step(h.withLr(0.0), t, 1.0);
            assertArrayEquals(before, b.bits(0));
        }
    }

    @Property(tries = 100)
    void amsgradMaximumNeverDecreases(@ForAll("hyper") AdamHyperparameters h,
            @ForAll("precision") Precision p, @ForAll("storage") Storage s,
            @ForAll @IntRange(min = 1, max = 200) int length, @ForAll long seed) {
        AdamHyperparameters ams = h.withAmsgrad(true);
        SplittableRandom r = new SplittableRandom(seed);
        try (Arena arena = Arena.ofConfined()) {
            Storage.Buffers b = buffers(s, p, length, seed, arena);
            for (int t = 1; t <= 8; t++) {
                double[] before = new double[length];
                for (int i = 0; i < length; i++) before[i] = b.get(4, i);
                TestData.newGradients(b, r);
                b.step(ams, t, 1.0);
                for (int i = 0; i < length; i++) {
                    // binary16 overflows at 65504: a gradient of 300 squares to +inf in storage, and with
                    // beta2 = 0 the next step computes inf·0 = NaN, as PyTorch does (and NaN stays NaN): only
                    // then is it not ordered
                    if (p == Precision.F16 && Double.isNaN(b.get(4, i)) && !Double.isFinite(before[i])) continue;
                    assertTrue(b.get(4, i) >= before[i], "max_exp_avg_sq decreased at " + i + ", step " + t);
                    assertTrue(b.get(4, i) >= b.get(3, i), "max_exp_avg_sq below exp_avg_sq at " + i);
                }
            }
        }
    }

    @Property(tries = 200)
    void splittingARangeIntoTwoCallsEqualsOneCall(@ForAll("hyper") AdamHyperparameters h,
            @ForAll("precision") Precision p, @ForAll("storage") Storage s,
            @ForAll @IntRange(min = 0, max = 300) int length, @ForAll @IntRange(min = 0, max = 300) int cut,
            @ForAll long seed, @ForAll @IntRange(min = 1, max = 100) int t) {
        int k = Math.min(cut, length);
        try (Arena arena = Arena.ofConfined()) {
            Storage.Buffers whole = buffers(s, p, length, seed, arena);
            Storage.Buffers split = buffers(s, p, length, seed, arena);
            whole.step(h, t, 0.75);
            // the same buffers, stepped as [0, k) and [k, length)
            stepRange(split, h, t, 0.75, 0, k);
            stepRange(split, h, t, 0.75, k, length - k);
            for (int buf = 0; buf < 5; buf++) {
                assertArrayEquals(whole.bits(buf), split.bits(buf), Storage.Buffers.NAMES[buf]);
            }
        }
    }

    /** Steps {@code n} elements starting {@code from} elements into the range of {@code b}. */
    private static void stepRange(Storage.Buffers b, AdamHyperparameters h, long t, double gs, int from, int n) {
        int o = b.offset + from;
        if (b.storage == Storage.ARRAY) {
            switch (b.precision) {
                case F32 -> AdamKernels.step(h, t, gs, (float[]) b.arrays[0], o, (float[]) b.arrays[1], o, (float[]) b.arrays[2], o,
                        (float[]) b.arrays[3], o, (float[]) b.arrays[4], o, n);
                case F64 -> AdamKernels.step(h, t, gs, (double[]) b.arrays[0], o, (double[]) b.arrays[1], o, (double[]) b.arrays[2], o,
                        (double[]) b.arrays[3], o, (double[]) b.arrays[4], o, n);
                case BF16, F16 -> AdamKernels.step(h, t, gs, b.precision, (short[]) b.arrays[0], o, (short[]) b.arrays[1], o,
                        (short[]) b.arrays[2], o, (short[]) b.arrays[3], o, (short[]) b.arrays[4], o, n);
            }
        } else {
            AdamKernels.step(h, t, gs, b.precision, b.segments[0], o, b.segments[1], o, b.segments[2], o,
                    b.segments[3], o, b.segments[4], o, n);
        }
    }

    @Property(tries = 200)
    void decoupledDecayWithZeroGradientScalesParamsOnTheFirstStep(@ForAll("precision") Precision p,
            @ForAll("storage") Storage s, @ForAll @IntRange(min = 0, max = 300) int length, @ForAll long seed,
            @ForAll("lrs") double lr, @ForAll("wds") double wd, @ForAll boolean amsgrad) {
        AdamHyperparameters h = AdamHyperparameters.defaults().withLr(lr)
                .withWeightDecay(wd, WeightDecay.DECOUPLED).withAmsgrad(amsgrad);
        try (Arena arena = Arena.ofConfined()) {
            Storage.Buffers b = buffers(s, p, length, seed | 1, arena); // odd seed: fresh (zero) state
            for (int i = 0; i < length; i++) b.set(1, i, 0.0);
            double[] expected = new double[length];
            for (int i = 0; i < length; i++) {
                expected[i] = switch (p) {
                    case F32 -> (float) b.get(0, i) * (float) (1.0 - lr * wd);
                    case F64 -> b.get(0, i) * (1.0 - lr * wd);
                    // computed in f32, rounded once to the storage type
                    case BF16, F16 -> ReducedFloats.toFloat(p, ReducedFloats.fromFloat(p, (float) b.get(0, i) * (float) (1.0 - lr * wd)));
                };
            }
            b.step(h, 1, 1.0);
            for (int i = 0; i < length; i++) {
                assertEquals(expected[i], b.get(0, i), 0.0, "element " + i);
            }
        }
    }

    @Provide
    Arbitrary<Double> lrs() {
        return Arbitraries.doubles().between(0.0, 1.0);
    }

    @Provide
    Arbitrary<Double> wds() {
        return Arbitraries.doubles().between(0.0, 10.0);
    }

    @Property(tries = 200)
    void gradientsAreNeverWritten(@ForAll("hyper") AdamHyperparameters h, @ForAll boolean maximize,
            @ForAll("precision") Precision p, @ForAll("storage") Storage s,
            @ForAll @IntRange(min = 0, max = 300) int length, @ForAll long seed, @ForAll("scales") double gradScale) {
        try (Arena arena = Arena.ofConfined()) {
            Storage.Buffers b = buffers(s, p, length, seed, arena);
            long[] grads = b.bits(1);
            for (int t = 1; t <= 3; t++) {
                b.step(h.withMaximize(maximize), t, gradScale);
            }
            assertArrayEquals(grads, b.bits(1));
        }
    }

    @Provide
    Arbitrary<Double> scales() {
        return Arbitraries.of(1.0, 0.5, -2.0, 1e-3, 0.0);
    }
}
