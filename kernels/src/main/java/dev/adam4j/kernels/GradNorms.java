package dev.adam4j.kernels;

import dev.adam4j.kernels.internal.KernelProviders;
import dev.adam4j.kernels.internal.NormSupport;
import dev.adam4j.kernels.internal.ScalarNorms;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * The reductions gradient clipping and loss scaling need, over one buffer, read once: the sum of
 * squares (2-norm²), the sum of {@code |x|^p}, and the largest magnitude, each computed in double
 * (f32 elements are widened exactly) in one fixed order, so the result is deterministic: the same for
 * every vector width, every provider and every way of splitting the work across threads.
 *
 * <h2>The order (a contract)</h2>
 * A buffer is cut into blocks of {@link #BLOCK} elements counted from its first element (the last
 * block may be shorter). Within a block, element {@code i} goes to double accumulator {@code i mod 16}
 * ({@code fma(x, x, a)} for squares, {@code a + |x|^p} for powers), and the 16 accumulators are added
 * as a balanced tree. The blocks' values are added left to right. A caller that reduces blocks on
 * several threads and adds their values in block order gets exactly the single-threaded result,
 * which is how {@code ClipGrad} parallelizes. The largest magnitude is order-free; it is NaN when any
 * element is NaN, as {@code torch.max} propagates it.
 *
 * <p>A non-finite element makes the sum of squares non-finite ({@code inf²} is inf, NaN propagates):
 * a loss scaler's overflow check is the norm pass itself.
 *
 * <p>The sum of squares, the 1-norm's sum and the largest magnitude of f32 and f64 elements run on the
 * provider's kernels (Vector API where available, bitwise equal to the scalar specification); any other
 * power {@code p} needs {@code Math.pow} per element and runs the scalar specification, and so do
 * bf16/f16 segments for now (their elements widened exactly, the same order).
 */
public final class GradNorms {
    private GradNorms() {}

    /** Elements of one block of the fixed reduction order. */
    public static final int BLOCK = 1 << 16;

    private static final int SQUARES = 0, POWER = 1, MAX = 2;

    /** The value of elements {@code [from, from + len)} of the buffer, one block at most. */
    @FunctionalInterface
    private interface Block {
        double of(long from, long len);
    }

    /** Blocks from the buffer's start, combined left to right (max for {@code MAX}). */
    private static double blocked(int op, long n, Block b) {
        if (n <= BLOCK) return b.of(0, n);
        double total = b.of(0, BLOCK);
        for (long from = BLOCK; from < n; from += BLOCK) {
            double x = b.of(from, Math.min(BLOCK, n - from));
            total = op == MAX ? max(total, x) : total + x;
        }
        return total;
    }

    /** The largest of two block maxima, NaN if either is. */
    public static double max(double a, double b) {
        return a != a || b != b ? Double.NaN : Math.max(a, b);
    }

    private static NormSupport kernels() {
        return KernelProviders.get().norms();
    }

    private static void checkRange(String what, int arrayLength, int offset, int length) {
        if (offset < 0 || length < 0 || offset > arrayLength - length) {
            throw new IllegalArgumentException(what + " range [" + offset + ", " + ((long) offset + length)
                    + ") is outside its array of length " + arrayLength);
        }
    }

    /** Validates a segment range; returns whether its elements are f64 (f32 otherwise; 16-bit types go elsewhere). */
    private static boolean checkSegment(Precision precision, MemorySegment s, long offset, long length) {
        Objects.requireNonNull(s, "segment");
        Objects.requireNonNull(precision, "precision");
        if (offset < 0 || length < 0 || offset > s.byteSize() / precision.byteSize() - length) {
            throw new IllegalArgumentException("segment range [" + offset + ", " + (offset + length) + ") of " + precision
                    + " is outside its " + s.byteSize() + " bytes");
        }
        return switch (precision) {
            case F32, BF16, F16 -> false;
            case F64 -> true;
        };
    }

