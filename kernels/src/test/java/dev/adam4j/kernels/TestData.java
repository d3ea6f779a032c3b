package dev.adam4j.kernels;

import dev.adam4j.kernels.internal.ScalarAdamF32;
import dev.adam4j.kernels.internal.ScalarAdamF64;
import dev.adam4j.kernels.internal.ScalarAdamHalf;
import dev.adam4j.kernels.internal.StepScalars;
import java.util.SplittableRandom;

/** Inputs with realistic spreads, and the scalar specification called directly. */
final class TestData {
    private TestData() {}

    /** A gradient-like value: sign, mantissa and a magnitude spread over 10^-5..10^2. */
    static double gradient(SplittableRandom r) {
        return r.nextGaussian() * Math.pow(10, r.nextInt(-5, 3));
    }

    /**
     * Values that exercise IEEE corner cases in any buffer: signed zeros, subnormals of both
     * precisions, infinities, NaN and values near overflow.
     */
    static final double[] SPECIALS = {0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Float.MIN_VALUE,
            -Float.MIN_VALUE, 0x1p-140, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN,
            Float.MAX_VALUE, -Float.MAX_VALUE, 1e300,
            // binary16 corners: subnormals, the largest finite value, overflow, a tie
            0x1p-20, -3e-5, 0x1p-24, 65504.0, -70000.0, 1.0 + 0x1p-11};

    /** With probability {@code rate}, a special value instead of {@code value}. */
    static double maybeSpecial(SplittableRandom r, double rate, double value) {
        return rate > 0 && r.nextDouble() < rate ? SPECIALS[r.nextInt(SPECIALS.length)] : value;
    }

    /** Parameters ~N(0, 1); moments either zero (a fresh state) or a plausible warm state. */
    static void fill(Storage.Buffers b, SplittableRandom r, boolean warmState) {
        fill(b, r, warmState, 0);
    }

    /**
     * {@link #fill}, with about one element in {@code 1/specialRate} of every buffer a special
     * value ({@link #SPECIALS}); rate 0 draws none.
     */
    static void fill(Storage.Buffers b, SplittableRandom r, boolean warmState, double specialRate) {
        for (int i = 0; i < b.length; i++) {
            b.set(0, i, maybeSpecial(r, specialRate, r.nextGaussian()));
            b.set(1, i, maybeSpecial(r, specialRate, gradient(r)));
            double v = warmState ? r.nextDouble() * 1e-3 : 0.0;
            b.set(2, i, maybeSpecial(r, specialRate, warmState ? r.nextGaussian() * 1e-2 : 0.0));
            b.set(3, i, maybeSpecial(r, specialRate, v));
            b.set(4, i, maybeSpecial(r, specialRate, warmState ? v * r.nextDouble(0.5, 2.0) : 0.0));
        }
    }

    static void newGradients(Storage.Buffers b, SplittableRandom r) {
        newGradients(b, r, 0);
    }

    static void newGradients(Storage.Buffers b, SplittableRandom r, double specialRate) {
        for (int i = 0; i < b.length; i++) {
            b.set(1, i, maybeSpecial(r, specialRate, gradient(r)));
        }
    }

    /** The scalar specification, called directly on array buffers (the oracle). */
    static void referenceStep(Storage.Buffers b, AdamHyperparameters h, long t, double gradScale) {
        if (b.storage != Storage.ARRAY) {
            throw new IllegalArgumentException("the reference runs on arrays");
        }
        double negStep = StepScalars.negStepSize(h, t);
        double bc2 = StepScalars.bc2Sqrt(h, t);
        int o = b.offset;
        switch (b.precision) {
            case F32 -> ScalarAdamF32.INSTANCE.step(h, negStep, bc2, gradScale, (float[]) b.arrays[0], o, (float[]) b.arrays[1], o,
                    (float[]) b.arrays[2], o, (float[]) b.arrays[3], o, (float[]) b.arrays[4], o, b.length);
            case F64 -> ScalarAdamF64.INSTANCE.step(h, negStep, bc2, gradScale, (double[]) b.arrays[0], o, (double[]) b.arrays[1], o,
                    (double[]) b.arrays[2], o, (double[]) b.arrays[3], o, (double[]) b.arrays[4], o, b.length);
            case BF16, F16 -> ScalarAdamHalf.INSTANCE.step(b.precision, h, negStep, bc2, gradScale, (short[]) b.arrays[0], o,
                    (short[]) b.arrays[1], o, (short[]) b.arrays[2], o, (short[]) b.arrays[3], o, (short[]) b.arrays[4], o, b.length);
        }
    }

    /** Copies every element (not the padding) of {@code from} into {@code to}. */
    static void copy(Storage.Buffers from, Storage.Buffers to) {
        for (int buf = 0; buf < 5; buf++) {
            for (int i = 0; i < from.length; i++) {
                to.set(buf, i, from.get(buf, i));
            }
        }
    }
}
