package dev.adam4j.kernels.internal;

import static dev.adam4j.kernels.internal.ScalarAdamF32.decayed;
import static dev.adam4j.kernels.internal.ScalarAdamF32.firstMoment;
import static dev.adam4j.kernels.internal.ScalarAdamF32.gradient;
import static dev.adam4j.kernels.internal.ScalarAdamF32.secondMoment;
import static dev.adam4j.kernels.internal.ScalarAdamF32.update;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.Precision;
import dev.adam4j.kernels.ReducedFloats;
import dev.adam4j.kernels.StochasticRounding;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The executable specification of one Adam step on bf16 or f16 buffers (parameters, gradients and
 * every moment in the 16-bit type): the scalar fallback, the tail of the vector loops, and the
 * oracle of the tests.
 *
 * <h2>The contract: PyTorch's fused CPU kernel for reduced floating types</h2>
 * {@code aten/src/ATen/native/cpu/FusedAdamKernel.cpp} ({@code adam_math} for {@code BFloat16} and
 * {@code Half}; what {@code torch.optim.Adam(fused=True)} runs on CPU) widens every element to f32
 * ({@code opmath_t}), runs the whole step in f32, and rounds only what it stores:
 * <ol>
 *   <li>{@code p, g, m, v (, vmax)} widened to f32 (exact).</li>
 *   <li>Steps 1–7 of {@link ScalarAdamF32}, in f32, with the same constants and the same FMA policy
 *       (L2 {@code fma(p, wd, g)}; lerp as {@code fma}; {@code v = fma((1 − β2)·g, g, v·β2)}; the
 *       denominator {@code sqrt(v̂)/bc2Sqrt + ε}; {@code p + (−stepSize·m)/denom}). Measured against
 *       libtorch 2.10's kernel on this machine: each of these is the formula its vector lanes compute
 *       (the parity module's {@code PyTorchHalfParityTest}).</li>
 *   <li>The <em>unrounded</em> f32 {@code m} and {@code v̂} feed the parameter update: the kernel
 *       keeps them in registers and rounds them only when storing. AMSGrad's maximum is taken
 *       between the widened stored {@code vmax} and the unrounded new {@code v}.</li>
 *   <li>{@code p}, {@code m}, {@code v} and {@code vmax} rounded to the storage type, to nearest even
 *       ({@link ReducedFloats}).</li>
 * </ol>
 * PyTorch's fused kernel divides the gradient by an optional {@code grad_scale} and writes the
 * unscaled gradient back; adam4j's {@code gradScale} multiplies (in f32) and the gradient is never
 * written, as in every adam4j kernel. {@code EPS_HAT} is adam4j's own, as in f32.
 */
public enum ScalarAdamHalf implements AdamHalf {
    INSTANCE;

    private static final ValueLayout.OfShort E = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    @Override
    public void step(Precision storage, AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            short[] param, int po, short[] grad, int go, short[] expAvg, int mo,
            short[] expAvgSq, int vo, short[] maxExpAvgSq, int xo, int length) {
        ScalarAdamF32.Constants c = new ScalarAdamF32.Constants(h, negStepSize, bc2Sqrt, gradScale);
        boolean bf = bf16(storage);
        for (int i = 0; i < length; i++) {
            float p = widen(bf, param[po + i]);
            float g = gradient(c, widen(bf, grad[go + i]), p);
            float m = firstMoment(c, widen(bf, expAvg[mo + i]), g);
            float v = secondMoment(c, widen(bf, expAvgSq[vo + i]), g);
            float u = c.amsgrad ? Math.max(widen(bf, maxExpAvgSq[xo + i]), v) : v;
            if (c.amsgrad) maxExpAvgSq[xo + i] = narrow(bf, u);
            param[po + i] = narrow(bf, update(c, decayed(c, p), m, u));
            expAvg[mo + i] = narrow(bf, m);
            expAvgSq[vo + i] = narrow(bf, v);
        }
    }

    @Override
    public void step(Precision storage, AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        ScalarAdamF32.Constants c = new ScalarAdamF32.Constants(h, negStepSize, bc2Sqrt, gradScale);
        boolean bf = bf16(storage);
        for (long i = 0; i < length; i++) {
            float p = widen(bf, param.getAtIndex(E, po + i));
            float g = gradient(c, widen(bf, grad.getAtIndex(E, go + i)), p);
            float m = firstMoment(c, widen(bf, expAvg.getAtIndex(E, mo + i)), g);
            float v = secondMoment(c, widen(bf, expAvgSq.getAtIndex(E, vo + i)), g);
            float u = c.amsgrad ? Math.max(widen(bf, maxExpAvgSq.getAtIndex(E, xo + i)), v) : v;
            if (c.amsgrad) maxExpAvgSq.setAtIndex(E, xo + i, narrow(bf, u));
            param.setAtIndex(E, po + i, narrow(bf, update(c, decayed(c, p), m, u)));
            expAvg.setAtIndex(E, mo + i, narrow(bf, m));
            expAvgSq.setAtIndex(E, vo + i, narrow(bf, v));
        }
    }

    /**
     * f32 parameters and gradients, 16-bit moments (adam4j's own layout; PyTorch offers it on CUDA
     * only): the same steps, with {@code p} and {@code g} read as f32 and {@code p} written as f32.
     */
    @Override
    public void stepF32Params(Precision state, AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            float[] param, int po, float[] grad, int go, short[] expAvg, int mo,
            short[] expAvgSq, int vo, short[] maxExpAvgSq, int xo, int length) {
        ScalarAdamF32.Constants c = new ScalarAdamF32.Constants(h, negStepSize, bc2Sqrt, gradScale);
        boolean bf = bf16(state);
        for (int i = 0; i < length; i++) {
            float p = param[po + i];
            float g = gradient(c, grad[go + i], p);
            float m = firstMoment(c, widen(bf, expAvg[mo + i]), g);
            float v = secondMoment(c, widen(bf, expAvgSq[vo + i]), g);
            float u = c.amsgrad ? Math.max(widen(bf, maxExpAvgSq[xo + i]), v) : v;
            if (c.amsgrad) maxExpAvgSq[xo + i] = narrow(bf, u);
            param[po + i] = update(c, decayed(c, p), m, u);
            expAvg[mo + i] = narrow(bf, m);
            expAvgSq[vo + i] = narrow(bf, v);
        }
    }

    @Override
    public void stepF32Params(Precision state, AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        ScalarAdamF32.Constants c = new ScalarAdamF32.Constants(h, negStepSize, bc2Sqrt, gradScale);
        boolean bf = bf16(state);
        for (long i = 0; i < length; i++) {
            float p = param.getAtIndex(F, po + i);
            float g = gradient(c, grad.getAtIndex(F, go + i), p);
            float m = firstMoment(c, widen(bf, expAvg.getAtIndex(E, mo + i)), g);
            float v = secondMoment(c, widen(bf, expAvgSq.getAtIndex(E, vo + i)), g);
            float u = c.amsgrad ? Math.max(widen(bf, maxExpAvgSq.getAtIndex(E, xo + i)), v) : v;
            if (c.amsgrad) maxExpAvgSq.setAtIndex(E, xo + i, narrow(bf, u));
            param.setAtIndex(F, po + i, update(c, decayed(c, p), m, u));
            expAvg.setAtIndex(E, mo + i, narrow(bf, m));
            expAvgSq.setAtIndex(E, vo + i, narrow(bf, v));
        }
    }

    /**
     * bf16 parameters with split f32 master weights (Intel Extension for PyTorch's "split" layout; adam4j's
     * own arithmetic): the master weight is the f32 {@code splitToFloat(param, paramLow)}
     * ({@link ReducedFloats#splitToFloat}), the gradient a bf16 widened exactly, the moments f32. Steps
     * 1–7 of {@link ScalarAdamF32} run on these f32 values, unchanged: the new master, {@code m},
     * {@code v} (, {@code vmax}) are bit for bit what the f32 kernel computes from the same f32 inputs.
     * The new master is split back, {@code param = splitHigh(p)}, {@code paramLow = splitLow(p)}, so
     * the model's bf16 is the master truncated toward zero (a NaN made quiet; see
     * {@link ReducedFloats#splitHigh}). 28 bytes an element per step, as f32, with 2 bytes of bf16
     * weights the model reads.
     */
    @Override
    public void stepSplit(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            short[] param, int po, short[] paramLow, int lo, short[] grad, int go, float[] expAvg, int mo,
            float[] expAvgSq, int vo, float[] maxExpAvgSq, int xo, int length) {
        ScalarAdamF32.Constants c = new ScalarAdamF32.Constants(h, negStepSize, bc2Sqrt, gradScale);
        for (int i = 0; i < length; i++) {
            float p = ReducedFloats.splitToFloat(param[po + i], paramLow[lo + i]);
            float g = gradient(c, ReducedFloats.bf16ToFloat(grad[go + i]), p);
            float m = firstMoment(c, expAvg[mo + i], g);
            float v = secondMoment(c, expAvgSq[vo + i], g);
            float u = c.amsgrad ? Math.max(maxExpAvgSq[xo + i], v) : v;
            if (c.amsgrad) maxExpAvgSq[xo + i] = u;
            float pn = update(c, decayed(c, p), m, u);
            param[po + i] = ReducedFloats.splitHigh(pn);
            paramLow[lo + i] = ReducedFloats.splitLow(pn);
            expAvg[mo + i] = m;
            expAvgSq[vo + i] = v;
        }
    }

    @Override
    public void stepSplit(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment paramLow, long lo, MemorySegment grad, long go,
            MemorySegment expAvg, long mo, MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        ScalarAdamF32.Constants c = new ScalarAdamF32.Constants(h, negStepSize, bc2Sqrt, gradScale);
        for (long i = 0; i < length; i++) {
            float p = ReducedFloats.splitToFloat(param.getAtIndex(E, po + i), paramLow.getAtIndex(E, lo + i));
            float g = gradient(c, ReducedFloats.bf16ToFloat(grad.getAtIndex(E, go + i)), p);
            float m = firstMoment(c, expAvg.getAtIndex(F, mo + i), g);
            float v = secondMoment(c, expAvgSq.getAtIndex(F, vo + i), g);
            float u = c.amsgrad ? Math.max(maxExpAvgSq.getAtIndex(F, xo + i), v) : v;
            if (c.amsgrad) maxExpAvgSq.setAtIndex(F, xo + i, u);
            float pn = update(c, decayed(c, p), m, u);
            param.setAtIndex(E, po + i, ReducedFloats.splitHigh(pn));
            paramLow.setAtIndex(E, lo + i, ReducedFloats.splitLow(pn));
            expAvg.setAtIndex(F, mo + i, m);
            expAvgSq.setAtIndex(F, vo + i, v);
        }
    }

    /**
     * The bf16 {@link #step} with stochastic rounding of the parameter (adam4j's own; requested of
     * PyTorch in pytorch#120376): steps 1–3 of the contract unchanged, then the new f32 parameter of
     * element {@code i} is rounded by {@link ReducedFloats#floatToBf16Stochastic} with
     * {@link dev.adam4j.kernels.StochasticRounding#bits StochasticRounding.bits(key, indexBase + i)};
     * {@code m}, {@code v}, {@code vmax} are rounded to nearest even as in {@code step}. The caller passes
     * as {@code indexBase} the index of the call's first element within its parameter, so a step cut into
     * chunks draws the same bits as one call.
     */
    @Override
    public void stepStochastic(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale, int key,
            long indexBase, short[] param, int po, short[] grad, int go, short[] expAvg, int mo,
            short[] expAvgSq, int vo, short[] maxExpAvgSq, int xo, int length) {
        ScalarAdamF32.Constants c = new ScalarAdamF32.Constants(h, negStepSize, bc2Sqrt, gradScale);
        for (int i = 0; i < length; i++) {
            float p = ReducedFloats.bf16ToFloat(param[po + i]);
            float g = gradient(c, ReducedFloats.bf16ToFloat(grad[go + i]), p);
            float m = firstMoment(c, ReducedFloats.bf16ToFloat(expAvg[mo + i]), g);
            float v = secondMoment(c, ReducedFloats.bf16ToFloat(expAvgSq[vo + i]), g);
            float u = c.amsgrad ? Math.max(ReducedFloats.bf16ToFloat(maxExpAvgSq[xo + i]), v) : v;
            if (c.amsgrad) maxExpAvgSq[xo + i] = ReducedFloats.floatToBf16(u);
            param[po + i] = ReducedFloats.floatToBf16Stochastic(update(c, decayed(c, p), m, u),
                    StochasticRounding.bits(key, indexBase + i));
            expAvg[mo + i] = ReducedFloats.floatToBf16(m);
            expAvgSq[vo + i] = ReducedFloats.floatToBf16(v);
        }
    }

    @Override
    public void stepStochastic(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale, int key,
            long indexBase, MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        ScalarAdamF32.Constants c = new ScalarAdamF32.Constants(h, negStepSize, bc2Sqrt, gradScale);
        for (long i = 0; i < length; i++) {
            float p = ReducedFloats.bf16ToFloat(param.getAtIndex(E, po + i));
            float g = gradient(c, ReducedFloats.bf16ToFloat(grad.getAtIndex(E, go + i)), p);
            float m = firstMoment(c, ReducedFloats.bf16ToFloat(expAvg.getAtIndex(E, mo + i)), g);
            float v = secondMoment(c, ReducedFloats.bf16ToFloat(expAvgSq.getAtIndex(E, vo + i)), g);
            float u = c.amsgrad ? Math.max(ReducedFloats.bf16ToFloat(maxExpAvgSq.getAtIndex(E, xo + i)), v) : v;
            if (c.amsgrad) maxExpAvgSq.setAtIndex(E, xo + i, ReducedFloats.floatToBf16(u));
            param.setAtIndex(E, po + i, ReducedFloats.floatToBf16Stochastic(update(c, decayed(c, p), m, u),
                    StochasticRounding.bits(key, indexBase + i)));
            expAvg.setAtIndex(E, mo + i, ReducedFloats.floatToBf16(m));
            expAvgSq.setAtIndex(E, vo + i, ReducedFloats.floatToBf16(v));
        }
    }

    /** True for BF16, false for F16 (the caller validated that it is one of them). */
    static boolean bf16(Precision storage) {
        return switch (storage) {
            case BF16 -> true;
            case F16 -> false;
            case F32, F64 -> throw new AssertionError(storage);
        };
    }

    static float widen(boolean bf16, short s) {
        return bf16 ? ReducedFloats.bf16ToFloat(s) : ReducedFloats.f16ToFloat(s);
    }

    static short narrow(boolean bf16, float f) {
        return bf16 ? ReducedFloats.floatToBf16(f) : ReducedFloats.floatToF16(f);
    }
}
