package dev.adam4j.kernels.internal;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The scalar specification of {@link NormSupport}: the order stated there, written out once over an
 * element source. The vector implementation must equal it bit for bit (NaN payloads aside); the
 * tests compare the two at every vector width.
 */
public enum ScalarNorms implements NormSupport {
    INSTANCE;

    /** Accumulators, and so the period of the element-to-accumulator assignment. */
    public static final int ACCUMULATORS = 16;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble D = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    /** Element {@code i} of a source, widened to double. */
    @FunctionalInterface
    public interface Source {
        double get(long i);
    }

    private enum Op { SQUARES, ABS }

    private static double sum(Op op, Source s, long n) {
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        double a8 = 0, a9 = 0, a10 = 0, a11 = 0, a12 = 0, a13 = 0, a14 = 0, a15 = 0;
        for (long i = 0; i < n; i++) {
            double x = s.get(i);
            double acc = switch ((int) (i % ACCUMULATORS)) {
                case 0 -> a0; case 1 -> a1; case 2 -> a2; case 3 -> a3; case 4 -> a4; case 5 -> a5;
                case 6 -> a6; case 7 -> a7; case 8 -> a8; case 9 -> a9; case 10 -> a10; case 11 -> a11;
                case 12 -> a12; case 13 -> a13; case 14 -> a14; default -> a15;
            };
            acc = op == Op.SQUARES ? Math.fma(x, x, acc) : acc + Math.abs(x);
            switch ((int) (i % ACCUMULATORS)) {
                case 0 -> a0 = acc; case 1 -> a1 = acc; case 2 -> a2 = acc; case 3 -> a3 = acc;
                case 4 -> a4 = acc; case 5 -> a5 = acc; case 6 -> a6 = acc; case 7 -> a7 = acc;
                case 8 -> a8 = acc; case 9 -> a9 = acc; case 10 -> a10 = acc; case 11 -> a11 = acc;
                case 12 -> a12 = acc; case 13 -> a13 = acc; case 14 -> a14 = acc; default -> a15 = acc;
            }
        }
        return tree(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15);
    }

    /** The balanced tree over the 16 accumulators: the one combination order. */
    public static double tree(double a0, double a1, double a2, double a3, double a4, double a5, double a6, double a7,
            double a8, double a9, double a10, double a11, double a12, double a13, double a14, double a15) {
        return (((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)))
                + (((a8 + a9) + (a10 + a11)) + ((a12 + a13) + (a14 + a15)));
    }

    /** {@code Σ x²} of a source (what every specialised entry point computes). */
    public static double sumOfSquares(Source s, long n) {
        return sum(Op.SQUARES, s, n);
    }

    /** {@code Σ |x|} of a source. */
    public static double sumOfAbs(Source s, long n) {
        return sum(Op.ABS, s, n);
    }

    /** {@code max |x|} of a source (NaN if any element is). */
    public static double maxAbs(Source s, long n) {
        return max(s, n);
    }

    /** {@code Σ |x|^p} of a source, in the same order ({@code Math.pow} per element: scalar only). */
    public static double powerSum(Source s, long n, double p) {
        return sum(Op.ABS, i -> Math.pow(Math.abs(s.get(i)), p), n);
    }

    private static double max(Source s, long n) {
        double m = 0;
        for (long i = 0; i < n; i++) {
            double x = Math.abs(s.get(i));
            if (x != x) return Double.NaN; // NaN wins, as torch.max propagates it
            if (x > m) m = x;
        }
        return m;
    }

    public static Source of(float[] a, int offset) {
        return i -> a[offset + (int) i];
    }

    public static Source of(double[] a, int offset) {
        return i -> a[offset + (int) i];
    }

    public static Source of(boolean f64, MemorySegment s, long offset) {
        return f64 ? i -> s.getAtIndex(D, offset + i) : i -> s.getAtIndex(F, offset + i);
    }

    @Override
    public double sumOfSquares(float[] a, int offset, int length) {
        return sum(Op.SQUARES, of(a, offset), length);
    }

    @Override
    public double sumOfSquares(double[] a, int offset, int length) {
        return sum(Op.SQUARES, of(a, offset), length);
    }

    @Override
    public double sumOfSquares(boolean f64, MemorySegment s, long offset, long length) {
        return sum(Op.SQUARES, of(f64, s, offset), length);
    }

    @Override
    public double sumOfAbs(float[] a, int offset, int length) {
        return sum(Op.ABS, of(a, offset), length);
    }

    @Override
    public double sumOfAbs(double[] a, int offset, int length) {
        return sum(Op.ABS, of(a, offset), length);
    }

    @Override
    public double sumOfAbs(boolean f64, MemorySegment s, long offset, long length) {
        return sum(Op.ABS, of(f64, s, offset), length);
    }

    @Override
    public double maxAbs(float[] a, int offset, int length) {
        return max(of(a, offset), length);
    }

    @Override
    public double maxAbs(double[] a, int offset, int length) {
        return max(of(a, offset), length);
    }

    @Override
    public double maxAbs(boolean f64, MemorySegment s, long offset, long length) {
        return max(of(f64, s, offset), length);
    }
}
