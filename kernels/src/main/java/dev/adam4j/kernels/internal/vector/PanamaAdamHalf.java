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
 * <p><b>bf16</b>: all-bf16 buffers are stepped by pairs: a full-width 16-bit load, reinterpreted as 32-bit
 * lanes, holds an even element in each lane's low half and an odd one in its high half; a shift and a
 * mask widen the two halves to f32 without moving data across lanes, the steps run on both, and the two
 * narrowed halves are or-ed back into one full-width store (1.2× faster than converting between half-
 * and full-width vectors, 143 vs 172 µs a 65,536-element step on this AVX2 machine, 3 alternating runs).
 * The other layouts load as many 16-bit elements as an f32 vector has lanes (a vector of half the
 * width) and widen them to f32 in integer lanes (sign-extend to 32 bits, shift left 16). All run
 * {@link PanamaAdamF32}'s steps and narrow the results with the integer arithmetic of
 * {@link dev.adam4j.kernels.ReducedFloats} (add {@code 0x7FFF} plus the lowest kept bit, shift right 16:
 * round to nearest even; a NaN keeps its top bits, made quiet). Split bf16 master weights join the two
 * halves by a shift and an or, run {@link PanamaAdamF32}'s steps on f32 moments and split the result
 * back (high half quiet for a NaN); stochastic rounding computes
 * {@link dev.adam4j.kernels.StochasticRounding}'s hash in integer lanes and adds its 16 bits before the
 * shift.
 *
 * <p><b>f16</b> goes to {@link F16Blocks}: the JDK 25 Vector API has no half-float conversion, and the
 * same conversions in integer lanes made the fused loop 3.4× slower (420–450 vs 125 µs a 65,536-element
 * step) than converting block by block with the CPU's own instructions.
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
    /** Full-width 16-bit vectors: the all-bf16 loop steps their even and odd elements as two f32 vectors. */
    static final VectorSpecies<Short> HW = VectorSpecies.of(short.class, S.vectorShape());
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
        int bound = HW.loopBound(length);
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
        long bound = HW.loopBound(length);
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
    /** bf16 parameters, gradients and state, by even/odd pairs, over arrays; {@code bound} in elements, a multiple of {@code HW.length()}. */
    private static void bf16(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            short[] param, int po, short[] grad, int go, short[] expAvg, int mo,
            short[] expAvgSq, int vo, short[] maxExpAvgSq, int xo, int bound) {
        final Constants c = new Constants(h, negStepSize, bc2Sqrt, gradScale);
        final float gradMul = c.gradMul, wd = c.weightDecay, lerpCoef = c.lerpCoef, beta2 = c.beta2;
        final float oneMinusBeta2 = c.oneMinusBeta2, paramMul = c.paramMul, bc2 = c.bc2Sqrt, eps = c.eps;
        final float negStep = c.negStepSize;
        final boolean l2 = c.l2, fromGrad = !c.smallWeight, epsHat = c.epsHat, amsgrad = c.amsgrad;
        final int n = HW.length();
        for (int i = 0; i < bound; i += n) {
            IntVector pw = ShortVector.fromArray(HW, param, po + i).reinterpretAsInts();
            FloatVector pE = pw.lanewise(LSHL, 16).reinterpretAsFloats(), pO = pw.and(0xFFFF_0000).reinterpretAsFloats();
            IntVector g0w = ShortVector.fromArray(HW, grad, go + i).reinterpretAsInts();
            FloatVector g0E = g0w.lanewise(LSHL, 16).reinterpretAsFloats(), g0O = g0w.and(0xFFFF_0000).reinterpretAsFloats();
            IntVector m0w = ShortVector.fromArray(HW, expAvg, mo + i).reinterpretAsInts();
            FloatVector m0E = m0w.lanewise(LSHL, 16).reinterpretAsFloats(), m0O = m0w.and(0xFFFF_0000).reinterpretAsFloats();
            IntVector v0w = ShortVector.fromArray(HW, expAvgSq, vo + i).reinterpretAsInts();
            FloatVector v0E = v0w.lanewise(LSHL, 16).reinterpretAsFloats(), v0O = v0w.and(0xFFFF_0000).reinterpretAsFloats();
            FloatVector gsE = g0E.mul(gradMul);
            FloatVector gE = gsE.blend(pE.lanewise(FMA, wd, gsE), S.maskAll(l2));
            FloatVector mE = gE.sub(m0E).lanewise(NEG, S.maskAll(fromGrad)).lanewise(FMA, lerpCoef, m0E.blend(gE, S.maskAll(fromGrad)));
            FloatVector vE = gE.mul(oneMinusBeta2).lanewise(FMA, gE, v0E.mul(beta2));
            FloatVector gsO = g0O.mul(gradMul);
            FloatVector gO = gsO.blend(pO.lanewise(FMA, wd, gsO), S.maskAll(l2));
            FloatVector mO = gO.sub(m0O).lanewise(NEG, S.maskAll(fromGrad)).lanewise(FMA, lerpCoef, m0O.blend(gO, S.maskAll(fromGrad)));
            FloatVector vO = gO.mul(oneMinusBeta2).lanewise(FMA, gO, v0O.mul(beta2));
            FloatVector uE = vE, uO = vO;
            if (amsgrad) {
                IntVector xw = ShortVector.fromArray(HW, maxExpAvgSq, xo + i).reinterpretAsInts();
                uE = xw.lanewise(LSHL, 16).reinterpretAsFloats().max(vE);
                uO = xw.and(0xFFFF_0000).reinterpretAsFloats().max(vO);
                IntVector nuEb = uE.reinterpretAsInts(), nuEt = nuEb.lanewise(LSHR, 16);
                IntVector nuOb = uO.reinterpretAsInts(), nuOt = nuOb.lanewise(LSHR, 16);
                IntVector nu = nuEb.add(nuEt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nuEt.or(0x0040), nuEb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).or(nuOb.add(nuOt.and(1)).add(0x7FFF).and(0xFFFF_0000).blend(nuOb.and(0xFFFF_0000).or(0x0040_0000), nuOb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)));
                nu.reinterpretAsShorts().intoArray(maxExpAvgSq, xo + i);
            }
            FloatVector rootE = uE.sqrt();
            FloatVector pnE = pE.mul(paramMul).add(mE.mul(negStep).div((epsHat ? rootE : rootE.div(bc2)).add(eps)));
            FloatVector rootO = uO.sqrt();
            FloatVector pnO = pO.mul(paramMul).add(mO.mul(negStep).div((epsHat ? rootO : rootO.div(bc2)).add(eps)));
            IntVector npEb = pnE.reinterpretAsInts(), npEt = npEb.lanewise(LSHR, 16);
            IntVector npOb = pnO.reinterpretAsInts(), npOt = npOb.lanewise(LSHR, 16);
            IntVector np = npEb.add(npEt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(npEt.or(0x0040), npEb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).or(npOb.add(npOt.and(1)).add(0x7FFF).and(0xFFFF_0000).blend(npOb.and(0xFFFF_0000).or(0x0040_0000), npOb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)));
            np.reinterpretAsShorts().intoArray(param, po + i);
            IntVector nmEb = mE.reinterpretAsInts(), nmEt = nmEb.lanewise(LSHR, 16);
            IntVector nmOb = mO.reinterpretAsInts(), nmOt = nmOb.lanewise(LSHR, 16);
            IntVector nm = nmEb.add(nmEt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nmEt.or(0x0040), nmEb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).or(nmOb.add(nmOt.and(1)).add(0x7FFF).and(0xFFFF_0000).blend(nmOb.and(0xFFFF_0000).or(0x0040_0000), nmOb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)));
            nm.reinterpretAsShorts().intoArray(expAvg, mo + i);
            IntVector nvEb = vE.reinterpretAsInts(), nvEt = nvEb.lanewise(LSHR, 16);
            IntVector nvOb = vO.reinterpretAsInts(), nvOt = nvOb.lanewise(LSHR, 16);
            IntVector nv = nvEb.add(nvEt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nvEt.or(0x0040), nvEb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).or(nvOb.add(nvOt.and(1)).add(0x7FFF).and(0xFFFF_0000).blend(nvOb.and(0xFFFF_0000).or(0x0040_0000), nvOb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)));
            nv.reinterpretAsShorts().intoArray(expAvgSq, vo + i);
        }
    }

    /** bf16 parameters, gradients and state, by even/odd pairs, over segments; offsets in bytes, {@code bound} in elements, a multiple of {@code HW.length()}. */
    private static void bf16(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long bound) {
        final Constants c = new Constants(h, negStepSize, bc2Sqrt, gradScale);
        final float gradMul = c.gradMul, wd = c.weightDecay, lerpCoef = c.lerpCoef, beta2 = c.beta2;
        final float oneMinusBeta2 = c.oneMinusBeta2, paramMul = c.paramMul, bc2 = c.bc2Sqrt, eps = c.eps;
        final float negStep = c.negStepSize;
        final boolean l2 = c.l2, fromGrad = !c.smallWeight, epsHat = c.epsHat, amsgrad = c.amsgrad;
        final long n = HW.length();
        for (long i = 0; i < bound; i += n) {
            long so = i * Short.BYTES;
            IntVector pw = ShortVector.fromMemorySegment(HW, param, po + so, NATIVE).reinterpretAsInts();
            FloatVector pE = pw.lanewise(LSHL, 16).reinterpretAsFloats(), pO = pw.and(0xFFFF_0000).reinterpretAsFloats();
            IntVector g0w = ShortVector.fromMemorySegment(HW, grad, go + so, NATIVE).reinterpretAsInts();
            FloatVector g0E = g0w.lanewise(LSHL, 16).reinterpretAsFloats(), g0O = g0w.and(0xFFFF_0000).reinterpretAsFloats();
            IntVector m0w = ShortVector.fromMemorySegment(HW, expAvg, mo + so, NATIVE).reinterpretAsInts();
            FloatVector m0E = m0w.lanewise(LSHL, 16).reinterpretAsFloats(), m0O = m0w.and(0xFFFF_0000).reinterpretAsFloats();
            IntVector v0w = ShortVector.fromMemorySegment(HW, expAvgSq, vo + so, NATIVE).reinterpretAsInts();
            FloatVector v0E = v0w.lanewise(LSHL, 16).reinterpretAsFloats(), v0O = v0w.and(0xFFFF_0000).reinterpretAsFloats();
            FloatVector gsE = g0E.mul(gradMul);
            FloatVector gE = gsE.blend(pE.lanewise(FMA, wd, gsE), S.maskAll(l2));
            FloatVector mE = gE.sub(m0E).lanewise(NEG, S.maskAll(fromGrad)).lanewise(FMA, lerpCoef, m0E.blend(gE, S.maskAll(fromGrad)));
            FloatVector vE = gE.mul(oneMinusBeta2).lanewise(FMA, gE, v0E.mul(beta2));
            FloatVector gsO = g0O.mul(gradMul);
            FloatVector gO = gsO.blend(pO.lanewise(FMA, wd, gsO), S.maskAll(l2));
            FloatVector mO = gO.sub(m0O).lanewise(NEG, S.maskAll(fromGrad)).lanewise(FMA, lerpCoef, m0O.blend(gO, S.maskAll(fromGrad)));
            FloatVector vO = gO.mul(oneMinusBeta2).lanewise(FMA, gO, v0O.mul(beta2));
            FloatVector uE = vE, uO = vO;
            if (amsgrad) {
                IntVector xw = ShortVector.fromMemorySegment(HW, maxExpAvgSq, xo + so, NATIVE).reinterpretAsInts();
                uE = xw.lanewise(LSHL, 16).reinterpretAsFloats().max(vE);
                uO = xw.and(0xFFFF_0000).reinterpretAsFloats().max(vO);
                IntVector nuEb = uE.reinterpretAsInts(), nuEt = nuEb.lanewise(LSHR, 16);
                IntVector nuOb = uO.reinterpretAsInts(), nuOt = nuOb.lanewise(LSHR, 16);
                IntVector nu = nuEb.add(nuEt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nuEt.or(0x0040), nuEb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).or(nuOb.add(nuOt.and(1)).add(0x7FFF).and(0xFFFF_0000).blend(nuOb.and(0xFFFF_0000).or(0x0040_0000), nuOb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)));
                nu.reinterpretAsShorts().intoMemorySegment(maxExpAvgSq, xo + so, NATIVE);
            }
            FloatVector rootE = uE.sqrt();
            FloatVector pnE = pE.mul(paramMul).add(mE.mul(negStep).div((epsHat ? rootE : rootE.div(bc2)).add(eps)));
            FloatVector rootO = uO.sqrt();
            FloatVector pnO = pO.mul(paramMul).add(mO.mul(negStep).div((epsHat ? rootO : rootO.div(bc2)).add(eps)));
            IntVector npEb = pnE.reinterpretAsInts(), npEt = npEb.lanewise(LSHR, 16);
            IntVector npOb = pnO.reinterpretAsInts(), npOt = npOb.lanewise(LSHR, 16);
            IntVector np = npEb.add(npEt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(npEt.or(0x0040), npEb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).or(npOb.add(npOt.and(1)).add(0x7FFF).and(0xFFFF_0000).blend(npOb.and(0xFFFF_0000).or(0x0040_0000), npOb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)));
            np.reinterpretAsShorts().intoMemorySegment(param, po + so, NATIVE);
            IntVector nmEb = mE.reinterpretAsInts(), nmEt = nmEb.lanewise(LSHR, 16);
            IntVector nmOb = mO.reinterpretAsInts(), nmOt = nmOb.lanewise(LSHR, 16);
            IntVector nm = nmEb.add(nmEt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nmEt.or(0x0040), nmEb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).or(nmOb.add(nmOt.and(1)).add(0x7FFF).and(0xFFFF_0000).blend(nmOb.and(0xFFFF_0000).or(0x0040_0000), nmOb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)));
            nm.reinterpretAsShorts().intoMemorySegment(expAvg, mo + so, NATIVE);
            IntVector nvEb = vE.reinterpretAsInts(), nvEt = nvEb.lanewise(LSHR, 16);
            IntVector nvOb = vO.reinterpretAsInts(), nvOt = nvOb.lanewise(LSHR, 16);
            IntVector nv = nvEb.add(nvEt.and(1)).add(0x7FFF).lanewise(LSHR, 16).blend(nvEt.or(0x0040), nvEb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)).or(nvOb.add(nvOt.and(1)).add(0x7FFF).and(0xFFFF_0000).blend(nvOb.and(0xFFFF_0000).or(0x0040_0000), nvOb.and(0x7FFF_FFFF).compare(GT, 0x7F80_0000)));
            nv.reinterpretAsShorts().intoMemorySegment(expAvgSq, vo + so, NATIVE);
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
