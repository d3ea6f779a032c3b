// GENERATED from PanamaAdamF32.java by F64Generator (kernels/src/test): do not edit.
package dev.adam4j.kernels.internal.vector;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.internal.AdamF64;
import dev.adam4j.kernels.internal.ScalarAdamF64;
import dev.adam4j.kernels.internal.ScalarAdamF64.Constants;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The f64 Adam step with the JDK Vector API: {@link ScalarAdamF64}'s order of operations, lane by
 * lane, in one pass over memory, with the tail finished by {@link ScalarAdamF64}. Bitwise identical
 * to it at every vector width (the tests check 128, 256 and 512 bits), for every input including
 * signed zeros, infinities and NaN (whose payloads Java leaves unspecified).
 *
 * <h2>One loop per memory pattern, flags as constants</h2>
 * The loop is chosen once per call by what changes the memory traffic (amsgrad reads and writes a
 * fifth buffer). Every other flag becomes a loop-invariant operand of {@link Constants} (the
 * specification's constants, computed in one place), through identities that are exact in IEEE
 * arithmetic for every value, zeros included (round-to-nearest is symmetric in sign):
 * <ul>
 *   <li>gradScale and maximize: {@code g·s} with {@code s = ±gradScale}; {@code (−s)·g ≡ −(s·g)},
 *       and {@code 1·g ≡ g}.</li>
 *   <li>decoupled decay: {@code p·c} with {@code c = 1 − lr·wd}, or {@code c = 1} without it;
 *       {@code p·1 ≡ p}.</li>
 *   <li>L2: {@code fma(p, wd, g)} selected by an all-true or all-false lane mask, so without L2
 *       the lane keeps {@code g} untouched.</li>
 *   <li>lerp: {@code fma(±(g − m), coef, base)} with {@code (+, w, m)} or {@code (−, 1 − w, g)},
 *       the sign and the base picked by constant masks: exactly the specification's two forms. (An
 *       earlier version used {@code (w − 1)·d} for {@code −((1 − w)·d)}, which differs in the sign
 *       of a zero result when β1 = 0.)</li>
 *   <li>EPS_HAT: {@code sqrt(v) + ε}, no division (a loop-invariant branch).</li>
 * </ul>
 * Constants are derived in one place ({@link Constants}) and copied into locals at the top of each
 * loop method, so the kernel allocates nothing (checked with JMH's {@code -prof gc}).
 */
enum PanamaAdamF64 implements AdamF64 {
    INSTANCE;

    static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final long BYTES = Double.BYTES;

    @Override
    public void step(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            double[] param, int po, double[] grad, int go, double[] expAvg, int mo,
            double[] expAvgSq, int vo, double[] maxExpAvgSq, int xo, int length) {
        int bound = S.loopBound(length);
        if (bound > 0) {
            loops(h, negStepSize, bc2Sqrt, gradScale, param, po, grad, go, expAvg, mo,
                    expAvgSq, vo, maxExpAvgSq, xo, bound);
        }
        if (bound < length) {
            ScalarAdamF64.INSTANCE.step(h, negStepSize, bc2Sqrt, gradScale, param, po + bound, grad, go + bound,
                    expAvg, mo + bound, expAvgSq, vo + bound, maxExpAvgSq, xo + bound, length - bound);
        }
    }

    @Override
    public void step(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        long bound = S.loopBound(length);
        if (bound > 0) {
            loops(h, negStepSize, bc2Sqrt, gradScale, param, po * BYTES, grad, go * BYTES,
                    expAvg, mo * BYTES, expAvgSq, vo * BYTES, maxExpAvgSq, xo * BYTES, bound * BYTES);
        }
        if (bound < length) {
            ScalarAdamF64.INSTANCE.step(h, negStepSize, bc2Sqrt, gradScale, param, po + bound, grad, go + bound,
                    expAvg, mo + bound, expAvgSq, vo + bound, maxExpAvgSq, xo + bound, length - bound);
        }
    }

    @Override
    public void updateToSubtract(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment out, long oo, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        long bound = S.loopBound(length);
        if (bound > 0) {
            updateLoops(h, negStepSize, bc2Sqrt, gradScale, out, oo * BYTES, grad, go * BYTES,
                    expAvg, mo * BYTES, expAvgSq, vo * BYTES, maxExpAvgSq, xo * BYTES, bound * BYTES);
        }
        if (bound < length) {
            ScalarAdamF64.INSTANCE.updateToSubtract(h, negStepSize, bc2Sqrt, gradScale, out, oo + bound, grad, go + bound,
                    expAvg, mo + bound, expAvgSq, vo + bound, maxExpAvgSq, xo + bound, length - bound);
        }
    }

    // The steps of the contract on whole vectors: small static methods that C2 inlines into the
    // loops. They take the constants as primitives, copied out of the Constants object at the top of
    // each loop method: the object then never reaches a call, so escape analysis removes it even
    // where C2 declines to inline a helper, and the kernel allocates nothing. Masks are made inside
    // the loop from constant booleans: C2 hoists them as loop invariants.

    /** Steps 1–2: the gradient after scale and maximize and, under the mask, L2. */
    static DoubleVector gradient(DoubleVector g, DoubleVector p, double gradMul, double wd, boolean l2) {
        DoubleVector gs = g.mul(gradMul);
        return gs.blend(p.lanewise(VectorOperators.FMA, wd, gs), S.maskAll(l2));
    }

    /** Step 3: {@code lerp(m, g, w)}: {@code fma(g − m, w, m)}, or {@code fma(−(g − m), 1 − w, g)}. */
    static DoubleVector firstMoment(DoubleVector m, DoubleVector g, double lerpCoef, boolean fromGrad) {
        DoubleVector diff = g.sub(m).lanewise(VectorOperators.NEG, S.maskAll(fromGrad));
        return diff.lanewise(VectorOperators.FMA, lerpCoef, m.blend(g, S.maskAll(fromGrad)));
    }

    /** Step 4: {@code fma((1 − β2)·g, g, v·β2)}. */
    static DoubleVector secondMoment(DoubleVector v, DoubleVector g, double beta2, double oneMinusBeta2) {
        return g.mul(oneMinusBeta2).lanewise(VectorOperators.FMA, g, v.mul(beta2));
    }

    /** Steps 6–7: the new parameter; {@code p} is not yet decayed, {@code u} is v or vmax. */
    static DoubleVector update(DoubleVector p, DoubleVector m, DoubleVector u, double paramMul, double bc2,
            double eps, double negStep, boolean epsHat) {
        DoubleVector root = u.sqrt();
        DoubleVector denom = (epsHat ? root : root.div(bc2)).add(eps);
        return p.mul(paramMul).add(m.mul(negStep).div(denom));
    }

    /** The vectorized part over arrays: {@code bound} elements, a multiple of the lane count. */
    private static void loops(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            double[] param, int po, double[] grad, int go, double[] expAvg, int mo,
            double[] expAvgSq, int vo, double[] maxExpAvgSq, int xo, int bound) {
        final Constants c = new Constants(h, negStepSize, bc2Sqrt, gradScale);
        final double gradMul = c.gradMul, wd = c.weightDecay, lerpCoef = c.lerpCoef, beta2 = c.beta2;
        final double oneMinusBeta2 = c.oneMinusBeta2, paramMul = c.paramMul, bc2 = c.bc2Sqrt, eps = c.eps;
        final double negStep = c.negStepSize;
        final boolean l2 = c.l2, fromGrad = !c.smallWeight, epsHat = c.epsHat;
        if (h.amsgrad()) {
            for (int i = 0; i < bound; i += S.length()) {
                DoubleVector p = DoubleVector.fromArray(S, param, po + i);
                DoubleVector g = gradient(DoubleVector.fromArray(S, grad, go + i), p, gradMul, wd, l2);
                DoubleVector m = firstMoment(DoubleVector.fromArray(S, expAvg, mo + i), g, lerpCoef, fromGrad);
                DoubleVector v = secondMoment(DoubleVector.fromArray(S, expAvgSq, vo + i), g, beta2, oneMinusBeta2);
                DoubleVector u = DoubleVector.fromArray(S, maxExpAvgSq, xo + i).max(v);
                update(p, m, u, paramMul, bc2, eps, negStep, epsHat).intoArray(param, po + i);
                m.intoArray(expAvg, mo + i);
                v.intoArray(expAvgSq, vo + i);
                u.intoArray(maxExpAvgSq, xo + i);
            }
        } else {
            for (int i = 0; i < bound; i += S.length()) {
                DoubleVector p = DoubleVector.fromArray(S, param, po + i);
                DoubleVector g = gradient(DoubleVector.fromArray(S, grad, go + i), p, gradMul, wd, l2);
                DoubleVector m = firstMoment(DoubleVector.fromArray(S, expAvg, mo + i), g, lerpCoef, fromGrad);
                DoubleVector v = secondMoment(DoubleVector.fromArray(S, expAvgSq, vo + i), g, beta2, oneMinusBeta2);
                update(p, m, v, paramMul, bc2, eps, negStep, epsHat).intoArray(param, po + i);
                m.intoArray(expAvg, mo + i);
                v.intoArray(expAvgSq, vo + i);
            }
        }
    }

    /** The vectorized part over segments; offsets and {@code end} in bytes. */
    private static void loops(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long end) {
        final Constants c = new Constants(h, negStepSize, bc2Sqrt, gradScale);
        final double gradMul = c.gradMul, wd = c.weightDecay, lerpCoef = c.lerpCoef, beta2 = c.beta2;
        final double oneMinusBeta2 = c.oneMinusBeta2, paramMul = c.paramMul, bc2 = c.bc2Sqrt, eps = c.eps;
        final double negStep = c.negStepSize;
        final boolean l2 = c.l2, fromGrad = !c.smallWeight, epsHat = c.epsHat;
        final long stride = S.vectorByteSize();
        if (h.amsgrad()) {
            for (long i = 0; i < end; i += stride) {
                DoubleVector p = DoubleVector.fromMemorySegment(S, param, po + i, NATIVE);
                DoubleVector g = gradient(DoubleVector.fromMemorySegment(S, grad, go + i, NATIVE), p, gradMul, wd, l2);
                DoubleVector m = firstMoment(DoubleVector.fromMemorySegment(S, expAvg, mo + i, NATIVE), g, lerpCoef, fromGrad);
                DoubleVector v = secondMoment(DoubleVector.fromMemorySegment(S, expAvgSq, vo + i, NATIVE), g, beta2, oneMinusBeta2);
                DoubleVector u = DoubleVector.fromMemorySegment(S, maxExpAvgSq, xo + i, NATIVE).max(v);
                update(p, m, u, paramMul, bc2, eps, negStep, epsHat).intoMemorySegment(param, po + i, NATIVE);
                m.intoMemorySegment(expAvg, mo + i, NATIVE);
                v.intoMemorySegment(expAvgSq, vo + i, NATIVE);
                u.intoMemorySegment(maxExpAvgSq, xo + i, NATIVE);
            }
        } else {
            for (long i = 0; i < end; i += stride) {
                DoubleVector p = DoubleVector.fromMemorySegment(S, param, po + i, NATIVE);
                DoubleVector g = gradient(DoubleVector.fromMemorySegment(S, grad, go + i, NATIVE), p, gradMul, wd, l2);
                DoubleVector m = firstMoment(DoubleVector.fromMemorySegment(S, expAvg, mo + i, NATIVE), g, lerpCoef, fromGrad);
                DoubleVector v = secondMoment(DoubleVector.fromMemorySegment(S, expAvgSq, vo + i, NATIVE), g, beta2, oneMinusBeta2);
                update(p, m, v, paramMul, bc2, eps, negStep, epsHat).intoMemorySegment(param, po + i, NATIVE);
                m.intoMemorySegment(expAvg, mo + i, NATIVE);
                v.intoMemorySegment(expAvgSq, vo + i, NATIVE);
            }
        }
    }

    /**
     * {@link #updateToSubtract}'s vectorized part: the segment loop with the parameter a constant
     * {@code −0.0} (nothing loaded) and the negated result stored into {@code out}, which may be the
     * gradient's range (every vector is loaded before its update is stored). Offsets and {@code end} in bytes.
     */
    private static void updateLoops(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment out, long oo, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long end) {
        final Constants c = new Constants(h, negStepSize, bc2Sqrt, gradScale);
        final double gradMul = c.gradMul, wd = c.weightDecay, lerpCoef = c.lerpCoef, beta2 = c.beta2;
        final double oneMinusBeta2 = c.oneMinusBeta2, paramMul = c.paramMul, bc2 = c.bc2Sqrt, eps = c.eps;
        final double negStep = c.negStepSize;
        final boolean l2 = c.l2, fromGrad = !c.smallWeight, epsHat = c.epsHat;
        final long stride = S.vectorByteSize();
        final DoubleVector p = DoubleVector.broadcast(S, -0.0f);
        if (h.amsgrad()) {
            for (long i = 0; i < end; i += stride) {
                DoubleVector g = gradient(DoubleVector.fromMemorySegment(S, grad, go + i, NATIVE), p, gradMul, wd, l2);
                DoubleVector m = firstMoment(DoubleVector.fromMemorySegment(S, expAvg, mo + i, NATIVE), g, lerpCoef, fromGrad);
                DoubleVector v = secondMoment(DoubleVector.fromMemorySegment(S, expAvgSq, vo + i, NATIVE), g, beta2, oneMinusBeta2);
                DoubleVector u = DoubleVector.fromMemorySegment(S, maxExpAvgSq, xo + i, NATIVE).max(v);
                update(p, m, u, paramMul, bc2, eps, negStep, epsHat).neg().intoMemorySegment(out, oo + i, NATIVE);
                m.intoMemorySegment(expAvg, mo + i, NATIVE);
                v.intoMemorySegment(expAvgSq, vo + i, NATIVE);
                u.intoMemorySegment(maxExpAvgSq, xo + i, NATIVE);
            }
        } else {
            for (long i = 0; i < end; i += stride) {
                DoubleVector g = gradient(DoubleVector.fromMemorySegment(S, grad, go + i, NATIVE), p, gradMul, wd, l2);
                DoubleVector m = firstMoment(DoubleVector.fromMemorySegment(S, expAvg, mo + i, NATIVE), g, lerpCoef, fromGrad);
                DoubleVector v = secondMoment(DoubleVector.fromMemorySegment(S, expAvgSq, vo + i, NATIVE), g, beta2, oneMinusBeta2);
                update(p, m, v, paramMul, bc2, eps, negStep, epsHat).neg().intoMemorySegment(out, oo + i, NATIVE);
                m.intoMemorySegment(expAvg, mo + i, NATIVE);
                v.intoMemorySegment(expAvgSq, vo + i, NATIVE);
            }
        }
    }
}
