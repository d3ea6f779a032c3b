package dev.adam4j.tribuo;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.la.DenseVector;
import org.tribuo.math.la.Tensor;

/**
 * The {@code double[]} rows behind Tribuo's dense tensors, without copying.
 *
 * <p>Tribuo 4.3 exposes no accessor for them: {@code DenseVector.elements} and
 * {@code DenseMatrix.values} are {@code protected}, and {@code toArray()} copies. They are read once
 * per tensor through a private lookup, which Java grants because Tribuo's packages are open (Tribuo
 * runs on the class path or as an automatic module). Only the exact classes {@link DenseVector} and
 * {@link DenseMatrix} qualify: a subclass may give its storage another meaning (Pegasos's
 * {@code ShrinkingMatrix} keeps a pending scale factor).
 */
final class DenseStorage {
    private DenseStorage() {}

    /** Whether {@link #rows} reaches {@code t}'s storage. */
    static boolean isDense(Tensor t) {
        return t.getClass() == DenseVector.class || t.getClass() == DenseMatrix.class;
    }

    /**
     * The live rows of a dense tensor: one row for a vector, {@code dim1} rows of {@code dim2} for a
     * matrix. Writes to them are writes to the tensor.
     *
     * @throws IllegalArgumentException if {@code t} is not exactly a {@link DenseVector} or {@link DenseMatrix}
     * @throws IllegalStateException if Tribuo's storage cannot be reached (a Tribuo without these fields,
     *     or one in a named module that does not open {@code org.tribuo.math.la})
     */
    static double[][] rows(Tensor t) {
        if (t.getClass() == DenseVector.class) {
            return new double[][] {(double[]) Handles.get().elements.get((DenseVector) t)};
        }
        if (t.getClass() == DenseMatrix.class) {
            return (double[][]) Handles.get().values.get((DenseMatrix) t);
        }
        throw new IllegalArgumentException("not a DenseVector or DenseMatrix: " + t.getClass().getName());
    }

    /** The two field handles, looked up on first use; a failure is reported on every use. */
    private record Handles(VarHandle elements, VarHandle values) {
        private static final Object HANDLES = lookup();

        static Handles get() {
            if (HANDLES instanceof Handles h) return h;
            throw new IllegalStateException("adam4j-tribuo cannot reach the double[] storage of Tribuo's "
                    + "DenseVector/DenseMatrix (" + HANDLES + "). It needs Tribuo 4.3 on the class path, or "
                    + "--add-opens <tribuo's module>/org.tribuo.math.la=<this adapter's module>.");
        }

        private static Object lookup() {
            try {
                MethodHandles.Lookup here = MethodHandles.lookup();
                VarHandle elements = MethodHandles.privateLookupIn(DenseVector.class, here)
                        .findVarHandle(DenseVector.class, "elements", double[].class);
                VarHandle values = MethodHandles.privateLookupIn(DenseMatrix.class, here)
                        .findVarHandle(DenseMatrix.class, "values", double[][].class);
                return new Handles(elements, values);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return e.toString();
            }
        }
    }
}