    /** bf16/f16 elements widened to f32 (exactly), as a source of the scalar specification. */
    private static ScalarNorms.Source half(Precision precision, MemorySegment s, long offset) {
        return i -> ReducedFloats.toFloat(precision, s.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, offset + i));
    }

    private static void checkP(double p) {
        if (!(p > 0) || Double.isInfinite(p)) throw new IllegalArgumentException("Invalid norm type p: " + p + " (must be finite and > 0)");
    }

    private static double reduce(int op, double p, float[] a, int offset, int length) {
        Objects.requireNonNull(a, "array");
        checkRange("array", a.length, offset, length);
        NormSupport k = kernels();
        return blocked(op, length, (from, len) -> switch (op) {
            case SQUARES -> k.sumOfSquares(a, offset + (int) from, (int) len);
            case MAX -> k.maxAbs(a, offset + (int) from, (int) len);
            default -> p == 1.0 ? k.sumOfAbs(a, offset + (int) from, (int) len)
                    : ScalarNorms.powerSum(ScalarNorms.of(a, offset + (int) from), len, p);
        });
    }

    private static double reduce(int op, double p, double[] a, int offset, int length) {
        Objects.requireNonNull(a, "array");
        checkRange("array", a.length, offset, length);
        NormSupport k = kernels();
        return blocked(op, length, (from, len) -> switch (op) {
            case SQUARES -> k.sumOfSquares(a, offset + (int) from, (int) len);
            case MAX -> k.maxAbs(a, offset + (int) from, (int) len);
            default -> p == 1.0 ? k.sumOfAbs(a, offset + (int) from, (int) len)
                    : ScalarNorms.powerSum(ScalarNorms.of(a, offset + (int) from), len, p);
        });
    }

    private static double reduce(int op, double p, Precision precision, MemorySegment s, long offset, long length) {
        boolean f64 = checkSegment(precision, s, offset, length);
        if (precision == Precision.BF16 || precision == Precision.F16) { // the scalar specification (no vector kernel yet)
            return blocked(op, length, (from, len) -> {
                ScalarNorms.Source src = half(precision, s, offset + from);
                return switch (op) {
                    case SQUARES -> ScalarNorms.sumOfSquares(src, len);
                    case MAX -> ScalarNorms.maxAbs(src, len);
                    default -> p == 1.0 ? ScalarNorms.sumOfAbs(src, len) : ScalarNorms.powerSum(src, len, p);
                };
            });
        }
        NormSupport k = kernels();
        return blocked(op, length, (from, len) -> switch (op) {
            case SQUARES -> k.sumOfSquares(f64, s, offset + from, len);
            case MAX -> k.maxAbs(f64, s, offset + from, len);
            default -> p == 1.0 ? k.sumOfAbs(f64, s, offset + from, len)
                    : ScalarNorms.powerSum(ScalarNorms.of(f64, s, offset + from), len, p);
        });
    }

    /** {@code Σ x²} over {@code length} f32 elements from {@code offset}, in double. */
    public static double sumOfSquares(float[] a, int offset, int length) {
        return reduce(SQUARES, 2, a, offset, length);
    }

    /** {@code Σ x²} over {@code length} f64 elements from {@code offset}. */
    public static double sumOfSquares(double[] a, int offset, int length) {
        return reduce(SQUARES, 2, a, offset, length);
    }

    /** {@code Σ x²} over {@code length} elements of {@code precision} from element {@code offset} of a segment. */
    public static double sumOfSquares(Precision precision, MemorySegment s, long offset, long length) {
        return reduce(SQUARES, 2, precision, s, offset, length);
    }

    /** {@code Σ |x|^p} (any finite p > 0), in double. */
    public static double powerSum(float[] a, int offset, int length, double p) {
        checkP(p);
        return reduce(POWER, p, a, offset, length);
    }

    /** {@code Σ |x|^p} of f64 elements. */
    public static double powerSum(double[] a, int offset, int length, double p) {
        checkP(p);
        return reduce(POWER, p, a, offset, length);
    }

    /** {@code Σ |x|^p} of a segment's elements. */
    public static double powerSum(Precision precision, MemorySegment s, long offset, long length, double p) {
        checkP(p);
        return reduce(POWER, p, precision, s, offset, length);
    }

    /** {@code max |x|} (0 for no elements; NaN if any element is NaN). */
    public static double maxAbs(float[] a, int offset, int length) {
        return reduce(MAX, 0, a, offset, length);
    }

    /** {@code max |x|} of f64 elements. */
    public static double maxAbs(double[] a, int offset, int length) {
        return reduce(MAX, 0, a, offset, length);
    }

    /** {@code max |x|} of a segment's elements. */
    public static double maxAbs(Precision precision, MemorySegment s, long offset, long length) {
        return reduce(MAX, 0, precision, s, offset, length);
    }
}
