package dev.adam4j.kernels.internal.vector;

import static dev.adam4j.kernels.internal.vector.PanamaAdamF32.firstMoment;
import static dev.adam4j.kernels.internal.vector.PanamaAdamF32.gradient;
import static dev.adam4j.kernels.internal.vector.PanamaAdamF32.secondMoment;
import static dev.adam4j.kernels.internal.vector.PanamaAdamF32.update;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.Precision;
import dev.adam4j.kernels.internal.AdamHalf;
import dev.adam4j.kernels.internal.ScalarAdamF32.Constants;
import dev.adam4j.kernels.internal.ScalarAdamHalf;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The bf16/f16 Adam step with the JDK Vector API: {@link ScalarAdamHalf}'s contract lane by lane.
 * Each load reads as many 16-bit elements as an f32 vector has lanes (a vector of half the width),
 * widens them to f32 in integer lanes, runs {@link PanamaAdamF32}'s steps, and narrows the results with
 * the same integer arithmetic as {@link dev.adam4j.kernels.ReducedFloats}: bitwise identical to the
 * specification at every width, tail included (the tail is the specification).
 *
 * <ul>
 *   <li>bf16 → f32: sign-extend to 32 bits, shift left 16. f32 → bf16: add {@code 0x7FFF} plus the
 *       lowest kept bit, shift right 16 (round to nearest even); a NaN keeps its top bits, made quiet.</li>
 *   <li>f16 → f32: the exponent and mantissa shifted into f32 position, times 2^112 (exact, also for
 *       subnormals), infinities and NaN by a mask; f32 → f16: three branches computed and blended —
 *       overflow to infinity (NaN to {@code 0x7E00}), subnormals by one f32 addition of 0.5 (the FPU's
 *       own round to nearest even), normals by rebias, rounding increment and shift.</li>
 * </ul>
 * The JDK 25 Vector API has no half-float conversion operator, hence the integer forms.
 */
enum PanamaAdamHalf implements AdamHalf {
    INSTANCE;

