package dev.adam4j.kernels.internal;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.EpsilonMode;
import dev.adam4j.kernels.WeightDecay;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The executable specification of one Adam step on f32 buffers: the scalar fallback, the tail of
 * every vector loop, and the oracle of every test.
 *
 * <h2>Order of operations: a compatibility contract</h2>
 * It reproduces PyTorch's default CPU path ({@code torch.optim.adam._single_tensor_adam}) operation
 * by operation, each rounded to the parameter's precision, with the scalars of {@link StepScalars}
 * computed once in double and cast:
 * <ol>
 *   <li>{@code g = gradScale·g} (skipped when {@code gradScale == 1}); {@code g = −g} if maximize.</li>
 *   <li>L2: {@code g = fma(p, wd, g)} (ATen's {@code add(alpha=wd)} is an FMA in its vector lanes).
 *       Decoupled: {@code p = p·(1 − lr·wd)}.</li>
 *   <li>{@code m = lerp(m, g, w)}, {@code w = 1 − β1}: {@code fma(w, g − m, m)} if {@code |w| < 0.5},
 *       else {@code fma(−(g − m), 1 − w, g)} (ATen's {@code lerp_vec}).</li>
 *   <li>{@code v = v·β2}, then {@code v = fma((1 − β2)·g, g, v)} ({@code mul_}, then {@code addcmul_}, which
 *       libtorch 2.10's vector lanes fuse: measured by the parity module's {@code AtenOpsTest}).</li>
 *   <li>AMSGrad: {@code vmax = max(vmax, v)} on the raw {@code v}, and {@code vmax} is used below.</li>
 *   <li>{@code denom = sqrt(v)/bc2Sqrt + ε} (a true division, no reciprocal), or
 *       {@code sqrt(v) + ε} for {@link EpsilonMode#EPS_HAT}.</li>
 *   <li>{@code p = p + (negStepSize·m)/denom} ({@code addcdiv_(value=-step_size)}).</li>
 * </ol>
 * Changing this order changes results in the last bits and breaks bit-identity with PyTorch and
 * with the vector kernels. FMA policy: a fused multiply-add exactly in steps 2 (L2), 3 (lerp) and 4
 * ({@code addcmul_}), where ATen's vector lanes use one, and nowhere else. Every operation (add, mul, div, sqrt, fma, max) is
 * correctly rounded, so this code is deterministic and any faithful vectorization is bitwise equal.
 * Square roots go through {@link Math#sqrt} in binary64: exact for binary64, and the correctly
 * rounded binary32 root after the cast back (53 ≥ 2·24 + 2, so the double rounding is innocuous).
 * NaN and infinities propagate as in PyTorch; NaN payloads and signs are not specified (Java does
 * not specify them either).
 *
 * <p>{@code ScalarAdamF64} is generated from this file (see {@code F64Generator} in the tests).
 */
public final class ScalarAdamF32 {
    private ScalarAdamF32() {}

    private static final ValueLayout.OfFloat E = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** One step over {@code length} elements of arrays; see the class documentation. */
    public static void step(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            float[] param, int po, float[] grad, int go, float[] expAvg, int mo,
            float[] expAvgSq, int vo, float[] maxExpAvgSq, int xo, int length) {
        final boolean scaleGrad = gradScale != 1.0;
        final float gs = (float) gradScale;
        final boolean maximize = h.maximize();
        final WeightDecay decay = h.effectiveWeightDecay();
        final float wd = (float) h.weightDecay();
        final float decayFactor = (float) (1.0 - h.lr() * h.weightDecay());
        final float w = (float) (1.0 - h.beta1());
        final float oneMinusW = 1 - w; // in the parameter's precision, as ATen's lerp computes it
        final boolean smallWeight = Math.abs(w) < 0.5;
        final float beta2 = (float) h.beta2();
        final float oneMinusBeta2 = (float) (1.0 - h.beta2());
        final boolean amsgrad = h.amsgrad();
        final boolean epsHat = h.epsilonMode() == EpsilonMode.EPS_HAT;
        final float bc2 = (float) bc2Sqrt;
        final float eps = (float) h.eps();
        final float negStep = (float) negStepSize;

        for (int i = 0; i < length; i++) {
            float p = param[po + i];
            float g = grad[go + i];
            // 1. gradient scale, maximize
            if (scaleGrad) g = gs * g;
            if (maximize) g = -g;
            // 2. weight decay
            if (decay == WeightDecay.L2) {
                g = Math.fma(p, wd, g);
            } else if (decay == WeightDecay.DECOUPLED) {
                p = p * decayFactor;
            }
            // 3. first moment: lerp(m, g, w)
            float m = expAvg[mo + i];
            float diff = g - m;
            m = smallWeight ? Math.fma(w, diff, m) : Math.fma(-diff, oneMinusW, g);
            // 4. second moment
            float v = expAvgSq[vo + i] * beta2;
            v = Math.fma(oneMinusBeta2 * g, g, v);
            // 5. AMSGrad on the raw second moment
            float u = v;
            if (amsgrad) {
                u = Math.max(maxExpAvgSq[xo + i], v);
                maxExpAvgSq[xo + i] = u;
            }
            // 6. denominator
            float denom = epsHat ? (float) Math.sqrt(u) + eps : (float) Math.sqrt(u) / bc2 + eps;
            // 7. update
            p = p + (negStep * m) / denom;

            param[po + i] = p;
            expAvg[mo + i] = m;
            expAvgSq[vo + i] = v;
        }
    }

    /**
     * The same step over f32 segments (native byte order, any alignment); offsets are element
     * indices. Line for line the array loop above, with loads and stores through the segment.
     */
    public static void step(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        final boolean scaleGrad = gradScale != 1.0;
        final float gs = (float) gradScale;
        final boolean maximize = h.maximize();
        final WeightDecay decay = h.effectiveWeightDecay();
        final float wd = (float) h.weightDecay();
        final float decayFactor = (float) (1.0 - h.lr() * h.weightDecay());
        final float w = (float) (1.0 - h.beta1());
        final float oneMinusW = 1 - w;
        final boolean smallWeight = Math.abs(w) < 0.5;
        final float beta2 = (float) h.beta2();
        final float oneMinusBeta2 = (float) (1.0 - h.beta2());
        final boolean amsgrad = h.amsgrad();
        final boolean epsHat = h.epsilonMode() == EpsilonMode.EPS_HAT;
        final float bc2 = (float) bc2Sqrt;
        final float eps = (float) h.eps();
        final float negStep = (float) negStepSize;

        for (long i = 0; i < length; i++) {
            float p = param.getAtIndex(E, po + i);
            float g = grad.getAtIndex(E, go + i);
            if (scaleGrad) g = gs * g;
            if (maximize) g = -g;
            if (decay == WeightDecay.L2) {
                g = Math.fma(p, wd, g);
            } else if (decay == WeightDecay.DECOUPLED) {
                p = p * decayFactor;
            }
            float m = expAvg.getAtIndex(E, mo + i);
            float diff = g - m;
            m = smallWeight ? Math.fma(w, diff, m) : Math.fma(-diff, oneMinusW, g);
            float v = expAvgSq.getAtIndex(E, vo + i) * beta2;
            v = Math.fma(oneMinusBeta2 * g, g, v);
            float u = v;
            if (amsgrad) {
                u = Math.max(maxExpAvgSq.getAtIndex(E, xo + i), v);
                maxExpAvgSq.setAtIndex(E, xo + i, u);
            }
            float denom = epsHat ? (float) Math.sqrt(u) + eps : (float) Math.sqrt(u) / bc2 + eps;
            p = p + (negStep * m) / denom;

            param.setAtIndex(E, po + i, p);
            expAvg.setAtIndex(E, mo + i, m);
            expAvgSq.setAtIndex(E, vo + i, v);
        }
    }
}
