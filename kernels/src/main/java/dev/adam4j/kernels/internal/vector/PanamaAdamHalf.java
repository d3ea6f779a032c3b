package dev.adam4j.kernels.internal.vector;

import static dev.adam4j.kernels.StochasticRounding.FMIX_1;
import static dev.adam4j.kernels.StochasticRounding.FMIX_2;
import static dev.adam4j.kernels.StochasticRounding.INDEX_MUL;
import static jdk.incubator.vector.VectorOperators.FMA;
import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.I2S;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LSHR;
import static jdk.incubator.vector.VectorOperators.NEG;
import static jdk.incubator.vector.VectorOperators.S2I;
import static jdk.incubator.vector.VectorOperators.XOR;

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
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The bf16/f16 Adam step with the JDK Vector API: {@link ScalarAdamHalf}'s contract lane by lane,
 * bitwise identical to the specification at every width, tail included (the tail is the specification).
 *
 * <p><b>bf16</b>: each load reads as many 16-bit elements as an f32 vector has lanes (a vector of half
 * the width), widens them to f32 in integer lanes (sign-extend to 32 bits, shift left 16), runs
 * {@link PanamaAdamF32}'s steps, and narrows the results with the integer arithmetic of
 * {@link dev.adam4j.kernels.ReducedFloats} (add {@code 0x7FFF} plus the lowest kept bit, shift right 16:
 * round to nearest even; a NaN keeps its top bits, made quiet). Split bf16 master weights join the two
 * halves by a shift and an or, run {@link PanamaAdamF32}'s steps on f32 moments and split the result
 * back (high half quiet for a NaN); stochastic rounding computes
 * {@link dev.adam4j.kernels.StochasticRounding}'s hash in integer lanes and adds its 16 bits before the
 * shift.
 *
 * <p><b>f16</b> goes to {@link F16Blocks}: the JDK 25 Vector API has no half-float conversion, and the
 * same conversions in integer lanes made the fused loop 4× slower than converting block by block with
 * the CPU's own instructions.
 *
 * <p>The bf16 loops are generated ({@code HalfLoopsGenerator} in the tests): each is written out with
 * no call but the Vector API's, because C2 refused the helper methods of a loop this large and boxed
 * every vector that crossed them.
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
        if (!isBf16(storage)) {
            F16Blocks.step(h, negStepSize, bc2Sqrt, gradScale, param, po, grad, go, expAvg, mo, expAvgSq, vo, maxExpAvgSq, xo, length);
            return;
        }
        int bound = S.loopBound(length);
        if (bound > 0) {
            bf16(h, negStepSize, bc2Sqrt, gradScale, param, po, grad, go, expAvg, mo, expAvgSq, vo, maxExpAvgSq, xo, bound);
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
        if (!isBf16(storage)) {
            F16Blocks.step(h, negStepSize, bc2Sqrt, gradScale, param, po, grad, go, expAvg, mo, expAvgSq, vo, maxExpAvgSq, xo, length);
            return;
        }
        long bound = S.loopBound(length);
        if (bound > 0) {
            bf16(h, negStepSize, bc2Sqrt, gradScale, param, po * BYTES, grad, go * BYTES, expAvg, mo * BYTES, expAvgSq, vo * BYTES,
                    maxExpAvgSq, xo * BYTES, bound);
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
        if (!isBf16(state)) {
            F16Blocks.stepF32Params(h, negStepSize, bc2Sqrt, gradScale, param, po, grad, go, expAvg, mo, expAvgSq, vo,
                    maxExpAvgSq, xo, length);
            return;
        }
        int bound = S.loopBound(length);
        if (bound > 0) {
            bf16Moments(h, negStepSize, bc2Sqrt, gradScale, param, po, grad, go, expAvg, mo, expAvgSq, vo, maxExpAvgSq, xo, bound);
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
        if (!isBf16(state)) {
            F16Blocks.stepF32Params(h, negStepSize, bc2Sqrt, gradScale, param, po, grad, go, expAvg, mo, expAvgSq, vo,
                    maxExpAvgSq, xo, length);
            return;
        }
        long bound = S.loopBound(length);
        if (bound > 0) {
            bf16Moments(h, negStepSize, bc2Sqrt, gradScale, param, po * Float.BYTES, grad, go * Float.BYTES, expAvg, mo * BYTES, expAvgSq, vo * BYTES,
                    maxExpAvgSq, xo * BYTES, bound);
        }
        if (bound < length) {
            ScalarAdamHalf.INSTANCE.stepF32Params(state, h, negStepSize, bc2Sqrt, gradScale, param, po + bound, grad,
                    go + bound, expAvg, mo + bound, expAvgSq, vo + bound, maxExpAvgSq, xo + bound, length - bound);
        }
    }

    @Override
    public void stepSplit(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            short[] param, int po, short[] paramLow, int lo, short[] grad, int go, float[] expAvg, int mo,
            float[] expAvgSq, int vo, float[] maxExpAvgSq, int xo, int length) {
        int bound = S.loopBound(length);
        if (bound > 0) {
            bf16Split(h, negStepSize, bc2Sqrt, gradScale, param, po, paramLow, lo, grad, go, expAvg, mo, expAvgSq, vo,
                    maxExpAvgSq, xo, bound);
        }
        if (bound < length) {
            ScalarAdamHalf.INSTANCE.stepSplit(h, negStepSize, bc2Sqrt, gradScale, param, po + bound, paramLow, lo + bound,
                    grad, go + bound, expAvg, mo + bound, expAvgSq, vo + bound, maxExpAvgSq, xo + bound, length - bound);
        }
    }

    @Override
    public void stepSplit(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment paramLow, long lo, MemorySegment grad, long go,
            MemorySegment expAvg, long mo, MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        long bound = S.loopBound(length);
        if (bound > 0) {
            bf16Split(h, negStepSize, bc2Sqrt, gradScale, param, po * BYTES, paramLow, lo * BYTES, grad, go * BYTES,
                    expAvg, mo * Float.BYTES, expAvgSq, vo * Float.BYTES, maxExpAvgSq, xo * Float.BYTES, bound);
        }
        if (bound < length) {
            ScalarAdamHalf.INSTANCE.stepSplit(h, negStepSize, bc2Sqrt, gradScale, param, po + bound, paramLow, lo + bound,
                    grad, go + bound, expAvg, mo + bound, expAvgSq, vo + bound, maxExpAvgSq, xo + bound, length - bound);
        }
    }

    @Override
    public void stepStochastic(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale, int key,
            long indexBase, short[] param, int po, short[] grad, int go, short[] expAvg, int mo,
            short[] expAvgSq, int vo, short[] maxExpAvgSq, int xo, int length) {
        int bound = S.loopBound(length);
        if (bound > 0) {
            bf16Stochastic(h, negStepSize, bc2Sqrt, gradScale, key, indexBase, param, po, grad, go, expAvg, mo, expAvgSq, vo,
                    maxExpAvgSq, xo, bound);
        }
        if (bound < length) {
            ScalarAdamHalf.INSTANCE.stepStochastic(h, negStepSize, bc2Sqrt, gradScale, key, indexBase + bound, param, po + bound,
                    grad, go + bound, expAvg, mo + bound, expAvgSq, vo + bound, maxExpAvgSq, xo + bound, length - bound);
        }
    }

    @Override
    public void stepStochastic(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale, int key,
            long indexBase, MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        long bound = S.loopBound(length);
        if (bound > 0) {
            bf16Stochastic(h, negStepSize, bc2Sqrt, gradScale, key, indexBase, param, po * BYTES, grad, go * BYTES,
                    expAvg, mo * BYTES, expAvgSq, vo * BYTES, maxExpAvgSq, xo * BYTES, bound);
        }
        if (bound < length) {
            ScalarAdamHalf.INSTANCE.stepStochastic(h, negStepSize, bc2Sqrt, gradScale, key, indexBase + bound, param, po + bound,
                    grad, go + bound, expAvg, mo + bound, expAvgSq, vo + bound, maxExpAvgSq, xo + bound, length - bound);
        }
    }

    private static boolean isBf16(Precision storage) {
        return switch (storage) {
            case BF16 -> true;
            case F16 -> false;
            case F32, F64 -> throw new AssertionError(storage);
        };
    }

    // One loop per format, layout and memory kind; amsgrad is a loop-invariant branch (C2 unswitches
    // it). They call nothing but the Vector API (see the generator's note on C2's inlining cutoff).

    // BEGIN GENERATED by HalfLoopsGenerator (kernels/src/test): edit the generator, not these lines
    /** bf16 parameters, gradients and state, over arrays; {@code bound} in elements. */
    private static void bf16(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            short[] param, int po, short[] grad, int go, short[] expAvg, int mo,
            short[] expAvgSq, int vo, short[] maxExpAvgSq, int xo, int bound) {
        final Constants c = new Constants(h, negStepSize, bc2Sqrt, gradScale);
        final float gradMul = c.gradMul, wd = c.weightDecay, lerpCoef = c.lerpCoef, beta2 = c.beta2;
        final float oneMinusBeta2 = c.oneMinusBeta2, paramMul = c.paramMul, bc2 = c.bc2Sqrt, eps = c.eps;
        final float negStep = c.negStepSize;
        final boolean l2 = c.l2, fromGrad = !c.smallWeight, epsHat = c.epsHat, amsgrad = c.amsgrad;
        final int n = S.length();
        for (int i = 0; i < bound; i += n) {
            FloatVector p = ((IntVector) ShortVector.fromArray(H, param, po + i).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector g0 = ((IntVector) ShortVector.fromArray(H, grad, go + i).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector m0 = ((IntVector) ShortVector.fromArray(H, expAvg, mo + i).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector v0 = ((IntVector) ShortVector.fromArray(H, expAvgSq, vo + i).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector gs = g0.mul(gradMul);
            FloatVector g = gs.blend(p.lanewise(FMA, wd, gs), S.maskAll(l2));
            FloatVector m = g.sub(m0).lanewise(NEG, S.maskAll(fromGrad)).lanewise(FMA, lerpCoef, m0.blend(g, S.maskAll(fromGrad)));
            FloatVector v = g.mul(oneMinusBeta2).lanewise(FMA, g, v0.mul(beta2));
            FloatVector u = v;
            if (amsgrad) {
                FloatVector x0 = ((IntVector) ShortVector.fromArray(H, maxExpAvgSq, xo + i).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
                u = x0.max(v);
                IntVector nub = u.reinterpretAsInts(), nut = nub.lanewise(LSHR, 16);
                ShortVector nu = (ShortVector) nub.add(nut.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nut.or(0x0040), nub.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
                nu.intoArray(maxExpAvgSq, xo + i);
            }
            FloatVector root = u.sqrt();
            FloatVector pn = p.mul(paramMul).add(m.mul(negStep).div((epsHat ? root : root.div(bc2)).add(eps)));
            IntVector npb = pn.reinterpretAsInts(), npt = npb.lanewise(LSHR, 16);
            ShortVector np = (ShortVector) npb.add(npt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(npt.or(0x0040), npb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
            np.intoArray(param, po + i);
            IntVector nmb = m.reinterpretAsInts(), nmt = nmb.lanewise(LSHR, 16);
            ShortVector nm = (ShortVector) nmb.add(nmt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nmt.or(0x0040), nmb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
            nm.intoArray(expAvg, mo + i);
            IntVector nvb = v.reinterpretAsInts(), nvt = nvb.lanewise(LSHR, 16);
            ShortVector nv = (ShortVector) nvb.add(nvt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nvt.or(0x0040), nvb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
            nv.intoArray(expAvgSq, vo + i);
        }
    }

    /** bf16 parameters, gradients and state, over segments; offsets in bytes, {@code bound} in elements. */
    private static void bf16(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long bound) {
        final Constants c = new Constants(h, negStepSize, bc2Sqrt, gradScale);
        final float gradMul = c.gradMul, wd = c.weightDecay, lerpCoef = c.lerpCoef, beta2 = c.beta2;
        final float oneMinusBeta2 = c.oneMinusBeta2, paramMul = c.paramMul, bc2 = c.bc2Sqrt, eps = c.eps;
        final float negStep = c.negStepSize;
        final boolean l2 = c.l2, fromGrad = !c.smallWeight, epsHat = c.epsHat, amsgrad = c.amsgrad;
        final long n = S.length();
        for (long i = 0; i < bound; i += n) {
            long so = i * Short.BYTES;
            FloatVector p = ((IntVector) ShortVector.fromMemorySegment(H, param, po + so, NATIVE).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector g0 = ((IntVector) ShortVector.fromMemorySegment(H, grad, go + so, NATIVE).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector m0 = ((IntVector) ShortVector.fromMemorySegment(H, expAvg, mo + so, NATIVE).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector v0 = ((IntVector) ShortVector.fromMemorySegment(H, expAvgSq, vo + so, NATIVE).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector gs = g0.mul(gradMul);
            FloatVector g = gs.blend(p.lanewise(FMA, wd, gs), S.maskAll(l2));
            FloatVector m = g.sub(m0).lanewise(NEG, S.maskAll(fromGrad)).lanewise(FMA, lerpCoef, m0.blend(g, S.maskAll(fromGrad)));
            FloatVector v = g.mul(oneMinusBeta2).lanewise(FMA, g, v0.mul(beta2));
            FloatVector u = v;
            if (amsgrad) {
                FloatVector x0 = ((IntVector) ShortVector.fromMemorySegment(H, maxExpAvgSq, xo + so, NATIVE).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
                u = x0.max(v);
                IntVector nub = u.reinterpretAsInts(), nut = nub.lanewise(LSHR, 16);
                ShortVector nu = (ShortVector) nub.add(nut.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nut.or(0x0040), nub.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
                nu.intoMemorySegment(maxExpAvgSq, xo + so, NATIVE);
            }
            FloatVector root = u.sqrt();
            FloatVector pn = p.mul(paramMul).add(m.mul(negStep).div((epsHat ? root : root.div(bc2)).add(eps)));
            IntVector npb = pn.reinterpretAsInts(), npt = npb.lanewise(LSHR, 16);
            ShortVector np = (ShortVector) npb.add(npt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(npt.or(0x0040), npb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
            np.intoMemorySegment(param, po + so, NATIVE);
            IntVector nmb = m.reinterpretAsInts(), nmt = nmb.lanewise(LSHR, 16);
            ShortVector nm = (ShortVector) nmb.add(nmt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nmt.or(0x0040), nmb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
            nm.intoMemorySegment(expAvg, mo + so, NATIVE);
            IntVector nvb = v.reinterpretAsInts(), nvt = nvb.lanewise(LSHR, 16);
            ShortVector nv = (ShortVector) nvb.add(nvt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nvt.or(0x0040), nvb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
            nv.intoMemorySegment(expAvgSq, vo + so, NATIVE);
        }
    }

    /** f32 parameters and gradients, bf16 moments, over arrays; {@code bound} in elements. */
    private static void bf16Moments(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
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
            FloatVector g0 = FloatVector.fromArray(S, grad, go + i);
            FloatVector m0 = ((IntVector) ShortVector.fromArray(H, expAvg, mo + i).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector v0 = ((IntVector) ShortVector.fromArray(H, expAvgSq, vo + i).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector gs = g0.mul(gradMul);
            FloatVector g = gs.blend(p.lanewise(FMA, wd, gs), S.maskAll(l2));
            FloatVector m = g.sub(m0).lanewise(NEG, S.maskAll(fromGrad)).lanewise(FMA, lerpCoef, m0.blend(g, S.maskAll(fromGrad)));
            FloatVector v = g.mul(oneMinusBeta2).lanewise(FMA, g, v0.mul(beta2));
            FloatVector u = v;
            if (amsgrad) {
                FloatVector x0 = ((IntVector) ShortVector.fromArray(H, maxExpAvgSq, xo + i).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
                u = x0.max(v);
                IntVector nub = u.reinterpretAsInts(), nut = nub.lanewise(LSHR, 16);
                ShortVector nu = (ShortVector) nub.add(nut.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nut.or(0x0040), nub.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
                nu.intoArray(maxExpAvgSq, xo + i);
            }
            FloatVector root = u.sqrt();
            FloatVector pn = p.mul(paramMul).add(m.mul(negStep).div((epsHat ? root : root.div(bc2)).add(eps)));
            pn.intoArray(param, po + i);
            IntVector nmb = m.reinterpretAsInts(), nmt = nmb.lanewise(LSHR, 16);
            ShortVector nm = (ShortVector) nmb.add(nmt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nmt.or(0x0040), nmb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
            nm.intoArray(expAvg, mo + i);
            IntVector nvb = v.reinterpretAsInts(), nvt = nvb.lanewise(LSHR, 16);
            ShortVector nv = (ShortVector) nvb.add(nvt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nvt.or(0x0040), nvb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
            nv.intoArray(expAvgSq, vo + i);
        }
    }

    /** f32 parameters and gradients, bf16 moments, over segments; offsets in bytes, {@code bound} in elements. */
    private static void bf16Moments(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long bound) {
        final Constants c = new Constants(h, negStepSize, bc2Sqrt, gradScale);
        final float gradMul = c.gradMul, wd = c.weightDecay, lerpCoef = c.lerpCoef, beta2 = c.beta2;
        final float oneMinusBeta2 = c.oneMinusBeta2, paramMul = c.paramMul, bc2 = c.bc2Sqrt, eps = c.eps;
        final float negStep = c.negStepSize;
        final boolean l2 = c.l2, fromGrad = !c.smallWeight, epsHat = c.epsHat, amsgrad = c.amsgrad;
        final long n = S.length();
        for (long i = 0; i < bound; i += n) {
            long so = i * Short.BYTES, fo = i * Float.BYTES;
            FloatVector p = FloatVector.fromMemorySegment(S, param, po + fo, NATIVE);
            FloatVector g0 = FloatVector.fromMemorySegment(S, grad, go + fo, NATIVE);
            FloatVector m0 = ((IntVector) ShortVector.fromMemorySegment(H, expAvg, mo + so, NATIVE).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector v0 = ((IntVector) ShortVector.fromMemorySegment(H, expAvgSq, vo + so, NATIVE).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector gs = g0.mul(gradMul);
            FloatVector g = gs.blend(p.lanewise(FMA, wd, gs), S.maskAll(l2));
            FloatVector m = g.sub(m0).lanewise(NEG, S.maskAll(fromGrad)).lanewise(FMA, lerpCoef, m0.blend(g, S.maskAll(fromGrad)));
            FloatVector v = g.mul(oneMinusBeta2).lanewise(FMA, g, v0.mul(beta2));
            FloatVector u = v;
            if (amsgrad) {
                FloatVector x0 = ((IntVector) ShortVector.fromMemorySegment(H, maxExpAvgSq, xo + so, NATIVE).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
                u = x0.max(v);
                IntVector nub = u.reinterpretAsInts(), nut = nub.lanewise(LSHR, 16);
                ShortVector nu = (ShortVector) nub.add(nut.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nut.or(0x0040), nub.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
                nu.intoMemorySegment(maxExpAvgSq, xo + so, NATIVE);
            }
            FloatVector root = u.sqrt();
            FloatVector pn = p.mul(paramMul).add(m.mul(negStep).div((epsHat ? root : root.div(bc2)).add(eps)));
            pn.intoMemorySegment(param, po + fo, NATIVE);
            IntVector nmb = m.reinterpretAsInts(), nmt = nmb.lanewise(LSHR, 16);
            ShortVector nm = (ShortVector) nmb.add(nmt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nmt.or(0x0040), nmb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
            nm.intoMemorySegment(expAvg, mo + so, NATIVE);
            IntVector nvb = v.reinterpretAsInts(), nvt = nvb.lanewise(LSHR, 16);
            ShortVector nv = (ShortVector) nvb.add(nvt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nvt.or(0x0040), nvb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
            nv.intoMemorySegment(expAvgSq, vo + so, NATIVE);
        }
    }

    /** split bf16 parameters (high and low halves of f32 master weights), bf16 gradients, f32 moments, over arrays; {@code bound} in elements. */
    private static void bf16Split(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            short[] param, int po, short[] paramLow, int lo, short[] grad, int go, float[] expAvg, int mo,
            float[] expAvgSq, int vo, float[] maxExpAvgSq, int xo, int bound) {
        final Constants c = new Constants(h, negStepSize, bc2Sqrt, gradScale);
        final float gradMul = c.gradMul, wd = c.weightDecay, lerpCoef = c.lerpCoef, beta2 = c.beta2;
        final float oneMinusBeta2 = c.oneMinusBeta2, paramMul = c.paramMul, bc2 = c.bc2Sqrt, eps = c.eps;
        final float negStep = c.negStepSize;
        final boolean l2 = c.l2, fromGrad = !c.smallWeight, epsHat = c.epsHat, amsgrad = c.amsgrad;
        final int n = S.length();
        for (int i = 0; i < bound; i += n) {
            FloatVector p = ((IntVector) ShortVector.fromArray(H, param, po + i).convertShape(S2I, I, 0)).lanewise(LSHL, 16).or(((IntVector) ShortVector.fromArray(H, paramLow, lo + i).convertShape(S2I, I, 0)).and(0xFFFF)).reinterpretAsFloats();
            FloatVector g0 = ((IntVector) ShortVector.fromArray(H, grad, go + i).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector m0 = FloatVector.fromArray(S, expAvg, mo + i);
            FloatVector v0 = FloatVector.fromArray(S, expAvgSq, vo + i);
            FloatVector gs = g0.mul(gradMul);
            FloatVector g = gs.blend(p.lanewise(FMA, wd, gs), S.maskAll(l2));
            FloatVector m = g.sub(m0).lanewise(NEG, S.maskAll(fromGrad)).lanewise(FMA, lerpCoef, m0.blend(g, S.maskAll(fromGrad)));
            FloatVector v = g.mul(oneMinusBeta2).lanewise(FMA, g, v0.mul(beta2));
            FloatVector u = v;
            if (amsgrad) {
                u = FloatVector.fromArray(S, maxExpAvgSq, xo + i).max(v);
                u.intoArray(maxExpAvgSq, xo + i);
            }
            FloatVector root = u.sqrt();
            FloatVector pn = p.mul(paramMul).add(m.mul(negStep).div((epsHat ? root : root.div(bc2)).add(eps)));
            IntVector npb = pn.reinterpretAsInts(), npt = npb.lanewise(LSHR, 16);
            ShortVector np = (ShortVector) npt.blend(npt.or(0x0040), npb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
            ShortVector nl = (ShortVector) npb.convertShape(I2S, H, 0);
            np.intoArray(param, po + i);
            nl.intoArray(paramLow, lo + i);
            m.intoArray(expAvg, mo + i);
            v.intoArray(expAvgSq, vo + i);
        }
    }

    /** split bf16 parameters (high and low halves of f32 master weights), bf16 gradients, f32 moments, over segments; offsets in bytes, {@code bound} in elements. */
    private static void bf16Split(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment paramLow, long lo, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long bound) {
        final Constants c = new Constants(h, negStepSize, bc2Sqrt, gradScale);
        final float gradMul = c.gradMul, wd = c.weightDecay, lerpCoef = c.lerpCoef, beta2 = c.beta2;
        final float oneMinusBeta2 = c.oneMinusBeta2, paramMul = c.paramMul, bc2 = c.bc2Sqrt, eps = c.eps;
        final float negStep = c.negStepSize;
        final boolean l2 = c.l2, fromGrad = !c.smallWeight, epsHat = c.epsHat, amsgrad = c.amsgrad;
        final long n = S.length();
        for (long i = 0; i < bound; i += n) {
            long so = i * Short.BYTES, fo = i * Float.BYTES;
            FloatVector p = ((IntVector) ShortVector.fromMemorySegment(H, param, po + so, NATIVE).convertShape(S2I, I, 0)).lanewise(LSHL, 16).or(((IntVector) ShortVector.fromMemorySegment(H, paramLow, lo + so, NATIVE).convertShape(S2I, I, 0)).and(0xFFFF)).reinterpretAsFloats();
            FloatVector g0 = ((IntVector) ShortVector.fromMemorySegment(H, grad, go + so, NATIVE).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector m0 = FloatVector.fromMemorySegment(S, expAvg, mo + fo, NATIVE);
            FloatVector v0 = FloatVector.fromMemorySegment(S, expAvgSq, vo + fo, NATIVE);
            FloatVector gs = g0.mul(gradMul);
            FloatVector g = gs.blend(p.lanewise(FMA, wd, gs), S.maskAll(l2));
            FloatVector m = g.sub(m0).lanewise(NEG, S.maskAll(fromGrad)).lanewise(FMA, lerpCoef, m0.blend(g, S.maskAll(fromGrad)));
            FloatVector v = g.mul(oneMinusBeta2).lanewise(FMA, g, v0.mul(beta2));
            FloatVector u = v;
            if (amsgrad) {
                u = FloatVector.fromMemorySegment(S, maxExpAvgSq, xo + fo, NATIVE).max(v);
                u.intoMemorySegment(maxExpAvgSq, xo + fo, NATIVE);
            }
            FloatVector root = u.sqrt();
            FloatVector pn = p.mul(paramMul).add(m.mul(negStep).div((epsHat ? root : root.div(bc2)).add(eps)));
            IntVector npb = pn.reinterpretAsInts(), npt = npb.lanewise(LSHR, 16);
            ShortVector np = (ShortVector) npt.blend(npt.or(0x0040), npb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
            ShortVector nl = (ShortVector) npb.convertShape(I2S, H, 0);
            np.intoMemorySegment(param, po + so, NATIVE);
            nl.intoMemorySegment(paramLow, lo + so, NATIVE);
            m.intoMemorySegment(expAvg, mo + fo, NATIVE);
            v.intoMemorySegment(expAvgSq, vo + fo, NATIVE);
        }
    }

    /** bf16 parameters, gradients and state, the parameter rounded stochastically, over arrays; {@code bound} in elements. */
    private static void bf16Stochastic(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            int key, long indexBase,
            short[] param, int po, short[] grad, int go, short[] expAvg, int mo,
            short[] expAvgSq, int vo, short[] maxExpAvgSq, int xo, int bound) {
        final Constants c = new Constants(h, negStepSize, bc2Sqrt, gradScale);
        final float gradMul = c.gradMul, wd = c.weightDecay, lerpCoef = c.lerpCoef, beta2 = c.beta2;
        final float oneMinusBeta2 = c.oneMinusBeta2, paramMul = c.paramMul, bc2 = c.bc2Sqrt, eps = c.eps;
        final float negStep = c.negStepSize;
        final boolean l2 = c.l2, fromGrad = !c.smallWeight, epsHat = c.epsHat, amsgrad = c.amsgrad;
        final IntVector iota = IntVector.zero(I).addIndex(1);
        final int n = S.length();
        for (int i = 0; i < bound; i += n) {
            FloatVector p = ((IntVector) ShortVector.fromArray(H, param, po + i).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector g0 = ((IntVector) ShortVector.fromArray(H, grad, go + i).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector m0 = ((IntVector) ShortVector.fromArray(H, expAvg, mo + i).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector v0 = ((IntVector) ShortVector.fromArray(H, expAvgSq, vo + i).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector gs = g0.mul(gradMul);
            FloatVector g = gs.blend(p.lanewise(FMA, wd, gs), S.maskAll(l2));
            FloatVector m = g.sub(m0).lanewise(NEG, S.maskAll(fromGrad)).lanewise(FMA, lerpCoef, m0.blend(g, S.maskAll(fromGrad)));
            FloatVector v = g.mul(oneMinusBeta2).lanewise(FMA, g, v0.mul(beta2));
            FloatVector u = v;
            if (amsgrad) {
                FloatVector x0 = ((IntVector) ShortVector.fromArray(H, maxExpAvgSq, xo + i).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
                u = x0.max(v);
                IntVector nub = u.reinterpretAsInts(), nut = nub.lanewise(LSHR, 16);
                ShortVector nu = (ShortVector) nub.add(nut.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nut.or(0x0040), nub.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
                nu.intoArray(maxExpAvgSq, xo + i);
            }
            FloatVector root = u.sqrt();
            FloatVector pn = p.mul(paramMul).add(m.mul(negStep).div((epsHat ? root : root.div(bc2)).add(eps)));
            IntVector rx = iota.add((int) (indexBase + i)).mul(INDEX_MUL).lanewise(XOR, key);
            IntVector r1 = rx.lanewise(LSHR, 16).lanewise(XOR, rx).mul(FMIX_1);
            IntVector r2 = r1.lanewise(LSHR, 13).lanewise(XOR, r1).mul(FMIX_2);
            IntVector rr = r2.lanewise(LSHR, 16).lanewise(XOR, r2).and(0xFFFF);
            IntVector npb = pn.reinterpretAsInts(), npt = npb.lanewise(LSHR, 16);
            ShortVector np = (ShortVector) npb.add(rr).lanewise(LSHR, 16).blend(npt.or(0x0040), npb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
            np.intoArray(param, po + i);
            IntVector nmb = m.reinterpretAsInts(), nmt = nmb.lanewise(LSHR, 16);
            ShortVector nm = (ShortVector) nmb.add(nmt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nmt.or(0x0040), nmb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
            nm.intoArray(expAvg, mo + i);
            IntVector nvb = v.reinterpretAsInts(), nvt = nvb.lanewise(LSHR, 16);
            ShortVector nv = (ShortVector) nvb.add(nvt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nvt.or(0x0040), nvb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
            nv.intoArray(expAvgSq, vo + i);
        }
    }

    /** bf16 parameters, gradients and state, the parameter rounded stochastically, over segments; offsets in bytes, {@code bound} in elements. */
    private static void bf16Stochastic(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            int key, long indexBase,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long bound) {
        final Constants c = new Constants(h, negStepSize, bc2Sqrt, gradScale);
        final float gradMul = c.gradMul, wd = c.weightDecay, lerpCoef = c.lerpCoef, beta2 = c.beta2;
        final float oneMinusBeta2 = c.oneMinusBeta2, paramMul = c.paramMul, bc2 = c.bc2Sqrt, eps = c.eps;
        final float negStep = c.negStepSize;
        final boolean l2 = c.l2, fromGrad = !c.smallWeight, epsHat = c.epsHat, amsgrad = c.amsgrad;
        final IntVector iota = IntVector.zero(I).addIndex(1);
        final long n = S.length();
        for (long i = 0; i < bound; i += n) {
            long so = i * Short.BYTES;
            FloatVector p = ((IntVector) ShortVector.fromMemorySegment(H, param, po + so, NATIVE).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector g0 = ((IntVector) ShortVector.fromMemorySegment(H, grad, go + so, NATIVE).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector m0 = ((IntVector) ShortVector.fromMemorySegment(H, expAvg, mo + so, NATIVE).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector v0 = ((IntVector) ShortVector.fromMemorySegment(H, expAvgSq, vo + so, NATIVE).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
            FloatVector gs = g0.mul(gradMul);
            FloatVector g = gs.blend(p.lanewise(FMA, wd, gs), S.maskAll(l2));
            FloatVector m = g.sub(m0).lanewise(NEG, S.maskAll(fromGrad)).lanewise(FMA, lerpCoef, m0.blend(g, S.maskAll(fromGrad)));
            FloatVector v = g.mul(oneMinusBeta2).lanewise(FMA, g, v0.mul(beta2));
            FloatVector u = v;
            if (amsgrad) {
                FloatVector x0 = ((IntVector) ShortVector.fromMemorySegment(H, maxExpAvgSq, xo + so, NATIVE).convertShape(S2I, I, 0)).lanewise(LSHL, 16).reinterpretAsFloats();
                u = x0.max(v);
                IntVector nub = u.reinterpretAsInts(), nut = nub.lanewise(LSHR, 16);
                ShortVector nu = (ShortVector) nub.add(nut.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nut.or(0x0040), nub.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
                nu.intoMemorySegment(maxExpAvgSq, xo + so, NATIVE);
            }
            FloatVector root = u.sqrt();
            FloatVector pn = p.mul(paramMul).add(m.mul(negStep).div((epsHat ? root : root.div(bc2)).add(eps)));
            IntVector rx = iota.add((int) (indexBase + i)).mul(INDEX_MUL).lanewise(XOR, key);
            IntVector r1 = rx.lanewise(LSHR, 16).lanewise(XOR, rx).mul(FMIX_1);
            IntVector r2 = r1.lanewise(LSHR, 13).lanewise(XOR, r1).mul(FMIX_2);
            IntVector rr = r2.lanewise(LSHR, 16).lanewise(XOR, r2).and(0xFFFF);
            IntVector npb = pn.reinterpretAsInts(), npt = npb.lanewise(LSHR, 16);
            ShortVector np = (ShortVector) npb.add(rr).lanewise(LSHR, 16).blend(npt.or(0x0040), npb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
            np.intoMemorySegment(param, po + so, NATIVE);
            IntVector nmb = m.reinterpretAsInts(), nmt = nmb.lanewise(LSHR, 16);
            ShortVector nm = (ShortVector) nmb.add(nmt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nmt.or(0x0040), nmb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
            nm.intoMemorySegment(expAvg, mo + so, NATIVE);
            IntVector nvb = v.reinterpretAsInts(), nvt = nvb.lanewise(LSHR, 16);
            ShortVector nv = (ShortVector) nvb.add(nvt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nvt.or(0x0040), nvb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).convertShape(I2S, H, 0);
            nv.intoMemorySegment(expAvgSq, vo + so, NATIVE);
        }
    }
    // END GENERATED
}
