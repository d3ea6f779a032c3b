package dev.adam4j.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * The reductions gradient clipping and loss scaling need, over one buffer, read once (a few objects
 * per call, none per element): the sum of squares (2-norm²), the sum of {@code |x|^p}, and the largest magnitude. Every
 * result is computed in double (f32 elements are widened exactly) with a fixed order — element {@code i}
 * goes to accumulator {@code i mod 16}, and the 16 accumulators are added as a balanced tree — so the
 * result is deterministic and independent of where a vector body would end: this order is the contract
 * a vectorized implementation must reproduce bit for bit. A non-finite element makes the sum of squares
 * non-finite ({@code inf²} is inf, NaN propagates), which is how a loss scaler's overflow check is fused
 * into the norm pass.
 *
 * <p>This is the scalar specification; the Vector API implementation is not written yet.
 */
public final class GradNorms {
    private GradNorms() {}

    static final int LANES = 16;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    /** Reads element {@code i} as a double. */
    private interface Source {
        double get(long i);
    }

    private static double sumOfSquares(Source s, long n) {
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0, a8 = 0, a9 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0, a14 = 0, a15 = 0;
        long i = 0;
        for (; i + LANES <= n; i += LANES) {
            double x;
            x = s.get(i); a0 = Math.fma(x, x, a0);
            x = s.get(i + 1); a1 = Math.fma(x, x, a1);
            x = s.get(i + 2); a2 = Math.fma(x, x, a2);
            x = s.get(i + 3); a3 = Math.fma(x, x, a3);
            x = s.get(i + 4); a4 = Math.fma(x, x, a4);
            x = s.get(i + 5); a5 = Math.fma(x, x, a5);
            x = s.get(i + 6); a6 = Math.fma(x, x, a6);
            x = s.get(i + 7); a7 = Math.fma(x, x, a7);
            x = s.get(i + 8); a8 = Math.fma(x, x, a8);
            x = s.get(i + 9); a9 = Math.fma(x, x, a9);
            x = s.get(i + 10); a10 = Math.fma(x, x, a10);
            x = s.get(i + 11); a11 = Math.fma(x, x, a11);
            x = s.get(i + 12); a12 = Math.fma(x, x, a12);
            x = s.get(i + 13); a13 = Math.fma(x, x, a13);
            x = s.get(i + 14); a14 = Math.fma(x, x, a14);
            x = s.get(i + 15); a15 = Math.fma(x, x, a15);
        }
        double[] tail = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15};
        for (int k = 0; i < n; i++, k++) tail[k] = Math.fma(s.get(i), s.get(i), tail[k]);
        return tree(tail);
    }

    /** ((a0 + a1) + (a2 + a3)) + … as a balanced tree over the 16 accumulators. */
    private static double tree(double[] a) {
        for (int width = LANES; width > 1; width /= 2) {
            for (int k = 0; k < width / 2; k++) a[k] = a[2 * k] + a[2 * k + 1];
        }
        return a[0];
    }

    private static double powerSum(Source s, long n, double p) {
        double[] acc = new double[LANES];
        for (long i = 0; i < n; i++) acc[(int) (i % LANES)] += Math.pow(Math.abs(s.get(i)), p);
        return tree(acc);
    }

    private static double maxAbs(Source s, long n) {
        double m = 0;
        for (long i = 0; i < n; i++) {
            double x = Math.abs(s.get(i));
            if (Double.isNaN(x)) return x; // NaN wins, as torch.max propagates it
            if (x > m) m = x;
        }
        return m;
    }

    private static void checkRange(String what, int arrayLength, int offset, int length) {
        if (offset < 0 || length < 0 || offset > arrayLength - length) {
            throw new IllegalArgumentException(what + " range [" + offset + ", " + ((long) offset + length)
                    + ") is outside its array of length " + arrayLength);
        }
    }

    private static Source of(float[] a, int offset, int length) {
        Objects.requireNonNull(a, "array");
        checkRange("array", a.length, offset, length);
        return i -> a[offset + (int) i];
    }

    private static Source of(double[] a, int offset, int length) {
        Objects.requireNonNull(a, "array");
        checkRange("array", a.length, offset, length);
        return i -> a[offset + (int) i];
    }

    private static Source of(Precision precision, MemorySegment s, long offset, long length) {
        Objects.requireNonNull(s, "segment");
        Objects.requireNonNull(precision, "precision");
        if (offset < 0 || length < 0 || offset > s.byteSize() / precision.byteSize() - length) {
            throw new IllegalArgumentException("segment range [" + offset + ", " + (offset + length) + ") of " + precision
                    + " is outside its " + s.byteSize() + " bytes");
        }
        return switch (precision) {
            case F32 -> i -> s.getAtIndex(F, offset + i);
            case F64 -> i -> s.getAtIndex(D, offset + i);
            case BF16 -> i -> ReducedFloats.bf16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, offset + i));
            case F16 -> i -> ReducedFloats.f16ToFloat(s.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, offset + i));
        };
    }

    /** {@code Σ x²} over {@code length} f32 elements from {@code offset}, in double. */
    public static double sumOfSquares(float[] a, int offset, int length) {
        return sumOfSquares(of(a, offset, length), length);
    }

    /** {@code Σ x²} over {@code length} f64 elements from {@code offset}. */
    public static double sumOfSquares(double[] a, int offset, int length) {
        return sumOfSquares(of(a, offset, length), length);
    }

    /** {@code Σ x²} over {@code length} elements of {@code precision} from element {@code offset} of a segment. */
    public static double sumOfSquares(Precision precision, MemorySegment s, long offset, long length) {
        return sumOfSquares(of(precision, s, offset, length), length);
    }

    /** {@code Σ |x|^p} (any finite p > 0), in double. */
    public static double powerSum(float[] a, int offset, int length, double p) {
        checkP(p);
        return powerSum(of(a, offset, length), length, p);
    }

    public static double powerSum(double[] a, int offset, int length, double p) {
        checkP(p);
        return powerSum(of(a, offset, length), length, p);
    }

    public static double powerSum(Precision precision, MemorySegment s, long offset, long length, double p) {
        checkP(p);
        return powerSum(of(precision, s, offset, length), length, p);
    }

    /** {@code max |x|} (0 for no elements; NaN if any element is NaN). */
    public static double maxAbs(float[] a, int offset, int length) {
        return maxAbs(of(a, offset, length), length);
    }

    public static double maxAbs(double[] a, int offset, int length) {
        return maxAbs(of(a, offset, length), length);
    }

    public static double maxAbs(Precision precision, MemorySegment s, long offset, long length) {
        return maxAbs(of(precision, s, offset, length), length);
    }

    private static void checkP(double p) {
        if (!(p > 0) || Double.isInfinite(p)) throw new IllegalArgumentException("Invalid norm type p: " + p + " (must be finite and > 0)");
    }
}
