package dev.adam4j.optim.clip;

import dev.adam4j.kernels.GradNorms;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.Optimizer;
import dev.adam4j.optim.Param;
import dev.adam4j.optim.ParamGroup;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * PyTorch's {@code torch.nn.utils.clip_grad_norm_} and {@code clip_grad_value_}, plus the fused form
 * PyTorch cannot offer: {@link #clipCoefficient} reads the gradients once and returns the factor, which
 * {@code opt.step(coef)} folds into the step's gradient scale, so clipping costs one read of the
 * gradients instead of a read, a write and another read.
 *
 * <p>The total norm is the norm of the per-parameter norms, as PyTorch computes it, evaluated in
 * double ({@link GradNorms}); {@code clip_coef = max_norm / (total + 1e-6)}, clamped to 1. PyTorch
 * evaluates the same in the gradients' dtype, so for f32 gradients the two totals may differ in the
 * last bits of a float.
 */
public final class ClipGrad {
    private ClipGrad() {}

    /** The gradients of every parameter of {@code opt} that has one, in group order. */
    public static List<DataBuffer> grads(Optimizer opt) {
        return grads(opt, Param::grad);
    }

    /** The gradients {@code gradOf} gives (e.g. {@code opt::accumulatedGrad}), skipping nulls. */
    public static List<DataBuffer> grads(Optimizer opt, Function<Param, DataBuffer> gradOf) {
        List<DataBuffer> out = new ArrayList<>();
        for (ParamGroup g : opt.paramGroups()) {
            for (Param p : g.params()) {
                DataBuffer b = gradOf.apply(p);
                if (b != null) out.add(b);
            }
        }
        return out;
    }

    /**
     * The total {@code normType}-norm of {@code grads} (2, 1, any finite p > 0, or
     * {@code Double.POSITIVE_INFINITY}); non-finite when a gradient holds inf or NaN.
     */
    public static double totalNorm(List<DataBuffer> grads, double normType) {
        Objects.requireNonNull(grads, "grads");
        if (!(normType > 0)) throw new IllegalArgumentException("Invalid norm_type: " + normType + " (must be > 0 or inf)");
        if (grads.isEmpty()) return 0.0;
        boolean inf = normType == Double.POSITIVE_INFINITY;
        double acc = 0;
        for (DataBuffer g : grads) {
            double n;
            if (inf) {
                n = reduce(g, Double.POSITIVE_INFINITY);
                if (Double.isNaN(n)) return n; // NaN wins
                if (n > acc) acc = n;
            } else {
                n = normType == 2.0 ? Math.sqrt(reduce(g, 2.0)) : Math.pow(reduce(g, normType), 1.0 / normType);
                acc += normType == 2.0 ? n * n : Math.pow(n, normType);
            }
        }
        return inf ? acc : normType == 2.0 ? Math.sqrt(acc) : Math.pow(acc, 1.0 / normType);
    }

    /** Σx² (p = 2), Σ|x|^p, or max|x| (p = inf) of one buffer. */
    private static double reduce(DataBuffer g, double p) {
        return switch (g) {
            case DataBuffer.F32Array a -> p == 2.0 ? GradNorms.sumOfSquares(a.array(), a.offset(), a.count())
                    : p == Double.POSITIVE_INFINITY ? GradNorms.maxAbs(a.array(), a.offset(), a.count())
                    : GradNorms.powerSum(a.array(), a.offset(), a.count(), p);
            case DataBuffer.F64Array a -> p == 2.0 ? GradNorms.sumOfSquares(a.array(), a.offset(), a.count())
                    : p == Double.POSITIVE_INFINITY ? GradNorms.maxAbs(a.array(), a.offset(), a.count())
                    : GradNorms.powerSum(a.array(), a.offset(), a.count(), p);
            case DataBuffer.HalfArray a -> reduce(new DataBuffer.Segment(MemorySegment.ofArray(a.array()), a.precision(), a.offset(),
                    a.count()), p);
            case DataBuffer.Segment s -> p == 2.0 ? GradNorms.sumOfSquares(s.precision(), s.segment(), s.offset(), s.length())
                    : p == Double.POSITIVE_INFINITY ? GradNorms.maxAbs(s.precision(), s.segment(), s.offset(), s.length())
                    : GradNorms.powerSum(s.precision(), s.segment(), s.offset(), s.length(), p);
        };
    }

    /** PyTorch's {@code min(max_norm / (total + 1e-6), 1)}. */
    public static double coefficient(double totalNorm, double maxNorm) {
        return Math.min(maxNorm / (totalNorm + 1e-6), 1.0);
    }

    /**
     * The fused form: the factor to pass to {@code opt.step(coef)} so that the step clips the gradients
     * to {@code maxNorm} without writing them. Throws like PyTorch when the norm is non-finite and
     * {@code errorIfNonfinite}.
     */
    public static double clipCoefficient(Optimizer opt, double maxNorm, double normType, boolean errorIfNonfinite) {
        double total = totalNorm(grads(opt), normType);
        checkFinite(total, normType, errorIfNonfinite);
        return coefficient(total, maxNorm);
    }

    /**
     * {@code clip_grad_norm_}: scales the gradients in place by the clipped coefficient and returns the
     * total norm; nothing is written when it throws.
     */
    public static double clipGradNorm(Optimizer opt, double maxNorm, double normType, boolean errorIfNonfinite) {
        List<DataBuffer> grads = grads(opt);
        double total = totalNorm(grads, normType);
        checkFinite(total, normType, errorIfNonfinite);
        double coef = coefficient(total, maxNorm);
        for (DataBuffer g : grads) { // PyTorch's g.mul_(coef) in the gradient's dtype
            switch (g.precision()) {
                case F32, BF16, F16 -> { // 16-bit: in f32, rounded once, as PyTorch's mul_ on bf16/f16 tensors
                    float c = (float) coef;
                    for (long i = 0; i < g.length(); i++) g.set(i, (float) g.get(i) * c);
                }
                case F64 -> {
                    for (long i = 0; i < g.length(); i++) g.set(i, g.get(i) * coef);
                }
            }
        }
        return total;
    }

    /** {@code clip_grad_value_}: clamps every gradient element to {@code [-clip, clip]} in place. */
    public static void clipGradValue(Optimizer opt, double clip) {
        if (!(clip >= 0)) throw new IllegalArgumentException("Invalid clip value: " + clip);
        for (DataBuffer g : grads(opt)) {
            for (long i = 0; i < g.length(); i++) {
                double x = g.get(i);
                if (x > clip) g.set(i, clip);
                else if (x < -clip) g.set(i, -clip);
            }
        }
    }

    private static void checkFinite(double total, double normType, boolean errorIfNonfinite) {
        if (errorIfNonfinite && !Double.isFinite(total)) {
            throw new IllegalStateException("The total norm of order " + normType + " for gradients from `parameters` is "
                    + "non-finite, so it cannot be clipped. To disable this error and scale the gradients by the non-finite "
                    + "norm anyway, set `error_if_nonfinite=False`");
        }
    }
}
