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
        torch.ScalarType type = switch (p) {
            case F32 -> torch.ScalarType.Float;
            case F64 -> torch.ScalarType.Double;
            case BF16 -> torch.ScalarType.BFloat16;
            case F16 -> torch.ScalarType.Half;
        };
        return torch.empty(new long[] {n}, new TensorOptions(type), new MemoryFormatOptional());
    }

    /** The tensor's memory, without copying: the zero-copy view adam4j steps in place. */
    static MemorySegment memory(Tensor t) {
        return MemorySegment.ofAddress(t.data_ptr().address()).reinterpret(t.nbytes());
    }

    static Scalar s(double v) {
        return new Scalar(v);
    }

    /** A boxed {@code Tensor[]} argument for the dispatcher. */
    static org.bytedeco.pytorch.IValue tensorList(Tensor... ts) {
        org.bytedeco.pytorch.GenericList list = new org.bytedeco.pytorch.GenericList(
                new org.bytedeco.pytorch.Type.TypePtr(org.bytedeco.pytorch.TensorType.get()));
        for (Tensor t : ts) list.push_back(new org.bytedeco.pytorch.IValue(t));
        return new org.bytedeco.pytorch.IValue(list);
    }

    /**
     * PyTorch's fused CPU Adam/AdamW ({@code aten::_fused_adam_} / {@code _fused_adamw_}) on one
     * tensor, through the dispatcher; {@code step} is the float32 step tensor, which the caller
     * increments first, as torch.optim does.
     */
    static void fusedAdam(dev.adam4j.kernels.AdamHyperparameters h, Tensor p, Tensor g, Tensor m, Tensor v, Tensor vmax,
            Tensor step) {
        fusedAdam(h, p, g, m, v, vmax, step, null, null);
    }

    /** With PyTorch's optional {@code grad_scale} only (null for none). */
    static void fusedAdam(dev.adam4j.kernels.AdamHyperparameters h, Tensor p, Tensor g, Tensor m, Tensor v, Tensor vmax,
            Tensor step, Tensor gradScale) {
        fusedAdam(h, p, g, m, v, vmax, step, gradScale, null);
    }

    /**
     * The same with the AMP arguments: {@code gradScale} (the kernel divides the gradient by it) and
     * {@code foundInf} (non-zero: the kernel leaves everything unchanged); null for none.
     */
    static void fusedAdam(dev.adam4j.kernels.AdamHyperparameters h, Tensor p, Tensor g, Tensor m, Tensor v, Tensor vmax,
            Tensor step, Tensor gradScale, Tensor foundInf) {
        boolean decoupled = h.weightDecayMode() == dev.adam4j.kernels.WeightDecay.DECOUPLED;
        org.bytedeco.pytorch.OperatorHandle op = org.bytedeco.pytorch.Dispatcher.singleton()
                .findSchemaOrThrow(decoupled ? "aten::_fused_adamw_" : "aten::_fused_adam_", "");
        org.bytedeco.pytorch.IValueVector stack = new org.bytedeco.pytorch.IValueVector(
                tensorList(p), tensorList(g), tensorList(m), tensorList(v), h.amsgrad() ? tensorList(vmax) : tensorList(),
                tensorList(step), new org.bytedeco.pytorch.IValue(h.lr()), new org.bytedeco.pytorch.IValue(h.beta1()),
                new org.bytedeco.pytorch.IValue(h.beta2()), new org.bytedeco.pytorch.IValue(h.weightDecay()),
                new org.bytedeco.pytorch.IValue(h.eps()), new org.bytedeco.pytorch.IValue(h.amsgrad()),
                new org.bytedeco.pytorch.IValue(h.maximize()),
                gradScale == null ? new org.bytedeco.pytorch.IValue() : new org.bytedeco.pytorch.IValue(gradScale),
                foundInf == null ? new org.bytedeco.pytorch.IValue() : new org.bytedeco.pytorch.IValue(foundInf));
        org.bytedeco.pytorch.Dispatcher.singleton().callBoxed(op, stack);
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
