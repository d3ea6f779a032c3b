package dev.adam4j.dl4j;

import dev.adam4j.kernels.Precision;
import java.lang.foreign.MemorySegment;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ND4J arrays as {@link MemorySegment}s over their own memory: no copy. ND4J's CPU backend keeps
 * array data off-heap; the segment spans exactly the array's elements, from the address of its first
 * element (a view's offset included). A restricted operation: run with
 * {@code --enable-native-access=ALL-UNNAMED} (or the adapter's module) to silence the JDK's warning.
 */
final class Nd4jMemory {
    private Nd4jMemory() {}

    /** The precision of {@code a}'s elements; only FLOAT and DOUBLE are stepped. */
    static Precision precision(INDArray a, String what) {
        DataType t = a.dataType();
        return switch (t) {
            case FLOAT -> Precision.F32;
            case DOUBLE -> Precision.F64;
            default -> throw new IllegalArgumentException(what + " has data type " + t
                    + "; adam4j-dl4j steps FLOAT and DOUBLE networks");
        };
    }

    /**
     * The elements of {@code a} (contiguous, in its storage order) as a segment.
     *
     * @throws IllegalArgumentException if {@code a} is not contiguous or not FLOAT/DOUBLE
     */
    static MemorySegment segment(INDArray a, String what) {
        Precision p = precision(a, what);
        long n = a.length();
        if (n > 1 && !isDense(a)) {
            throw new IllegalArgumentException(what + " is not contiguous (shape "
                    + java.util.Arrays.toString(a.shape()) + ", stride " + java.util.Arrays.toString(a.stride()) + ")");
        }
        if (n == 0) return MemorySegment.NULL;
        Pointer ptr = a.data().addressPointer();
        long address = ptr.address() + ptr.position() * p.byteSize();
        return MemorySegment.ofAddress(address).reinterpret(n * p.byteSize());
    }

    private static boolean isDense(INDArray a) {
        // c- or f-ordered with the default strides for its shape: elements are consecutive
        long[] shape = a.shape(), stride = a.stride();
        long expected = 1;
        if (a.ordering() == 'c') {
            for (int i = shape.length - 1; i >= 0; i--) {
                if (shape[i] != 1 && stride[i] != expected) return false;
                expected *= shape[i];
            }
        } else {
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] != 1 && stride[i] != expected) return false;
                expected *= shape[i];
            }
        }
        return true;
    }
}
