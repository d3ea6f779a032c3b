package dev.adam4j.optim;

import java.util.Arrays;
import java.util.Objects;

/**
 * A parameter: an optional name, a data buffer updated in place, an optional shape (for
 * checkpoints), and a gradient buffer of the same precision, storage kind and length that may be
 * absent (PyTorch's {@code grad is None}).
 *
 * <p>Identity matters, as for PyTorch tensors: a parameter object may belong to one group of one
 * optimizer's view of the world, and {@code equals} is identity.
 */
public final class Param {
    private final String name;
    private final DataBuffer data;
    private final long[] shape;
    private DataBuffer grad;
    private boolean gradDefined;
    private boolean gradAttached; // the caller's buffer (setGrad), not one adam4j allocated
    final FlatParameters flat; // non-null when this is a view of a flat allocation
    final int flatIndex;

    private Param(String name, DataBuffer data, long[] shape, FlatParameters flat, int flatIndex) {
        this.data = Objects.requireNonNull(data, "data");
        this.name = name;
        long[] s = shape == null || shape.length == 0 ? new long[] {data.length()} : shape.clone();
        long count = 1;
        for (long d : s) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(s));
            try {
                count = Math.multiplyExact(count, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("shape " + Arrays.toString(s) + " has more than 2^63 elements");
            }
        }
        if (count != data.length()) {
            throw new IllegalArgumentException("shape " + Arrays.toString(s) + " has " + count
                    + " elements but the data buffer has " + data.length());
        }
        this.shape = s;
        this.flat = flat;
        this.flatIndex = flatIndex;
    }

    /** An unnamed parameter over {@code data}, shape {@code [length]}, without a gradient. */
    public static Param of(DataBuffer data) {
        return new Param(null, data, null, null, -1);
    }

    /** A named parameter over {@code data} with an optional shape (empty: {@code [length]}). */
    public static Param of(String name, DataBuffer data, long... shape) {
        Objects.requireNonNull(name, "name");
        return new Param(name, data, shape, null, -1);
    }

    /**
     * A named parameter over a whole {@code float[]}.
     *
     * @throws NullPointerException naming the parameter if {@code name} or {@code data} is null
     */
    public static Param of(String name, float[] data, long... shape) {
        Objects.requireNonNull(name, "name");
        if (data == null) throw new NullPointerException("the data array of parameter '" + name + "' is null");
        return of(name, DataBuffer.of(data), shape);
    }

    /**
     * A named parameter over a whole {@code double[]}.
     *
     * @throws NullPointerException naming the parameter if {@code name} or {@code data} is null
     */
    public static Param of(String name, double[] data, long... shape) {
        Objects.requireNonNull(name, "name");
        if (data == null) throw new NullPointerException("the data array of parameter '" + name + "' is null");
        return of(name, DataBuffer.of(data), shape);
    }

    /**
     * A named parameter over a whole {@code short[]} of {@code precision} bits ({@link
     * dev.adam4j.kernels.Precision#BF16} or {@link dev.adam4j.kernels.Precision#F16}): its gradient and
     * every moment are then 16-bit too, and the step is computed in f32 as PyTorch's fused CPU kernel
     * does for {@code torch.bfloat16}/{@code torch.float16} parameters.
     *
     * @throws NullPointerException naming the parameter if {@code name} or {@code data} is null
     * @throws IllegalArgumentException if {@code precision} is not a 16-bit type
     */
    public static Param of(String name, short[] data, dev.adam4j.kernels.Precision precision, long... shape) {
        Objects.requireNonNull(name, "name");
        if (data == null) throw new NullPointerException("the data array of parameter '" + name + "' is null");
        return of(name, DataBuffer.of(data, precision), shape);
    }

    static Param flatView(String name, DataBuffer data, long[] shape, DataBuffer grad, FlatParameters flat, int index) {
        Param p = new Param(name, data, shape, flat, index);
        p.grad = grad;
        p.gradDefined = true;
        return p;
    }

    /** The name, or null when the parameter is unnamed. */
    public String name() {
        return name;
    }

    public DataBuffer data() {
        return data;
    }

    public long[] shape() {
        return shape.clone();
    }

    public long length() {
        return data.length();
    }

    /** The gradient, or null when it is absent (never set, or cleared by {@code zeroGrad(true)}). */
    public DataBuffer grad() {
        return gradDefined ? grad : null;
    }

    /**
     * Attaches {@code grad}, a buffer the caller owns and writes (null clears the gradient). It must
     * match the data's precision, storage kind and length; otherwise nothing changes and
     * {@link IllegalArgumentException} names the mismatch. An attached buffer stays attached through
     * {@code zeroGrad()}, which zero-fills it, since the caller writes it directly.
     */
    public void setGrad(DataBuffer grad) {
        if (grad != null) {
            if (!grad.sameKind(data)) {
                throw new IllegalArgumentException("gradient of " + describe() + " must be " + data.precision()
                        + " in the same storage kind as its data (" + data.getClass().getSimpleName()
                        + "), got " + grad.precision() + " " + grad.getClass().getSimpleName());
            }
            if (grad.length() != data.length()) {
                throw new IllegalArgumentException("gradient of " + describe() + " has " + grad.length()
                        + " elements, data has " + data.length());
            }
            this.grad = grad;
        }
        this.gradDefined = grad != null;
        this.gradAttached = grad != null;
    }

    /** The optimizer's {@code zeroGrad}: see {@link Optimizer#zeroGrad(boolean)}. */
    void zeroGrad(boolean setToNone) {
        if (!gradDefined) return;
        if (setToNone && !gradAttached) {
            gradDefined = false; // the buffer is kept for defineGrad() to reuse
        } else {
            grad.fillZero();
        }
    }

    /**
     * The gradient buffer to write a fresh gradient into, defining it: the existing buffer when
     * there is one (its contents are whatever was left, for the caller to overwrite), otherwise a new
     * zero-filled buffer like the data. This is how a backward pass assigns a gradient after
     * {@code zeroGrad(true)} without a pass to clear it.
     */
    public DataBuffer defineGrad() {
        if (grad == null) {
            grad = data.allocateLike();
        }
        gradDefined = true;
        return grad;
    }

    /** Whether this parameter is a view of a {@link FlatParameters} allocation. */
    public boolean isFlatView() {
        return flat != null;
    }

    String describe() {
        return name != null ? "parameter '" + name + "'" : "an unnamed parameter of " + data.length() + " elements";
    }

    @Override
    public String toString() {
        return "Param(" + (name == null ? "" : name + ", ") + data.precision() + " " + Arrays.toString(shape) + ")";
    }
}