    static final VectorSpecies<Float> S = PanamaAdamF32.S;
    static final VectorSpecies<Integer> I = S.withLanes(int.class);
    static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(S.vectorBitSize() / 2));
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final long BYTES = Short.BYTES;

    @Override
    public void step(Precision storage, AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            short[] param, int po, short[] grad, int go, short[] expAvg, int mo,
            short[] expAvgSq, int vo, short[] maxExpAvgSq, int xo, int length) {
        int bound = S.loopBound(length);
        if (bound > 0) {
            loops(bf16(storage), h, negStepSize, bc2Sqrt, gradScale, param, po, grad, go, expAvg, mo,
                    expAvgSq, vo, maxExpAvgSq, xo, bound);
        }
        if (bound < length) {
            ScalarAdamHalf.INSTANCE.step(storage, h, negStepSize, bc2Sqrt, gradScale, param, po + bound, grad, go + bound,
                    expAvg, mo + bound, expAvgSq, vo + bound, maxExpAvgSq, xo + bound, length - bound);
        }
    }

    @Override
    public void step(Precision storage, AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        long bound = S.loopBound(length);
        if (bound > 0) {
            loops(bf16(storage), h, negStepSize, bc2Sqrt, gradScale, param, po * BYTES, grad, go * BYTES,
                    expAvg, mo * BYTES, expAvgSq, vo * BYTES, maxExpAvgSq, xo * BYTES, bound * BYTES);
        }
        if (bound < length) {
            ScalarAdamHalf.INSTANCE.step(storage, h, negStepSize, bc2Sqrt, gradScale, param, po + bound, grad, go + bound,
                    expAvg, mo + bound, expAvgSq, vo + bound, maxExpAvgSq, xo + bound, length - bound);
        }
    }

    @Override
    public void stepF32Params(Precision state, AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            float[] param, int po, float[] grad, int go, short[] expAvg, int mo,
            short[] expAvgSq, int vo, short[] maxExpAvgSq, int xo, int length) {
        int bound = S.loopBound(length);
        if (bound > 0) {
            loopsF32Params(bf16(state), h, negStepSize, bc2Sqrt, gradScale, param, po, grad, go, expAvg, mo,
                    expAvgSq, vo, maxExpAvgSq, xo, bound);
        }
        if (bound < length) {
            ScalarAdamHalf.INSTANCE.stepF32Params(state, h, negStepSize, bc2Sqrt, gradScale, param, po + bound, grad,
                    go + bound, expAvg, mo + bound, expAvgSq, vo + bound, maxExpAvgSq, xo + bound, length - bound);
        }
    }

    @Override
    public void stepF32Params(Precision state, AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        long bound = S.loopBound(length);
        if (bound > 0) {
            loopsF32Params(bf16(state), h, negStepSize, bc2Sqrt, gradScale, param, po * Float.BYTES, grad, go * Float.BYTES,
                    expAvg, mo * BYTES, expAvgSq, vo * BYTES, maxExpAvgSq, xo * BYTES, bound);
        }
        if (bound < length) {
            ScalarAdamHalf.INSTANCE.stepF32Params(state, h, negStepSize, bc2Sqrt, gradScale, param, po + bound, grad,
                    go + bound, expAvg, mo + bound, expAvgSq, vo + bound, maxExpAvgSq, xo + bound, length - bound);
        }
    }

    private static boolean bf16(Precision storage) {
        return switch (storage) {
            case BF16 -> true;
            case F16 -> false;
            case F32, F64 -> throw new AssertionError(storage);
        };
    }

    // ------------------------------------------------------------------ conversions

    static FloatVector widen(ShortVector s, boolean bf16) {
        IntVector i = (IntVector) s.convertShape(VectorOperators.S2I, I, 0); // sign-extended
        if (bf16) return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        IntVector em = i.and(0x7FFF);
        IntVector shifted = em.lanewise(VectorOperators.LSHL, 13);
        IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        IntVector bits = finite.blend(shifted.or(0x7F80_0000), em.compare(VectorOperators.GE, 0x7C00));
        return bits.or(i.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    static ShortVector narrow(FloatVector f, boolean bf16) {
        IntVector bits = f.reinterpretAsInts();
        IntVector u = bits.and(0x7FFF_FFFF);
        IntVector top = bits.lanewise(VectorOperators.LSHR, 16);
        IntVector o;
        if (bf16) {
            IntVector rounded = bits.add(top.and(1)).add(0x7FFF).lanewise(VectorOperators.LSHR, 16);
            o = rounded.blend(top.or(0x0040), u.compare(VectorOperators.GT, 0x7F80_0000));
        } else {
            IntVector normal = u.add(0xC800_0FFF).add(u.lanewise(VectorOperators.LSHR, 13).and(1))
                    .lanewise(VectorOperators.LSHR, 13);
            IntVector sub = u.reinterpretAsFloats().add(0.5f).reinterpretAsInts().sub(0x3F00_0000);
            IntVector big = IntVector.broadcast(I, 0x7C00).blend(0x7E00, u.compare(VectorOperators.GT, 0x7F80_0000));
            o = normal.blend(sub, u.compare(VectorOperators.LT, 0x3880_0000))
                    .blend(big, u.compare(VectorOperators.GE, 0x4780_0000))
                    .or(top.and(0x8000));
        }
        return (ShortVector) o.convertShape(VectorOperators.I2S, H, 0);
    }

    // ------------------------------------------------------------------ loops

    private static void loops(boolean bf, AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            short[] param, int po, short[] grad, int go, short[] expAvg, int mo,
            short[] expAvgSq, int vo, short[] maxExpAvgSq, int xo, int bound) {
        final Constants c = new Constants(h, negStepSize, bc2Sqrt, gradScale);
        final float gradMul = c.gradMul, wd = c.weightDecay, lerpCoef = c.lerpCoef, beta2 = c.beta2;
        final float oneMinusBeta2 = c.oneMinusBeta2, paramMul = c.paramMul, bc2 = c.bc2Sqrt, eps = c.eps;
        final float negStep = c.negStepSize;
        final boolean l2 = c.l2, fromGrad = !c.smallWeight, epsHat = c.epsHat;
        final int n = S.length();
        if (h.amsgrad()) {
            for (int i = 0; i < bound; i += n) {
                FloatVector p = widen(ShortVector.fromArray(H, param, po + i), bf);
                FloatVector g = gradient(widen(ShortVector.fromArray(H, grad, go + i), bf), p, gradMul, wd, l2);
                FloatVector m = firstMoment(widen(ShortVector.fromArray(H, expAvg, mo + i), bf), g, lerpCoef, fromGrad);
                FloatVector v = secondMoment(widen(ShortVector.fromArray(H, expAvgSq, vo + i), bf), g, beta2, oneMinusBeta2);
                FloatVector u = widen(ShortVector.fromArray(H, maxExpAvgSq, xo + i), bf).max(v);
                narrow(update(p, m, u, paramMul, bc2, eps, negStep, epsHat), bf).intoArray(param, po + i);
                narrow(m, bf).intoArray(expAvg, mo + i);
                narrow(v, bf).intoArray(expAvgSq, vo + i);
                narrow(u, bf).intoArray(maxExpAvgSq, xo + i);
            }
        } else {
            for (int i = 0; i < bound; i += n) {
                FloatVector p = widen(ShortVector.fromArray(H, param, po + i), bf);
                FloatVector g = gradient(widen(ShortVector.fromArray(H, grad, go + i), bf), p, gradMul, wd, l2);
                FloatVector m = firstMoment(widen(ShortVector.fromArray(H, expAvg, mo + i), bf), g, lerpCoef, fromGrad);
                FloatVector v = secondMoment(widen(ShortVector.fromArray(H, expAvgSq, vo + i), bf), g, beta2, oneMinusBeta2);
                narrow(update(p, m, v, paramMul, bc2, eps, negStep, epsHat), bf).intoArray(param, po + i);
                narrow(m, bf).intoArray(expAvg, mo + i);
                narrow(v, bf).intoArray(expAvgSq, vo + i);
            }
        }
    }

    /** Offsets and {@code end} in bytes. */
    private static void loops(boolean bf, AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long end) {
        final Constants c = new Constants(h, negStepSize, bc2Sqrt, gradScale);
        final float gradMul = c.gradMul, wd = c.weightDecay, lerpCoef = c.lerpCoef, beta2 = c.beta2;
        final float oneMinusBeta2 = c.oneMinusBeta2, paramMul = c.paramMul, bc2 = c.bc2Sqrt, eps = c.eps;
        final float negStep = c.negStepSize;
        final boolean l2 = c.l2, fromGrad = !c.smallWeight, epsHat = c.epsHat;
        final long stride = H.vectorByteSize();
        if (h.amsgrad()) {
            for (long i = 0; i < end; i += stride) {
                FloatVector p = widen(ShortVector.fromMemorySegment(H, param, po + i, NATIVE), bf);
                FloatVector g = gradient(widen(ShortVector.fromMemorySegment(H, grad, go + i, NATIVE), bf), p, gradMul, wd, l2);
                FloatVector m = firstMoment(widen(ShortVector.fromMemorySegment(H, expAvg, mo + i, NATIVE), bf), g, lerpCoef, fromGrad);
                FloatVector v = secondMoment(widen(ShortVector.fromMemorySegment(H, expAvgSq, vo + i, NATIVE), bf), g, beta2, oneMinusBeta2);
                FloatVector u = widen(ShortVector.fromMemorySegment(H, maxExpAvgSq, xo + i, NATIVE), bf).max(v);
                narrow(update(p, m, u, paramMul, bc2, eps, negStep, epsHat), bf).intoMemorySegment(param, po + i, NATIVE);
                narrow(m, bf).intoMemorySegment(expAvg, mo + i, NATIVE);
                narrow(v, bf).intoMemorySegment(expAvgSq, vo + i, NATIVE);
                narrow(u, bf).intoMemorySegment(maxExpAvgSq, xo + i, NATIVE);
            }
        } else {
            for (long i = 0; i < end; i += stride) {
                FloatVector p = widen(ShortVector.fromMemorySegment(H, param, po + i, NATIVE), bf);
                FloatVector g = gradient(widen(ShortVector.fromMemorySegment(H, grad, go + i, NATIVE), bf), p, gradMul, wd, l2);
                FloatVector m = firstMoment(widen(ShortVector.fromMemorySegment(H, expAvg, mo + i, NATIVE), bf), g, lerpCoef, fromGrad);
                FloatVector v = secondMoment(widen(ShortVector.fromMemorySegment(H, expAvgSq, vo + i, NATIVE), bf), g, beta2, oneMinusBeta2);
                narrow(update(p, m, v, paramMul, bc2, eps, negStep, epsHat), bf).intoMemorySegment(param, po + i, NATIVE);
                narrow(m, bf).intoMemorySegment(expAvg, mo + i, NATIVE);
                narrow(v, bf).intoMemorySegment(expAvgSq, vo + i, NATIVE);
            }
        }
    }

    /** f32 param and grad, 16-bit moments, over arrays. */
    private static void loopsF32Params(boolean bf, AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            float[] param, int po, float[] grad, int go, short[] expAvg, int mo,
            short[] expAvgSq, int vo, short[] maxExpAvgSq, int xo, int bound) {
        final Constants c = new Constants(h, negStepSize, bc2Sqrt, gradScale);
        final float gradMul = c.gradMul, wd = c.weightDecay, lerpCoef = c.lerpCoef, beta2 = c.beta2;
        final float oneMinusBeta2 = c.oneMinusBeta2, paramMul = c.paramMul, bc2 = c.bc2Sqrt, eps = c.eps;
        final float negStep = c.negStepSize;
        final boolean l2 = c.l2, fromGrad = !c.smallWeight, epsHat = c.epsHat, amsgrad = c.amsgrad;
        final int n = S.length();
        for (int i = 0; i < bound; i += n) {
            FloatVector p = FloatVector.fromArray(S, param, po + i);
            FloatVector g = gradient(FloatVector.fromArray(S, grad, go + i), p, gradMul, wd, l2);
            FloatVector m = firstMoment(widen(ShortVector.fromArray(H, expAvg, mo + i), bf), g, lerpCoef, fromGrad);
            FloatVector v = secondMoment(widen(ShortVector.fromArray(H, expAvgSq, vo + i), bf), g, beta2, oneMinusBeta2);
            FloatVector u = v;
            if (amsgrad) {
                u = widen(ShortVector.fromArray(H, maxExpAvgSq, xo + i), bf).max(v);
                narrow(u, bf).intoArray(maxExpAvgSq, xo + i);
            }
            update(p, m, u, paramMul, bc2, eps, negStep, epsHat).intoArray(param, po + i);
            narrow(m, bf).intoArray(expAvg, mo + i);
            narrow(v, bf).intoArray(expAvgSq, vo + i);
        }
    }

    /** f32 param and grad, 16-bit moments, over segments; offsets in bytes, {@code bound} in elements. */
    private static void loopsF32Params(boolean bf, AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long bound) {
        final Constants c = new Constants(h, negStepSize, bc2Sqrt, gradScale);
        final float gradMul = c.gradMul, wd = c.weightDecay, lerpCoef = c.lerpCoef, beta2 = c.beta2;
        final float oneMinusBeta2 = c.oneMinusBeta2, paramMul = c.paramMul, bc2 = c.bc2Sqrt, eps = c.eps;
        final float negStep = c.negStepSize;
        final boolean l2 = c.l2, fromGrad = !c.smallWeight, epsHat = c.epsHat, amsgrad = c.amsgrad;
        final long n = S.length();
        for (long i = 0; i < bound; i += n) {
            long fo = i * Float.BYTES, so = i * BYTES;
            FloatVector p = FloatVector.fromMemorySegment(S, param, po + fo, NATIVE);
            FloatVector g = gradient(FloatVector.fromMemorySegment(S, grad, go + fo, NATIVE), p, gradMul, wd, l2);
            FloatVector m = firstMoment(widen(ShortVector.fromMemorySegment(H, expAvg, mo + so, NATIVE), bf), g, lerpCoef, fromGrad);
            FloatVector v = secondMoment(widen(ShortVector.fromMemorySegment(H, expAvgSq, vo + so, NATIVE), bf), g, beta2, oneMinusBeta2);
            FloatVector u = v;
            if (amsgrad) {
                u = widen(ShortVector.fromMemorySegment(H, maxExpAvgSq, xo + so, NATIVE), bf).max(v);
                narrow(u, bf).intoMemorySegment(maxExpAvgSq, xo + so, NATIVE);
            }
            update(p, m, u, paramMul, bc2, eps, negStep, epsHat).intoMemorySegment(param, po + fo, NATIVE);
            narrow(m, bf).intoMemorySegment(expAvg, mo + so, NATIVE);
            narrow(v, bf).intoMemorySegment(expAvgSq, vo + so, NATIVE);
        }
    }
}
