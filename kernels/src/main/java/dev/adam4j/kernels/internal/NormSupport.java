package dev.adam4j.kernels.internal;

import java.lang.foreign.MemorySegment;

/**
 * The gradient-norm reductions of one block (internal SPI; the public facade is
 * {@link dev.adam4j.kernels.GradNorms}, which validates, splits buffers into blocks and combines them).
 *
 * <p>The contract, which {@link ScalarNorms} states and every implementation reproduces bit for bit:
 * over {@code length} elements, element {@code i} goes to double accumulator {@code i mod 16} (f32
 * elements widened exactly), the accumulators start at {@code +0}, and the 16 are added as a balanced
 * tree {@code (((a0+a1)+(a2+a3))+((a4+a5)+(a6+a7)))+(((a8+a9)+…))}. Sum of squares accumulates with
 * {@code fma(x, x, a)}, sum of magnitudes with {@code a + |x|}; the largest magnitude is order-free,
 * and NaN when any element is NaN.
 *
 * <p>Segments hold elements in native byte order at any alignment; offsets and lengths count
 * elements. Callers have validated every argument.
 */
public interface NormSupport {

    /** {@code Σ x²} of f32 elements. */
    double sumOfSquares(float[] a, int offset, int length);

    /** {@code Σ x²} of f64 elements. */
    double sumOfSquares(double[] a, int offset, int length);

    /** {@code Σ x²} of f32 ({@code f64 == false}) or f64 elements of a segment. */
    double sumOfSquares(boolean f64, MemorySegment s, long offset, long length);

    /** {@code Σ |x|} of f32 elements. */
    double sumOfAbs(float[] a, int offset, int length);

    /** {@code Σ |x|} of f64 elements. */
    double sumOfAbs(double[] a, int offset, int length);

    /** {@code Σ |x|} of a segment's elements. */
    double sumOfAbs(boolean f64, MemorySegment s, long offset, long length);

    /** {@code max |x|} (0 for no elements, NaN if any is NaN) of f32 elements. */
    double maxAbs(float[] a, int offset, int length);

    /** {@code max |x|} of f64 elements. */
    double maxAbs(double[] a, int offset, int length);

    /** {@code max |x|} of a segment's elements. */
    double maxAbs(boolean f64, MemorySegment s, long offset, long length);
}
