package dev.adam4j.kernels.internal.vector;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.EpsilonMode;
import dev.adam4j.kernels.WeightDecay;
import dev.adam4j.kernels.internal.ScalarAdamF32;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The f32 Adam step with the JDK Vector API: {@link ScalarAdamF32}'s order of operations, lane by
 * lane, in one pass over memory, with the tail finished by {@link ScalarAdamF32}. Bitwise identical
 * to it at every vector width (the tests check 128, 256 and 512 bits).
 *
 * <h2>One loop per memory pattern, flags as constants</h2>
 * The loop is chosen once per call by what changes the memory traffic (amsgrad reads and writes a
 * fifth buffer). Every other flag becomes a loop-invariant constant (a scalar operand or a mask),
 * through identities that are exact in IEEE arithmetic (round-to-nearest is symmetric in sign):
 * <ul>
 *   <li>gradScale and maximize: {@code g·s} with {@code s = ±gradScale}; {@code (−s)·g ≡ −(s·g)},
 *       and {@code 1·g ≡ g}.</li>
 *   <li>decoupled decay: {@code p·c} with {@code c = 1 − lr·wd}, or {@code c = 1} without it;
 *       {@code p·1 ≡ p}.</li>
 *   <li>L2: {@code fma(p, wd, g)} selected by an all-true or all-false lane mask, so without L2
 *       the lane keeps {@code g} untouched.</li>
 *   <li>lerp: {@code fma(c, g − m, base)} with {@code (c, base) = (w, m)} or {@code (w − 1, g)},
 *       the base picked by a constant mask (ATen's own formulation);
 *       {@code (w − 1)·d ≡ −((1 − w)·d)}.</li>
 *   <li>EPS_HAT: {@code sqrt(v)/1 ≡ sqrt(v)}.</li>
 * </ul>
 * These are exact for every non-NaN value; NaN stays NaN (payloads are unspecified, as in Java).
 */
final class PanamaAdamF32 {
    private PanamaAdamF32() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final long BYTES = Float.BYTES;

    static void step(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            float[] param, int po, float[] grad, int go, float[] expAvg, int mo,
            float[] expAvgSq, int vo, float[] maxExpAvgSq, int xo, int length) {
        int bound = S.loopBound(length);
        if (bound > 0) {
            loops(h, negStepSize, bc2Sqrt, gradScale, param, po, grad, go, expAvg, mo,
                    expAvgSq, vo, maxExpAvgSq, xo, bound);
        }
        if (bound < length) {
            ScalarAdamF32.step(h, negStepSize, bc2Sqrt, gradScale, param, po + bound, grad, go + bound,
                    expAvg, mo + bound, expAvgSq, vo + bound, maxExpAvgSq, xo + bound, length - bound);
        }
    }

    static void step(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        long bound = S.loopBound(length);
        if (bound > 0) {
            loops(h, negStepSize, bc2Sqrt, gradScale, param, po * BYTES, grad, go * BYTES,
                    expAvg, mo * BYTES, expAvgSq, vo * BYTES, maxExpAvgSq, xo * BYTES, bound * BYTES);
        }
        if (bound < length) {
            ScalarAdamF32.step(h, negStepSize, bc2Sqrt, gradScale, param, po + bound, grad, go + bound,
                    expAvg, mo + bound, expAvgSq, vo + bound, maxExpAvgSq, xo + bound, length - bound);
        }
    }

    // The steps of the contract on whole vectors. Small static methods that C2 inlines into the
    // loops. The per-call constants arrive as scalars and masks are made inside the loop: C2 hoists
    // them as loop invariants; vectors built before the loop would be boxed (allocated) per call.

    /** Steps 1–2: the gradient after scale and maximize ({@code gradMul}) and, under the mask, L2. */
    private static FloatVector gradient(FloatVector g, FloatVector p, float gradMul, float wd, boolean l2) {
        FloatVector gs = g.mul(gradMul);
        return gs.blend(p.lanewise(VectorOperators.FMA, wd, gs), S.maskAll(l2));
    }

    /** Step 3: {@code lerp(m, g, w)} as {@code fma(g − m, coef, base)}, base m or g by a constant mask. */
    private static FloatVector firstMoment(FloatVector m, FloatVector g, float lerpCoef, boolean lerpFromGrad) {
        return g.sub(m).lanewise(VectorOperators.FMA, lerpCoef, m.blend(g, S.maskAll(lerpFromGrad)));
    }

    /** Step 4: {@code fma((1 − β2)·g, g, v·β2)}. */
    private static FloatVector secondMoment(FloatVector v, FloatVector g, float beta2, float oneMinusBeta2) {
        return g.mul(oneMinusBeta2).lanewise(VectorOperators.FMA, g, v.mul(beta2));
    }

    /** Steps 6–7: the new parameter; {@code p} is already decayed, {@code u} is v or vmax. */
    private static FloatVector update(FloatVector p, FloatVector m, FloatVector u, float bc2, float eps, float negStep) {
        return p.add(m.mul(negStep).div(u.sqrt().div(bc2).add(eps)));
    }

    /** The vectorized part over arrays: {@code bound} elements, a multiple of the lane count. */
    private static void loops(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            float[] param, int po, float[] grad, int go, float[] expAvg, int mo,
            float[] expAvgSq, int vo, float[] maxExpAvgSq, int xo, int bound) {
        // Per-call constants (see the class documentation for each identity).
        final WeightDecay decay = h.effectiveWeightDecay();
        final float w = (float) (1.0 - h.beta1());
        final boolean smallWeight = Math.abs(w) < 0.5;
        final float gradMul = (float) (h.maximize() ? -gradScale : gradScale);
        final float paramMul = decay == WeightDecay.DECOUPLED ? (float) (1.0 - h.lr() * h.weightDecay()) : 1;
        final float wd = (float) h.weightDecay();
        final boolean l2 = decay == WeightDecay.L2;
        final float lerpCoef = smallWeight ? w : w - 1;
        final boolean lerpFromGrad = !smallWeight;
        final float beta2 = (float) h.beta2();
        final float oneMinusBeta2 = (float) (1.0 - h.beta2());
        final float bc2 = h.epsilonMode() == EpsilonMode.EPS_HAT ? 1 : (float) bc2Sqrt;
        final float eps = (float) h.eps();
        final float negStep = (float) negStepSize;

        if (h.amsgrad()) {
            for (int i = 0; i < bound; i += S.length()) {
                FloatVector p = FloatVector.fromArray(S, param, po + i);
                FloatVector g = gradient(FloatVector.fromArray(S, grad, go + i), p, gradMul, wd, l2);
                FloatVector m = firstMoment(FloatVector.fromArray(S, expAvg, mo + i), g, lerpCoef, lerpFromGrad);
                FloatVector v = secondMoment(FloatVector.fromArray(S, expAvgSq, vo + i), g, beta2, oneMinusBeta2);
                FloatVector u = FloatVector.fromArray(S, maxExpAvgSq, xo + i).max(v);
                update(p.mul(paramMul), m, u, bc2, eps, negStep).intoArray(param, po + i);
                m.intoArray(expAvg, mo + i);
                v.intoArray(expAvgSq, vo + i);
                u.intoArray(maxExpAvgSq, xo + i);
            }
        } else {
            for (int i = 0; i < bound; i += S.length()) {
                FloatVector p = FloatVector.fromArray(S, param, po + i);
                FloatVector g = gradient(FloatVector.fromArray(S, grad, go + i), p, gradMul, wd, l2);
                FloatVector m = firstMoment(FloatVector.fromArray(S, expAvg, mo + i), g, lerpCoef, lerpFromGrad);
                FloatVector v = secondMoment(FloatVector.fromArray(S, expAvgSq, vo + i), g, beta2, oneMinusBeta2);
                update(p.mul(paramMul), m, v, bc2, eps, negStep).intoArray(param, po + i);
                m.intoArray(expAvg, mo + i);
                v.intoArray(expAvgSq, vo + i);
            }
        }
    }

    /** The vectorized part over segments; offsets and {@code end} in bytes. */
    private static void loops(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long end) {
        final WeightDecay decay = h.effectiveWeightDecay();
        final float w = (float) (1.0 - h.beta1());
        final boolean smallWeight = Math.abs(w) < 0.5;
        final float gradMul = (float) (h.maximize() ? -gradScale : gradScale);
        final float paramMul = decay == WeightDecay.DECOUPLED ? (float) (1.0 - h.lr() * h.weightDecay()) : 1;
        final float wd = (float) h.weightDecay();
        final boolean l2 = decay == WeightDecay.L2;
        final float lerpCoef = smallWeight ? w : w - 1;
        final boolean lerpFromGrad = !smallWeight;
        final float beta2 = (float) h.beta2();
        final float oneMinusBeta2 = (float) (1.0 - h.beta2());
        final float bc2 = h.epsilonMode() == EpsilonMode.EPS_HAT ? 1 : (float) bc2Sqrt;
        final float eps = (float) h.eps();
        final float negStep = (float) negStepSize;
        final long stride = S.vectorByteSize();

        if (h.amsgrad()) {
            for (long i = 0; i < end; i += stride) {
                FloatVector p = FloatVector.fromMemorySegment(S, param, po + i, NATIVE);
                FloatVector g = gradient(FloatVector.fromMemorySegment(S, grad, go + i, NATIVE), p, gradMul, wd, l2);
                FloatVector m = firstMoment(FloatVector.fromMemorySegment(S, expAvg, mo + i, NATIVE), g, lerpCoef, lerpFromGrad);
                FloatVector v = secondMoment(FloatVector.fromMemorySegment(S, expAvgSq, vo + i, NATIVE), g, beta2, oneMinusBeta2);
                FloatVector u = FloatVector.fromMemorySegment(S, maxExpAvgSq, xo + i, NATIVE).max(v);
                update(p.mul(paramMul), m, u, bc2, eps, negStep).intoMemorySegment(param, po + i, NATIVE);
                m.intoMemorySegment(expAvg, mo + i, NATIVE);
                v.intoMemorySegment(expAvgSq, vo + i, NATIVE);
                u.intoMemorySegment(maxExpAvgSq, xo + i, NATIVE);
            }
        } else {
            for (long i = 0; i < end; i += stride) {
                FloatVector p = FloatVector.fromMemorySegment(S, param, po + i, NATIVE);
                FloatVector g = gradient(FloatVector.fromMemorySegment(S, grad, go + i, NATIVE), p, gradMul, wd, l2);
                FloatVector m = firstMoment(FloatVector.fromMemorySegment(S, expAvg, mo + i, NATIVE), g, lerpCoef, lerpFromGrad);
                FloatVector v = secondMoment(FloatVector.fromMemorySegment(S, expAvgSq, vo + i, NATIVE), g, beta2, oneMinusBeta2);
                update(p.mul(paramMul), m, v, bc2, eps, negStep).intoMemorySegment(param, po + i, NATIVE);
                m.intoMemorySegment(expAvg, mo + i, NATIVE);
                v.intoMemorySegment(expAvgSq, vo + i, NATIVE);
            }
        }
    }
}
