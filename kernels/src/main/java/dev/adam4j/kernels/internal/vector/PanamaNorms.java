package dev.adam4j.kernels.internal.vector;

import dev.adam4j.kernels.internal.NormSupport;
import dev.adam4j.kernels.internal.ScalarNorms;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The norm reductions with the JDK Vector API, bit for bit {@link ScalarNorms}'s order: the 16
 * double accumulators live in {@code K = 16 / L} vectors of {@code L} lanes (accumulator {@code k}
 * is lane {@code k mod L} of vector {@code k / L}), so each lane receives exactly the elements, in
 * exactly the order, that its scalar accumulator does. f32 elements are loaded {@code L} at a time
 * and widened exactly ({@code F2D}). The last {@code n mod 16} elements are loaded under a mask
 * whose unset lanes read {@code +0}, which leaves an accumulator unchanged ({@code a + 0 = a}
 * and {@code fma(0, 0, a) = a} for the accumulators' values, never {@code −0}; {@code max(a, 0) = a}
 * for {@code a ≥ 0} or NaN). The 16 lanes are then added in the specification's tree.
 *
 * <p>One loop for every operation and storage; the operation and the storage are loop-invariant
 * arguments, so C2 unswitches the loop on them. Nothing is allocated (measured with JMH's
 * {@code -prof gc}: a heap segment over the array, an earlier version, cost 72 bytes a block).
 */
enum PanamaNorms implements NormSupport {
    INSTANCE;

    static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    /** Lanes per accumulator vector: 8, 4 or 2 at 512, 256 or 128 bits. */
    static final int L = DS.length();
    /** Accumulator vectors. */
    static final int K = ScalarNorms.ACCUMULATORS / L;
    /** f32 loads of {@code L} lanes, widened into one accumulator vector. */
    static final VectorSpecies<Float> FS = VectorSpecies.of(float.class, VectorShape.forBitSize(L * Float.SIZE));
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();
    private static final int SQUARES = 0, ABS = 1, MAX = 2;

    /** Where the elements are: an f32 or f64 array, or an f32 or f64 segment (loop-invariant). */
    private static final int F32_ARRAY = 0, F64_ARRAY = 1, F32_SEGMENT = 2, F64_SEGMENT = 3;

    /** {@code L} elements from element {@code e}, widened to double. */
    private static DoubleVector load(int kind, float[] fa, double[] da, MemorySegment s, long e) {
        return switch (kind) {
            case F32_ARRAY -> (DoubleVector) FloatVector.fromArray(FS, fa, (int) e).convertShape(VectorOperators.F2D, DS, 0);
            case F64_ARRAY -> DoubleVector.fromArray(DS, da, (int) e);
            case F32_SEGMENT -> (DoubleVector) FloatVector.fromMemorySegment(FS, s, e * Float.BYTES, NATIVE)
                    .convertShape(VectorOperators.F2D, DS, 0);
            default -> DoubleVector.fromMemorySegment(DS, s, e * Double.BYTES, NATIVE);
        };
    }

    /** Lanes {@code first .. first + L − 1} of a tail of {@code r} elements from {@code e}; lanes past it read +0. */
    private static DoubleVector loadTail(int kind, float[] fa, double[] da, MemorySegment s, long e, int first, int r) {
        VectorMask<Double> m = DS.indexInRange(first, r);
        long at = e + first;
        return switch (kind) {
            case F32_ARRAY -> (DoubleVector) FloatVector.fromArray(FS, fa, (int) at, m.cast(FS)).convertShape(VectorOperators.F2D, DS, 0);
            case F64_ARRAY -> DoubleVector.fromArray(DS, da, (int) at, m);
            case F32_SEGMENT -> (DoubleVector) FloatVector.fromMemorySegment(FS, s, at * Float.BYTES, NATIVE, m.cast(FS))
                    .convertShape(VectorOperators.F2D, DS, 0);
            default -> DoubleVector.fromMemorySegment(DS, s, at * Double.BYTES, NATIVE, m);
        };
    }

    private static DoubleVector add(int op, DoubleVector a, DoubleVector x) {
        return switch (op) {
            case SQUARES -> x.fma(x, a);
            case ABS -> a.add(x.abs());
            default -> a.max(x.abs());
        };
    }

