// GENERATED from ScalarAdamF32.java by F64Generator (kernels/src/test): do not edit.
package dev.adam4j.kernels.internal;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.EpsilonMode;
import dev.adam4j.kernels.WeightDecay;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The executable specification of one Adam step on f64 buffers: the scalar fallback, the tail of
 * every vector loop, and the oracle of every test.
 *
 * <h2>Order of operations: a compatibility contract</h2>
 * It reproduces PyTorch's default CPU path ({@code torch.optim.adam._single_tensor_adam}) operation
 * by operation, each rounded to the parameter's precision, with the scalars of {@link StepScalars}
 * computed once in double and cast ({@link Constants}). Each numbered step is written once, in a
 * helper that the array loop and the segment loop share:
 * <ol>
 *   <li>{@code g = gradScale·g} (skipped when {@code gradScale == 1}); {@code g = −g} if maximize
 *       ({@link #gradient}).</li>
 *   <li>L2: {@code g = fma(p, wd, g)} (ATen's {@code add(alpha=wd)} is an FMA in its vector lanes;
 *       {@link #gradient}). Decoupled: {@code p = p·(1 − lr·wd)} ({@link #decayed}).</li>
 *   <li>{@code m = lerp(m, g, w)}, {@code w = 1 − β1}: {@code fma(w, g − m, m)} if {@code |w| < 0.5},
 *       else {@code fma(−(g − m), 1 − w, g)} (ATen's {@code lerp_vec}; {@link #firstMoment}).</li>
 *   <li>{@code v = v·β2}, then {@code v = fma((1 − β2)·g, g, v)} ({@code mul_}, then {@code addcmul_}, which
 *       libtorch 2.10's vector lanes fuse: measured by the parity module's {@code AtenOpsTest};
 *       {@link #secondMoment}).</li>
 *   <li>AMSGrad: {@code vmax = max(vmax, v)} on the raw {@code v}, and {@code vmax} is used below.</li>
 *   <li>{@code denom = sqrt(v)/bc2Sqrt + ε} (a true division, no reciprocal), or
 *       {@code sqrt(v) + ε} for {@link EpsilonMode#EPS_HAT} ({@link #update}).</li>
 *   <li>{@code p = p + (negStepSize·m)/denom} ({@code addcdiv_(value=-step_size)}; {@link #update}).</li>
 * </ol>
 * Changing this order changes results in the last bits and breaks bit-identity with PyTorch and
 * with the vector kernels. FMA policy: a fused multiply-add exactly in steps 2 (L2), 3 (lerp) and 4
 * ({@code addcmul_}), where ATen's vector lanes use one, and nowhere else. Every operation (add, mul, div, sqrt, fma, max) is
 * correctly rounded, so this code is deterministic and any faithful vectorization is bitwise equal.
 * Square roots go through {@link Math#sqrt} in binary64, correctly rounded; in single precision
 * the cast back gives the correctly rounded binary32 root (53 ≥ 2·24 + 2, so the double rounding is
 * innocuous), in double precision there is no cast.
 * NaN and infinities propagate as in PyTorch; NaN payloads and signs are not specified (Java does
 * not specify them either).
 *
 * <h2>The update to subtract</h2>
 * Frameworks that apply the update themselves by subtraction (Deeplearning4j's {@code params.subi(update)})
 * get {@link #updateToSubtract}: the moments of the step and, instead of a new parameter, {@code u} such
 * that {@code fl(p − u)} is the parameter {@link #step} stores, bit for bit, for every {@code p}. Without
 * weight decay (the only place the rule reads {@code p}), step 7 is {@code fl(p + d)} with
 * {@code d = (negStepSize·m)/denom} independent of {@code p}; IEEE 754 defines {@code x − y} as
 * {@code x + (−y)}, so {@code u = −d}. It is computed as step 7 on a parameter of {@code −0.0}
 * ({@code fl(−0.0 + d) = d} for every {@code d}, zeros, infinities and NaN included), negated (exact).
 *
 * <p>{@code ScalarAdamF64} is generated from this file (see {@code F64Generator} in the tests).
 */
public enum ScalarAdamF64 implements AdamF64 {
    INSTANCE;

    private static final ValueLayout.OfDouble E = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    /**
     * The per-call constants of the contract, each derived once from the hyperparameters and the
     * step scalars, in the parameter's precision: the only place they are computed, for this
     * specification and for the vector kernel. Made at the top of a loop method and used only
     * there, so the JIT keeps the fields in registers and allocates nothing (escape analysis).
     */
    public static final class Constants {
        /** Step 1: {@code gradScale} in the parameter's precision, and whether it is applied. */
        public final double gradScale;
        public final boolean scaleGrad, maximize;
        /** Step 1 folded for vector lanes: {@code ±gradScale} ({@code (−s)·g ≡ −(s·g)}, {@code 1·g ≡ g}). */
        public final double gradMul;
        /** Step 2. */
        public final boolean l2, decoupled;
        public final double weightDecay;
        /** {@code 1 − lr·wd}; {@code paramMul} is that when decoupled and 1 otherwise ({@code p·1 ≡ p}). */
        public final double decayFactor, paramMul;
        /** Step 3: {@code w = 1 − β1} and ATen's lerp branch; {@code lerpCoef} is w or {@code 1 − w}. */
        public final double w, oneMinusW, lerpCoef;
        public final boolean smallWeight;
        /** Step 4. */
        public final double beta2, oneMinusBeta2;
        /** Steps 5–7. */
        public final boolean amsgrad, epsHat;
        public final double bc2Sqrt, eps, negStepSize;

        public Constants(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale) {
            WeightDecay decay = h.effectiveWeightDecay();
            this.scaleGrad = gradScale != 1.0;
            this.gradScale = (double) gradScale;
            this.maximize = h.maximize();
            this.gradMul = maximize ? -this.gradScale : this.gradScale;
            this.l2 = decay == WeightDecay.L2;
            this.decoupled = decay == WeightDecay.DECOUPLED;
            this.weightDecay = (double) h.weightDecay();
            this.decayFactor = (double) (1.0 - h.lr() * h.weightDecay());
            this.paramMul = decoupled ? decayFactor : 1;
            this.w = (double) (1.0 - h.beta1());
            this.oneMinusW = 1 - w; // in the parameter's precision, as ATen's lerp computes it
            this.smallWeight = Math.abs(w) < 0.5;
            this.lerpCoef = smallWeight ? w : oneMinusW;
            this.beta2 = (double) h.beta2();
            this.oneMinusBeta2 = (double) (1.0 - h.beta2());
            this.amsgrad = h.amsgrad();
            this.epsHat = h.epsilonMode() == EpsilonMode.EPS_HAT;
            this.bc2Sqrt = (double) bc2Sqrt;
            this.eps = (double) h.eps();
            this.negStepSize = (double) negStepSize;
        }
    }

    // ------------------------------------------------------------------ the steps, once each

    /** Steps 1–2 on the gradient: scale, maximize, L2 decay. */
    static double gradient(Constants c, double g, double p) {
        if (c.scaleGrad) g = c.gradScale * g;
        if (c.maximize) g = -g;
        return c.l2 ? Math.fma(p, c.weightDecay, g) : g;
    }

    /** Step 2, decoupled decay of the parameter. */
    static double decayed(Constants c, double p) {
        return c.decoupled ? p * c.decayFactor : p;
    }

    /** Step 3: {@code lerp(m, g, w)} as ATen computes it. */
    static double firstMoment(Constants c, double m, double g) {
        double diff = g - m;
        return c.smallWeight ? Math.fma(c.w, diff, m) : Math.fma(-diff, c.oneMinusW, g);
    }

    /** Step 4: {@code v·β2}, then {@code addcmul_} fused. */
    static double secondMoment(Constants c, double v, double g) {
        return Math.fma(c.oneMinusBeta2 * g, g, v * c.beta2);
    }

    /** The parameter {@link #updateToSubtract} steps: {@code fl(−0.0 + d) = d} exactly for every {@code d}. */
    static final double NEGATIVE_ZERO = -0.0f;

    /** Steps 6–7: the new parameter from the decayed {@code p}, {@code m} and {@code u} (v or vmax). */
    static double update(Constants c, double p, double m, double u) {
        double root = (double) Math.sqrt(u);
        double denom = c.epsHat ? root + c.eps : root / c.bc2Sqrt + c.eps;
        return p + (c.negStepSize * m) / denom;
    }

    // ------------------------------------------------------------------ the loops

    /** One step over {@code length} elements of arrays; see the class documentation. */
    @Override
    public void step(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            double[] param, int po, double[] grad, int go, double[] expAvg, int mo,
            double[] expAvgSq, int vo, double[] maxExpAvgSq, int xo, int length) {
        Constants c = new Constants(h, negStepSize, bc2Sqrt, gradScale);
        for (int i = 0; i < length; i++) {
            double p = param[po + i];
            double g = gradient(c, grad[go + i], p);
            double m = firstMoment(c, expAvg[mo + i], g);
            double v = secondMoment(c, expAvgSq[vo + i], g);
            double u = c.amsgrad ? Math.max(maxExpAvgSq[xo + i], v) : v; // 5. AMSGrad on the raw v
            if (c.amsgrad) maxExpAvgSq[xo + i] = u;
            param[po + i] = update(c, decayed(c, p), m, u);
            expAvg[mo + i] = m;
            expAvgSq[vo + i] = v;
        }
    }

    /** One step over f64 segments (native byte order, any alignment); offsets are element indices. */
    @Override
    public void step(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        Constants c = new Constants(h, negStepSize, bc2Sqrt, gradScale);
        for (long i = 0; i < length; i++) {
            double p = param.getAtIndex(E, po + i);
            double g = gradient(c, grad.getAtIndex(E, go + i), p);
            double m = firstMoment(c, expAvg.getAtIndex(E, mo + i), g);
            double v = secondMoment(c, expAvgSq.getAtIndex(E, vo + i), g);
            double u = c.amsgrad ? Math.max(maxExpAvgSq.getAtIndex(E, xo + i), v) : v;
            if (c.amsgrad) maxExpAvgSq.setAtIndex(E, xo + i, u);
            param.setAtIndex(E, po + i, update(c, decayed(c, p), m, u));
            expAvg.setAtIndex(E, mo + i, m);
            expAvgSq.setAtIndex(E, vo + i, v);
        }
    }

    /**
     * The moments of one step over f64 segments and the update {@code −d} into {@code out}, in place of a
     * new parameter; see the class documentation. No weight decay (the caller checks). {@code out} may be
     * {@code grad}'s own range: each gradient element is read before its update is written.
     */
    @Override
    public void updateToSubtract(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment out, long oo, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        Constants c = new Constants(h, negStepSize, bc2Sqrt, gradScale);
        for (long i = 0; i < length; i++) {
            double g = gradient(c, grad.getAtIndex(E, go + i), NEGATIVE_ZERO);
            double m = firstMoment(c, expAvg.getAtIndex(E, mo + i), g);
            double v = secondMoment(c, expAvgSq.getAtIndex(E, vo + i), g);
            double u = c.amsgrad ? Math.max(maxExpAvgSq.getAtIndex(E, xo + i), v) : v;
            if (c.amsgrad) maxExpAvgSq.setAtIndex(E, xo + i, u);
            out.setAtIndex(E, oo + i, -update(c, NEGATIVE_ZERO, m, u));
            expAvg.setAtIndex(E, mo + i, m);
            expAvgSq.setAtIndex(E, vo + i, v);
        }
    }
}
