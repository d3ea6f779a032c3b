package dev.adam4j.parity;

import dev.adam4j.kernels.Precision;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

/** Small helpers over the bytedeco libtorch presets. */
final class Torch {
    private Torch() {}

    static {
        torch.set_num_threads(1); // one thread: ATen's chunking (and so its tails) is then fixed
    }

    /** An uninitialised contiguous 1-D CPU tensor. */
    static Tensor empty(Precision p, long n) {
        return torch.empty(new long[] {n}, new TensorOptions(p == Precision.F32 ? torch.ScalarType.Float : torch.ScalarType.Double),
                new MemoryFormatOptional());
    }

    /** The tensor's memory, without copying: the zero-copy view adam4j steps in place. */
    static MemorySegment memory(Tensor t) {
        return MemorySegment.ofAddress(t.data_ptr().address()).reinterpret(t.nbytes());
    }

    static Scalar s(double v) {
        return new Scalar(v);
    }

    private static final MethodHandle POW = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().find("pow").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_DOUBLE, ValueLayout.JAVA_DOUBLE, ValueLayout.JAVA_DOUBLE));

    /** C's pow, which is what Python's float {@code **} calls. */
    static double pow(double x, double y) {
        try {
            return (double) POW.invokeExact(x, y);
        } catch (Throwable e) {
            throw new AssertionError(e);
        }
    }
}
