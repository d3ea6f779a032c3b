package dev.adam4j.optim.clip;

import dev.adam4j.kernels.GradNorms;
import dev.adam4j.kernels.Precision;
import dev.adam4j.kernels.ReducedFloats;
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
 * gradients instead of a read, a write and another read. The fused and the in-place forms give
 * bitwise the same step.
 *
 * <h2>How the total norm relates to PyTorch's</h2>
 * PyTorch (2.x) computes one norm per gradient in the gradient's dtype ({@code _foreach_norm}), then the
 * norm of those norms ({@code vector_norm(stack(norms))}), then {@code clip_coef = max_norm / (total +
 * 1e-6)} as {@code reciprocal(total + 1e-6) · max_norm} in the same dtype, clamped to 1, and multiplies
 * every gradient by it. adam4j keeps the same data flow and rounding points: each gradient's reduction
 * runs in double ({@link GradNorms}, deterministic for any thread count), its norm is rounded to the
 * gradients' dtype, the total is evaluated in double from those rounded norms and rounded to the dtype,
 * and the coefficient is computed exactly as PyTorch writes it, in that dtype. What differs is only the
 * accuracy of the reductions: PyTorch accumulates f32 gradients in f32, adam4j in double, so for f32
 * gradients the totals agree where PyTorch's own rounding error is below half an f32 ulp — the parity
 * module measures how often (docs/clipping-parity.md). bf16/f16 gradients follow the same flow with each
 * operation in f32 and rounded to the 16-bit type, as ATen computes them. Gradients of different precisions together are
 * treated in f64.
 *
 * <p>With {@code opt} an {@link dev.adam4j.optim.Adam} stepping on several threads, the norm pass runs on
 * the same threads ({@link Optimizer#runParallel}): blocks of {@link GradNorms#BLOCK} elements are
 * reduced in parallel and added in block order, so the result has the same bits for any thread count.
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
     * {@code Double.POSITIVE_INFINITY}), on the calling thread; non-finite when a gradient holds inf or
     * NaN. Rounded to f32 when every gradient is f32, as PyTorch returns it.
     */
    public static double totalNorm(List<DataBuffer> grads, double normType) {
        return totalNorm(null, grads, normType);
    }

    /**
     * {@link #totalNorm(List, double)} with the reductions on {@code opt}'s step threads (bitwise the
     * same result); {@code opt} may be null for the calling thread.
     */
    public static double totalNorm(Optimizer opt, List<DataBuffer> grads, double normType) {
        Objects.requireNonNull(grads, "grads");
        if (!(normType > 0)) throw new IllegalArgumentException("Invalid norm_type: " + normType + " (must be > 0 or inf)");
        for (int i = 0; i < grads.size(); i++) Objects.requireNonNull(grads.get(i), "grads[" + i + "]");
        if (grads.isEmpty()) return 0.0;
        Precision dtype = dtype(grads);
        double[] reduced = reduceAll(opt, grads, normType);
        boolean inf = normType == Double.POSITIVE_INFINITY;
        double acc = 0;
        for (double r : reduced) {
            double n = inf ? r : normType == 2.0 ? Math.sqrt(r) : Math.pow(r, 1.0 / normType);
            n = round(n, dtype); // PyTorch's per-gradient norm is a tensor of the gradient's dtype
            if (inf) {
                if (Double.isNaN(n)) return n; // NaN wins
                if (n > acc) acc = n;
            } else {
                acc += normType == 2.0 ? n * n : Math.pow(n, normType);
            }
        }
        double total = inf ? acc : normType == 2.0 ? Math.sqrt(acc) : Math.pow(acc, 1.0 / normType);
        return round(total, dtype);
    }

    /**
     * The dtype PyTorch's norm arithmetic runs in for these gradients: their common precision, or F64
     * when they differ (a mixed stack is promoted) or there are none.
     */
    public static Precision dtype(List<DataBuffer> grads) {
        Precision p = grads.isEmpty() ? Precision.F64 : grads.get(0).precision();
        for (DataBuffer g : grads) {
            if (g.precision() != p) return Precision.F64;
        }
        return p;
    }

    /** {@code x} rounded to {@code p}, through f32 for the 16-bit types (ATen computes them in f32). */
    static double round(double x, Precision p) {
        return switch (p) {
            case F64 -> x;
            case F32 -> (float) x;
            case BF16, F16 -> ReducedFloats.toFloat(p, ReducedFloats.fromFloat(p, (float) x));
        };
    }

    /**
     * Σx² (p = 2), Σ|x|^p, or max|x| (p = inf) of each buffer: block by block ({@link GradNorms#BLOCK}),
     * the blocks spread over {@code opt}'s threads and combined in block order, which is exactly what
     * {@link GradNorms} computes for the whole buffer on one thread.
     */
    private static double[] reduceAll(Optimizer opt, List<DataBuffer> grads, double p) {
        int m = grads.size();
        double[] out = new double[m];
        long elements = 0;
        int[] firstBlock = new int[m + 1];
        for (int j = 0; j < m; j++) {
            long n = grads.get(j).length();
            elements += n;
            firstBlock[j + 1] = Math.addExact(firstBlock[j], (int) Math.max(1, (n + GradNorms.BLOCK - 1) / GradNorms.BLOCK));
        }
        int parts = opt == null ? 1 : opt.parallelParts(elements, grads);
        if (parts <= 1) {
            for (int j = 0; j < m; j++) out[j] = reduce(grads.get(j), p);
            return out;
        }
        int blocks = firstBlock[m];
        double[] partial = new double[blocks];
        int[] owner = new int[blocks]; // block -> buffer
        for (int j = 0; j < m; j++) java.util.Arrays.fill(owner, firstBlock[j], firstBlock[j + 1], j);
        int used = Math.min(parts, blocks);
        opt.runParallel(used, k -> {
            for (int b = (int) ((long) blocks * k / used), end = (int) ((long) blocks * (k + 1) / used); b < end; b++) {
                DataBuffer g = grads.get(owner[b]);
                long from = (long) (b - firstBlock[owner[b]]) * GradNorms.BLOCK;
                partial[b] = reduce(g.slice(from, Math.min(GradNorms.BLOCK, g.length() - from)), p);
            }
        });
        boolean max = p == Double.POSITIVE_INFINITY;
        for (int j = 0; j < m; j++) {
            double v = partial[firstBlock[j]];
            for (int b = firstBlock[j] + 1; b < firstBlock[j + 1]; b++) v = max ? GradNorms.max(v, partial[b]) : v + partial[b];
            out[j] = v;
        }
        return out;
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

    /** PyTorch's {@code min(max_norm / (total + 1e-6), 1)} in double. */
    public static double coefficient(double totalNorm, double maxNorm) {
        return coefficient(totalNorm, maxNorm, false);
    }

    /** {@link #coefficient(double, double, Precision)} in f32 ({@code f32}) or f64. */
    public static double coefficient(double totalNorm, double maxNorm, boolean f32) {
        return coefficient(totalNorm, maxNorm, f32 ? Precision.F32 : Precision.F64);
    }

    /**
     * PyTorch's {@code clamp(max_norm / (total + 1e-6), max=1)}, which Python evaluates as
     * {@code total.add(1e-6).reciprocal().mul(max_norm)}, in the gradients' dtype: in f64, in f32 (1e-6
     * and max_norm rounded to f32 first, as ATen does with a Python scalar), or for bf16/f16 each
     * operation in f32 and rounded to the 16-bit type, as ATen's CPU kernels do.
     */
    public static double coefficient(double totalNorm, double maxNorm, Precision dtype) {
        return switch (dtype) {
            case F64 -> Math.min((1.0 / (totalNorm + 1e-6)) * maxNorm, 1.0);
            case F32 -> Math.min((1.0f / ((float) totalNorm + (float) 1e-6)) * (float) maxNorm, 1.0f);
            case BF16, F16 -> {
                float t = (float) round((float) totalNorm + (float) 1e-6, dtype);
                float r = (float) round(1.0f / t, dtype);
                yield Math.min(round(r * (float) maxNorm, dtype), 1.0);
            }
        };
    }

    /**
     * The fused form: the factor to pass to {@code opt.step(coef)} so that the step clips the gradients
     * to {@code maxNorm} without writing them. Throws like PyTorch when the norm is non-finite and
     * {@code errorIfNonfinite}.
     */
    public static double clipCoefficient(Optimizer opt, double maxNorm, double normType, boolean errorIfNonfinite) {
        checkMaxNorm(maxNorm);
        List<DataBuffer> grads = grads(opt);
        double total = totalNorm(opt, grads, normType);
        checkFinite(total, normType, errorIfNonfinite);
        return coefficient(total, maxNorm, dtype(grads));
    }

    /**
     * {@code clip_grad_norm_}: scales the gradients in place by the clipped coefficient and returns the
     * total norm; nothing is written when it throws.
     */
    public static double clipGradNorm(Optimizer opt, double maxNorm, double normType, boolean errorIfNonfinite) {
        checkMaxNorm(maxNorm);
        List<DataBuffer> grads = grads(opt);
        double total = totalNorm(opt, grads, normType);
        checkFinite(total, normType, errorIfNonfinite);
        double coef = coefficient(total, maxNorm, dtype(grads));
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

    private static void checkMaxNorm(double maxNorm) {
        if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("Invalid max_norm: " + maxNorm + " (must be finite and >= 0)");
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
