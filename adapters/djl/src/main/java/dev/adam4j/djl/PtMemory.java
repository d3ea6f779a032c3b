package dev.adam4j.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;

/**
 * The PyTorch engine's memory, seen from Java. Only this class names DJL's PyTorch classes; it is
 * loaded only once an array of the PyTorch engine is seen ({@code Adam4jOptimizer.isPyTorch}), so the
 * adapter runs on other engines (through a copy) without the PyTorch engine on the class path.
 *
 * <p>Why a tensor's memory can be stepped in place: for a dense, contiguous CPU tensor
 * {@code PtNDArray.toByteBuffer(true)} returns JNI's {@code NewDirectByteBuffer(tensor.data_ptr(),
 * nbytes)}, a view of the tensor's storage. For any other tensor it silently returns a view of a
 * temporary contiguous copy (and attaches that copy to the array's manager), so this class decides
 * contiguity first. DJL 0.35.1 has no public contiguity test: it is read through DJL's own native
 * {@code PyTorchLibrary.torchIsContiguous(handle)} (package-private, reached reflectively once); when
 * that is not possible, no tensor is claimed contiguous and every parameter takes the copy path.
 */
final class PtMemory {
    private PtMemory() {}

    private static final int STRIDED = 0; // c10::Layout::Strided, as JniUtils.getLayout reports it

    /** {@code torchIsContiguous(long handle)} bound to DJL's library instance, or null. */
    private static final MethodHandle IS_CONTIGUOUS;
    /** Why {@link #IS_CONTIGUOUS} is null, or null. */
    static final String UNAVAILABLE;

    static {
        MethodHandle h = null;
        String why = null;
        try {
            Class<?> lib = Class.forName("ai.djl.pytorch.jni.PyTorchLibrary", false, PtNDArray.class.getClassLoader());
            Field instance = lib.getDeclaredField("LIB");
            instance.setAccessible(true);
            var m = lib.getDeclaredMethod("torchIsContiguous", long.class);
            m.setAccessible(true);
            h = MethodHandles.lookup().unreflect(m).bindTo(instance.get(null))
                    .asType(MethodType.methodType(boolean.class, long.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            why = "DJL's PyTorchLibrary.torchIsContiguous is not reachable (" + e + ")";
        }
        IS_CONTIGUOUS = h;
        UNAVAILABLE = why;
    }

    /**
     * The memory of {@code a} as a segment, when {@code a} is a dense contiguous CPU tensor of at most
     * {@code Integer.MAX_VALUE} bytes (the limit of DJL's direct buffers); otherwise null, and
     * {@code why[0]} says why.
     */
    static MemorySegment storage(NDArray a, long byteSize, String[] why) {
        PtNDArray t = (PtNDArray) a;
        if (!Device.cpu().equals(t.getDevice())) {
            why[0] = "it lives on " + t.getDevice();
            return null;
        }
        if (byteSize == 0) {
            return MemorySegment.NULL; // nothing to alias: an empty tensor is stepped "in place" trivially
        }
        if (byteSize > Integer.MAX_VALUE) {
            why[0] = "it holds " + byteSize + " bytes, more than a DJL direct buffer can (2 GiB)";
            return null;
        }
        int layout = JniUtils.getLayout(t);
        if (layout != STRIDED) {
            why[0] = "its layout is not strided (torch layout " + layout + ")";
            return null;
        }
        if (IS_CONTIGUOUS == null) {
            why[0] = UNAVAILABLE;
            return null;
        }
        if (!isContiguous(t)) {
            why[0] = "it is not contiguous";
            return null;
        }
        ByteBuffer b = t.toByteBuffer(true);
        if (!b.isDirect() || b.capacity() != byteSize) {
            why[0] = "DJL returned a " + (b.isDirect() ? "" : "non-") + "direct buffer of " + b.capacity() + " bytes";
            return null;
        }
        return MemorySegment.ofBuffer(b);
    }

    private static boolean isContiguous(PtNDArray t) {
        try {
            return (boolean) IS_CONTIGUOUS.invokeExact((long) t.getHandle());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    /** PyTorch's {@code weight.grad.zero_()} when the weight has a gradient, as DJL's own optimizers do. */
    static void zeroGrad(NDArray weight) {
        JniUtils.zeroGrad((PtNDArray) weight);
    }
}