    /** One reduction; {@code op} and {@code kind} are loop-invariant (the loop is unswitched on them). */
    private static double reduce(int op, int kind, float[] fa, double[] da, MemorySegment s, long off, long n) {
        DoubleVector z = DoubleVector.zero(DS);
        DoubleVector a0 = z, a1 = z, a2 = z, a3 = z, a4 = z, a5 = z, a6 = z, a7 = z;
        long i = 0;
        for (; i + ScalarNorms.ACCUMULATORS <= n; i += ScalarNorms.ACCUMULATORS) {
            long e = off + i;
            a0 = add(op, a0, load(kind, fa, da, s, e));
            a1 = add(op, a1, load(kind, fa, da, s, e + L));
            if (K > 2) {
                a2 = add(op, a2, load(kind, fa, da, s, e + 2 * L));
                a3 = add(op, a3, load(kind, fa, da, s, e + 3 * L));
            }
            if (K > 4) {
                a4 = add(op, a4, load(kind, fa, da, s, e + 4 * L));
                a5 = add(op, a5, load(kind, fa, da, s, e + 5 * L));
                a6 = add(op, a6, load(kind, fa, da, s, e + 6 * L));
                a7 = add(op, a7, load(kind, fa, da, s, e + 7 * L));
            }
        }
        if (i < n) {
            int r = (int) (n - i);
            long e = off + i;
            a0 = add(op, a0, loadTail(kind, fa, da, s, e, 0, r));
            a1 = add(op, a1, loadTail(kind, fa, da, s, e, L, r));
            if (K > 2) {
                a2 = add(op, a2, loadTail(kind, fa, da, s, e, 2 * L, r));
                a3 = add(op, a3, loadTail(kind, fa, da, s, e, 3 * L, r));
            }
            if (K > 4) {
                a4 = add(op, a4, loadTail(kind, fa, da, s, e, 4 * L, r));
                a5 = add(op, a5, loadTail(kind, fa, da, s, e, 5 * L, r));
                a6 = add(op, a6, loadTail(kind, fa, da, s, e, 6 * L, r));
                a7 = add(op, a7, loadTail(kind, fa, da, s, e, 7 * L, r));
            }
        }
        if (op == MAX) {
            double m = a0.max(a1).max(a2).max(a3).max(a4).max(a5).max(a6).max(a7).reduceLanes(VectorOperators.MAX);
            return m != m ? Double.NaN : m;
        }
        return ScalarNorms.tree(
                lane(0, a0, a1, a2, a3, a4, a5, a6, a7), lane(1, a0, a1, a2, a3, a4, a5, a6, a7),
                lane(2, a0, a1, a2, a3, a4, a5, a6, a7), lane(3, a0, a1, a2, a3, a4, a5, a6, a7),
                lane(4, a0, a1, a2, a3, a4, a5, a6, a7), lane(5, a0, a1, a2, a3, a4, a5, a6, a7),
                lane(6, a0, a1, a2, a3, a4, a5, a6, a7), lane(7, a0, a1, a2, a3, a4, a5, a6, a7),
                lane(8, a0, a1, a2, a3, a4, a5, a6, a7), lane(9, a0, a1, a2, a3, a4, a5, a6, a7),
                lane(10, a0, a1, a2, a3, a4, a5, a6, a7), lane(11, a0, a1, a2, a3, a4, a5, a6, a7),
                lane(12, a0, a1, a2, a3, a4, a5, a6, a7), lane(13, a0, a1, a2, a3, a4, a5, a6, a7),
                lane(14, a0, a1, a2, a3, a4, a5, a6, a7), lane(15, a0, a1, a2, a3, a4, a5, a6, a7));
    }

    /** Accumulator {@code k}: lane {@code k mod L} of vector {@code k / L}. */
    private static double lane(int k, DoubleVector a0, DoubleVector a1, DoubleVector a2, DoubleVector a3,
            DoubleVector a4, DoubleVector a5, DoubleVector a6, DoubleVector a7) {
        DoubleVector v = switch (k / L) {
            case 0 -> a0; case 1 -> a1; case 2 -> a2; case 3 -> a3; case 4 -> a4; case 5 -> a5; case 6 -> a6;
            default -> a7;
        };
        return v.lane(k % L);
    }

    @Override
    public double sumOfSquares(float[] a, int offset, int length) {
        return reduce(SQUARES, F32_ARRAY, a, null, null, offset, length);
    }

    @Override
    public double sumOfSquares(double[] a, int offset, int length) {
        return reduce(SQUARES, F64_ARRAY, null, a, null, offset, length);
    }

    @Override
    public double sumOfSquares(boolean f64, MemorySegment s, long offset, long length) {
        return reduce(SQUARES, f64 ? F64_SEGMENT : F32_SEGMENT, null, null, s, offset, length);
    }

    @Override
    public double sumOfAbs(float[] a, int offset, int length) {
        return reduce(ABS, F32_ARRAY, a, null, null, offset, length);
    }

    @Override
    public double sumOfAbs(double[] a, int offset, int length) {
        return reduce(ABS, F64_ARRAY, null, a, null, offset, length);
    }

    @Override
    public double sumOfAbs(boolean f64, MemorySegment s, long offset, long length) {
        return reduce(ABS, f64 ? F64_SEGMENT : F32_SEGMENT, null, null, s, offset, length);
    }

    @Override
    public double maxAbs(float[] a, int offset, int length) {
        return reduce(MAX, F32_ARRAY, a, null, null, offset, length);
    }

    @Override
    public double maxAbs(double[] a, int offset, int length) {
        return reduce(MAX, F64_ARRAY, null, a, null, offset, length);
    }

    @Override
    public double maxAbs(boolean f64, MemorySegment s, long offset, long length) {
        return reduce(MAX, f64 ? F64_SEGMENT : F32_SEGMENT, null, null, s, offset, length);
    }
}
