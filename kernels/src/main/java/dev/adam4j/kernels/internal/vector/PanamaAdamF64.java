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
 * Constants arrive through one {@link Constants} object made inside the loop method and used only
 * there, so the JIT keeps its fields in registers and the kernel allocates nothing.
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

    // The steps of the contract on whole vectors: small static methods that C2 inlines into the
    // loops. Masks are made inside the loop from constant booleans: C2 hoists them as loop invariants.

    /** Steps 1–2: the gradient after scale and maximize and, under the mask, L2. */
    private static DoubleVector gradient(Constants c, DoubleVector g, DoubleVector p) {
        DoubleVector gs = g.mul(c.gradMul);
        return gs.blend(p.lanewise(VectorOperators.FMA, c.weightDecay, gs), S.maskAll(c.l2));
    }

    /** Step 3: {@code lerp(m, g, w)}: {@code fma(g − m, w, m)}, or {@code fma(−(g − m), 1 − w, g)}. */
    private static DoubleVector firstMoment(Constants c, DoubleVector m, DoubleVector g) {
        DoubleVector diff = g.sub(m).lanewise(VectorOperators.NEG, S.maskAll(!c.smallWeight));
        return diff.lanewise(VectorOperators.FMA, c.lerpCoef, m.blend(g, S.maskAll(!c.smallWeight)));
    }

    /** Step 4: {@code fma((1 − β2)·g, g, v·β2)}. */
    private static DoubleVector secondMoment(Constants c, DoubleVector v, DoubleVector g) {
        return g.mul(c.oneMinusBeta2).lanewise(VectorOperators.FMA, g, v.mul(c.beta2));
    }

    /** Steps 6–7: the new parameter; {@code p} is not yet decayed, {@code u} is v or vmax. */
    private static DoubleVector update(Constants c, DoubleVector p, DoubleVector m, DoubleVector u) {
        DoubleVector root = u.sqrt();
        DoubleVector denom = (c.epsHat ? root : root.div(c.bc2Sqrt)).add(c.eps);
        return p.mul(c.paramMul).add(m.mul(c.negStepSize).div(denom));
    }

    /** The vectorized part over arrays: {@code bound} elements, a multiple of the lane count. */
    private static void loops(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            double[] param, int po, double[] grad, int go, double[] expAvg, int mo,
            double[] expAvgSq, int vo, double[] maxExpAvgSq, int xo, int bound) {
        final Constants c = new Constants(h, negStepSize, bc2Sqrt, gradScale);
        if (c.amsgrad) {
            for (int i = 0; i < bound; i += S.length()) {
                DoubleVector p = DoubleVector.fromArray(S, param, po + i);
                DoubleVector g = gradient(c, DoubleVector.fromArray(S, grad, go + i), p);
                DoubleVector m = firstMoment(c, DoubleVector.fromArray(S, expAvg, mo + i), g);
                DoubleVector v = secondMoment(c, DoubleVector.fromArray(S, expAvgSq, vo + i), g);
                DoubleVector u = DoubleVector.fromArray(S, maxExpAvgSq, xo + i).max(v);
                update(c, p, m, u).intoArray(param, po + i);
                m.intoArray(expAvg, mo + i);
                v.intoArray(expAvgSq, vo + i);
                u.intoArray(maxExpAvgSq, xo + i);
            }
        } else {
            for (int i = 0; i < bound; i += S.length()) {
                DoubleVector p = DoubleVector.fromArray(S, param, po + i);
                DoubleVector g = gradient(c, DoubleVector.fromArray(S, grad, go + i), p);
                DoubleVector m = firstMoment(c, DoubleVector.fromArray(S, expAvg, mo + i), g);
                DoubleVector v = secondMoment(c, DoubleVector.fromArray(S, expAvgSq, vo + i), g);
                update(c, p, m, v).intoArray(param, po + i);
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
        final long stride = S.vectorByteSize();
        if (c.amsgrad) {
            for (long i = 0; i < end; i += stride) {
                DoubleVector p = DoubleVector.fromMemorySegment(S, param, po + i, NATIVE);
                DoubleVector g = gradient(c, DoubleVector.fromMemorySegment(S, grad, go + i, NATIVE), p);
                DoubleVector m = firstMoment(c, DoubleVector.fromMemorySegment(S, expAvg, mo + i, NATIVE), g);
                DoubleVector v = secondMoment(c, DoubleVector.fromMemorySegment(S, expAvgSq, vo + i, NATIVE), g);
                DoubleVector u = DoubleVector.fromMemorySegment(S, maxExpAvgSq, xo + i, NATIVE).max(v);
                update(c, p, m, u).intoMemorySegment(param, po + i, NATIVE);
                m.intoMemorySegment(expAvg, mo + i, NATIVE);
                v.intoMemorySegment(expAvgSq, vo + i, NATIVE);
                u.intoMemorySegment(maxExpAvgSq, xo + i, NATIVE);
            }
        } else {
            for (long i = 0; i < end; i += stride) {
                DoubleVector p = DoubleVector.fromMemorySegment(S, param, po + i, NATIVE);
                DoubleVector g = gradient(c, DoubleVector.fromMemorySegment(S, grad, go + i, NATIVE), p);
                DoubleVector m = firstMoment(c, DoubleVector.fromMemorySegment(S, expAvg, mo + i, NATIVE), g);
                DoubleVector v = secondMoment(c, DoubleVector.fromMemorySegment(S, expAvgSq, vo + i, NATIVE), g);
                update(c, p, m, v).intoMemorySegment(param, po + i, NATIVE);
                m.intoMemorySegment(expAvg, mo + i, NATIVE);
                v.intoMemorySegment(expAvgSq, vo + i, NATIVE);
            }
        }
    }
}
