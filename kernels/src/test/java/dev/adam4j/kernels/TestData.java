package dev.adam4j.kernels;

import dev.adam4j.kernels.internal.ScalarAdamF32;
import dev.adam4j.kernels.internal.ScalarAdamF64;
import dev.adam4j.kernels.internal.StepScalars;
import java.util.SplittableRandom;

/** Inputs with realistic spreads, and the scalar specification called directly. */
final class TestData {
    private TestData() {}

    /** A gradient-like value: sign, mantissa and a magnitude spread over 10^-5..10^2. */
    static double gradient(SplittableRandom r) {
        return r.nextGaussian() * Math.pow(10, r.nextInt(-5, 3));
    }

    /** Parameters ~N(0, 1); moments either zero (a fresh state) or a plausible warm state. */
    static void fill(Storage.Buffers b, SplittableRandom r, boolean warmState) {
        for (int i = 0; i < b.length; i++) {
            b.set(0, i, r.nextGaussian());
            b.set(1, i, gradient(r));
            double v = warmState ? r.nextDouble() * 1e-3 : 0.0;
            b.set(2, i, warmState ? r.nextGaussian() * 1e-2 : 0.0);
            b.set(3, i, v);
            b.set(4, i, warmState ? v * r.nextDouble(0.5, 2.0) : 0.0);
        }
    }

    static void newGradients(Storage.Buffers b, SplittableRandom r) {
        for (int i = 0; i < b.length; i++) {
            b.set(1, i, gradient(r));
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
        if (b.precision == Precision.F32) {
            ScalarAdamF32.step(h, negStep, bc2, gradScale, (float[]) b.arrays[0], o, (float[]) b.arrays[1], o,
                    (float[]) b.arrays[2], o, (float[]) b.arrays[3], o, (float[]) b.arrays[4], o, b.length);
        } else {
            ScalarAdamF64.step(h, negStep, bc2, gradScale, (double[]) b.arrays[0], o, (double[]) b.arrays[1], o,
                    (double[]) b.arrays[2], o, (double[]) b.arrays[3], o, (double[]) b.arrays[4], o, b.length);
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
