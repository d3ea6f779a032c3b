package dev.adam4j.kernels;

import dev.adam4j.kernels.internal.KernelProvider;
import dev.adam4j.kernels.internal.KernelProviders;
import dev.adam4j.kernels.internal.StepScalars;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;

/**
 * One fused Adam step over one contiguous range: parameters, gradients, {@code exp_avg},
 * {@code exp_avg_sq} and (AMSGrad) {@code max_exp_avg_sq} are read once and written once.
 * Stateless, thread-safe for disjoint ranges, and allocation-free.
 *
 * <h2>Update rule</h2>
 * For step {@code t ≥ 1}, per element, in the parameter's precision (PyTorch's {@code torch.optim.Adam}):
 * <pre>
 *   g  = gradScale · g ;  if maximize: g = −g
 *   L2:        g = g + wd·p                 decoupled (AdamW):  p = p·(1 − lr·wd)
 *   m  = lerp(m, g, 1 − β1)                 v = v·β2 + (1 − β2)·g·g
 *   amsgrad:   vmax = max(vmax, v);  v̂ = vmax   (otherwise v̂ = v)
 *   PYTORCH:   p = p − lr/(1 − β1^t) · m / (sqrt(v̂)/sqrt(1 − β2^t) + ε)
 *   EPS_HAT:   p = p − lr·sqrt(1 − β2^t)/(1 − β1^t) · m / (sqrt(v̂) + ε)
 * </pre>
 * The exact order of floating-point operations, and where a fused multiply-add is used, are a
 * compatibility contract stated in {@link dev.adam4j.kernels.internal.ScalarAdamF32}: it is
 * PyTorch's default CPU path, so results are reproducible bit for bit across providers, vector
 * widths and lengths. {@code gradScale} multiplies the gradient first, so unscaling, clipping by a
 * precomputed coefficient, or averaging accumulated gradients cost no extra pass. Gradients are never
 * written. NaN and infinities propagate as in PyTorch; nothing is clamped.
 *
 * <h2>Storage</h2>
 * {@code float[]}, {@code double[]} and {@code short[]} (16-bit {@link Precision#BF16} or
 * {@link Precision#F16} bits, computed in f32 as PyTorch's fused CPU kernel does) with an offset per
 * buffer, or {@link MemorySegment}s (heap or native, any alignment) holding values of any
 * {@link Precision} in the platform's native byte order, with element offsets. Buffers must not overlap, except that a
 * gradient may be read-only. All buffers of one call have the same precision, except in two layouts: f32 parameters
 * with 16-bit moments, and bf16 parameters with split f32 master weights ({@code stepSplit}: bf16 parameters, their
 * low halves and gradients, f32 moments). {@code stepStochastic} is the bf16 step with the parameter rounded
 * stochastically ({@link StochasticRounding}).
 *
 * <h2>Validation</h2>
 * Every argument is checked before anything is written: a bad one throws
 * {@link IllegalArgumentException} naming it and its value (or {@link IllegalStateException} for a
 * closed or foreign-thread segment), and no buffer is touched. {@code maxExpAvgSq} may be null
 * unless {@code amsgrad}.
 *
 * <h2>Providers</h2>
 * The Vector API implementation runs when the JVM has {@code --add-modules jdk.incubator.vector};
 * otherwise a scalar implementation runs after one WARNING. {@code -Dadam4j.kernel=scalar|vector}
 * forces one ({@code vector} where it cannot load is an error). {@link #providerName()} and
 * {@link #vectorBitSize()} tell which is active.
 */
public final class AdamKernels {
    private AdamKernels() {}

    /** {@code "vector"} or {@code "scalar"}: the implementation that runs the steps. */
    public static String providerName() {
        return KernelProviders.get().name();
    }

    /** The f32 vector width in bits of the active provider (128, 256, 512), or 0 for scalar. */
    public static int vectorBitSize() {
        return KernelProviders.get().vectorBitSize();
    }

    /**
     * One Adam step over {@code length} f32 elements starting at the given offset of each array.
     *
     * @param h hyperparameters
     * @param t the 1-based step number, after incrementing (PyTorch's {@code state['step']})
     * @param gradScale factor applied to the gradient before anything else; finite
     * @param maxExpAvgSq AMSGrad's running maximum; ignored (may be null) unless {@code h.amsgrad()}
     * @throws IllegalArgumentException for a bad argument, before anything is written
     */
    public static void step(AdamHyperparameters h, long t, double gradScale,
            float[] param, int paramOffset, float[] grad, int gradOffset,
            float[] expAvg, int expAvgOffset, float[] expAvgSq, int expAvgSqOffset,
            float[] maxExpAvgSq, int maxExpAvgSqOffset, int length) {
        checkArrays(h, t, gradScale, param, len(param), paramOffset, grad, len(grad), gradOffset,
                expAvg, len(expAvg), expAvgOffset, expAvgSq, len(expAvgSq), expAvgSqOffset,
                maxExpAvgSq, len(maxExpAvgSq), maxExpAvgSqOffset, length);
        provider().adamF32().step(h, StepScalars.negStepSize(h, t), StepScalars.bc2Sqrt(h, t), gradScale,
                param, paramOffset, grad, gradOffset, expAvg, expAvgOffset, expAvgSq, expAvgSqOffset,
                maxExpAvgSq, maxExpAvgSqOffset, length);
    }

    /** One Adam step over {@code length} f64 elements; see the f32 overload. */
    public static void step(AdamHyperparameters h, long t, double gradScale,
            double[] param, int paramOffset, double[] grad, int gradOffset,
            double[] expAvg, int expAvgOffset, double[] expAvgSq, int expAvgSqOffset,
            double[] maxExpAvgSq, int maxExpAvgSqOffset, int length) {
        checkArrays(h, t, gradScale, param, len(param), paramOffset, grad, len(grad), gradOffset,
                expAvg, len(expAvg), expAvgOffset, expAvgSq, len(expAvgSq), expAvgSqOffset,
                maxExpAvgSq, len(maxExpAvgSq), maxExpAvgSqOffset, length);
        provider().adamF64().step(h, StepScalars.negStepSize(h, t), StepScalars.bc2Sqrt(h, t), gradScale,
                param, paramOffset, grad, gradOffset, expAvg, expAvgOffset, expAvgSq, expAvgSqOffset,
                maxExpAvgSq, maxExpAvgSqOffset, length);
    }

    /**
     * One Adam step over {@code length} 16-bit elements ({@link Precision#BF16} or {@link Precision#F16}
     * bits in {@code short[]}), computed in f32 and rounded back to nearest even, as PyTorch's fused CPU
     * kernel does for {@code torch.bfloat16} and {@code torch.float16} tensors (see
     * {@link dev.adam4j.kernels.internal.ScalarAdamHalf}); otherwise as the f32 overload.
     *
     * @param storage {@link Precision#BF16} or {@link Precision#F16}: how every buffer's bits are read
     * @throws IllegalArgumentException for a bad argument (including a {@code storage} that is not 16-bit),
     *         before anything is written
     */
    public static void step(AdamHyperparameters h, long t, double gradScale, Precision storage,
            short[] param, int paramOffset, short[] grad, int gradOffset,
            short[] expAvg, int expAvgOffset, short[] expAvgSq, int expAvgSqOffset,
            short[] maxExpAvgSq, int maxExpAvgSqOffset, int length) {
        validate(h, t, gradScale, storage, param, paramOffset, grad, gradOffset, expAvg, expAvgOffset,
                expAvgSq, expAvgSqOffset, maxExpAvgSq, maxExpAvgSqOffset, length);
        provider().adamHalf().step(storage, h, StepScalars.negStepSize(h, t), StepScalars.bc2Sqrt(h, t), gradScale,
                param, paramOffset, grad, gradOffset, expAvg, expAvgOffset, expAvgSq, expAvgSqOffset,
                maxExpAvgSq, maxExpAvgSqOffset, length);
    }

    /** Every check of the 16-bit array {@code step}, without stepping; see the segment {@code validate}. */
    public static void validate(AdamHyperparameters h, long t, double gradScale, Precision storage,
            short[] param, int paramOffset, short[] grad, int gradOffset,
            short[] expAvg, int expAvgOffset, short[] expAvgSq, int expAvgSqOffset,
            short[] maxExpAvgSq, int maxExpAvgSqOffset, int length) {
        checkReduced(storage);
        checkArrays(h, t, gradScale, param, len(param), paramOffset, grad, len(grad), gradOffset,
                expAvg, len(expAvg), expAvgOffset, expAvgSq, len(expAvgSq), expAvgSqOffset,
                maxExpAvgSq, len(maxExpAvgSq), maxExpAvgSqOffset, length);
    }

    /**
     * One Adam step with f32 parameters and gradients and 16-bit moments ({@code state}:
     * {@link Precision#BF16} or {@link Precision#F16} bits in {@code short[]}): the f32 rule of
     * {@link dev.adam4j.kernels.internal.ScalarAdamHalf}, with the parameter kept in f32 and only the
     * moments rounded (to nearest even) when stored. Adam reads and writes 20 bytes an element instead
     * of 28 (24 instead of 36 with AMSGrad). PyTorch offers this layout on CUDA only; it is adam4j's.
     *
     * @throws IllegalArgumentException for a bad argument, before anything is written
     */
    public static void step(AdamHyperparameters h, long t, double gradScale,
            float[] param, int paramOffset, float[] grad, int gradOffset, Precision state,
            short[] expAvg, int expAvgOffset, short[] expAvgSq, int expAvgSqOffset,
            short[] maxExpAvgSq, int maxExpAvgSqOffset, int length) {
        validate(h, t, gradScale, param, paramOffset, grad, gradOffset, state, expAvg, expAvgOffset,
                expAvgSq, expAvgSqOffset, maxExpAvgSq, maxExpAvgSqOffset, length);
        provider().adamHalf().stepF32Params(state, h, StepScalars.negStepSize(h, t), StepScalars.bc2Sqrt(h, t), gradScale,
                param, paramOffset, grad, gradOffset, expAvg, expAvgOffset, expAvgSq, expAvgSqOffset,
                maxExpAvgSq, maxExpAvgSqOffset, length);
    }

    /** Every check of the f32-parameter, 16-bit-moment array {@code step}, without stepping. */
    public static void validate(AdamHyperparameters h, long t, double gradScale,
            float[] param, int paramOffset, float[] grad, int gradOffset, Precision state,
            short[] expAvg, int expAvgOffset, short[] expAvgSq, int expAvgSqOffset,
            short[] maxExpAvgSq, int maxExpAvgSqOffset, int length) {
        checkReduced(state);
        checkArrays(h, t, gradScale, param, len(param), paramOffset, grad, len(grad), gradOffset,
                expAvg, len(expAvg), expAvgOffset, expAvgSq, len(expAvgSq), expAvgSqOffset,
                maxExpAvgSq, len(maxExpAvgSq), maxExpAvgSqOffset, length);
    }

    /**
     * The f32-parameter, 16-bit-moment step over segments: {@code param} and {@code grad} hold f32,
     * the moments {@code state} values, all in native byte order; offsets are element indices.
     *
     * @throws IllegalArgumentException for a bad argument
     * @throws IllegalStateException if a segment's arena is closed or it is confined to another thread
     */
    public static void step(AdamHyperparameters h, long t, double gradScale,
            MemorySegment param, long paramOffset, MemorySegment grad, long gradOffset, Precision state,
            MemorySegment expAvg, long expAvgOffset, MemorySegment expAvgSq, long expAvgSqOffset,
            MemorySegment maxExpAvgSq, long maxExpAvgSqOffset, long length) {
        validate(h, t, gradScale, param, paramOffset, grad, gradOffset, state, expAvg, expAvgOffset,
                expAvgSq, expAvgSqOffset, maxExpAvgSq, maxExpAvgSqOffset, length);
        provider().adamHalf().stepF32Params(state, h, StepScalars.negStepSize(h, t), StepScalars.bc2Sqrt(h, t), gradScale,
                param, paramOffset, grad, gradOffset, expAvg, expAvgOffset, expAvgSq, expAvgSqOffset,
                maxExpAvgSq, maxExpAvgSqOffset, length);
    }

    /**
     * Every check of the f32-parameter, 16-bit-moment segment {@code step}, without stepping: callers
     * that make several kernel calls (an optimizer step) validate all of them first.
     *
     * @throws IllegalArgumentException for a bad argument
     * @throws IllegalStateException if a segment's arena is closed or it is confined to another thread
     */
    public static void validate(AdamHyperparameters h, long t, double gradScale,
            MemorySegment param, long paramOffset, MemorySegment grad, long gradOffset, Precision state,
            MemorySegment expAvg, long expAvgOffset, MemorySegment expAvgSq, long expAvgSqOffset,
            MemorySegment maxExpAvgSq, long maxExpAvgSqOffset, long length) {
        checkScalars(h, t, gradScale);
        checkReduced(state);
        checkLength(length);
        checkSegment("param", param, paramOffset, length, Float.BYTES, true);
        checkSegment("grad", grad, gradOffset, length, Float.BYTES, false);
        checkSegment("expAvg", expAvg, expAvgOffset, length, Short.BYTES, true);
        checkSegment("expAvgSq", expAvgSq, expAvgSqOffset, length, Short.BYTES, true);
        if (h.amsgrad()) checkSegment("maxExpAvgSq", maxExpAvgSq, maxExpAvgSqOffset, length, Short.BYTES, true);
        checkSegmentsDisjoint(param, paramOffset, grad, gradOffset, expAvg, expAvgOffset, expAvgSq, expAvgSqOffset,
                h.amsgrad() ? maxExpAvgSq : null, maxExpAvgSqOffset, length, Float.BYTES, Short.BYTES);
    }

    /**
     * One Adam step on bf16 parameters with split f32 master weights: {@code param} holds the bf16 the
     * model reads (each master weight's high 16 bits), {@code paramLow} the master weights' low 16 bits,
     * {@code grad} bf16 gradients, the moments f32. The master weight
     * {@link ReducedFloats#splitToFloat splitToFloat(param, paramLow)} gets exactly the f32 step of the
     * f32 overload (bit for bit what it computes on the joined values, the widened gradients and the
     * same moments) and is split back by truncation ({@link ReducedFloats#splitHigh},
     * {@link ReducedFloats#splitLow}): the bf16 view is the master rounded toward zero. Zero low halves
     * make the master equal the bf16. 28 bytes an element per step (36 with AMSGrad), as f32.
     *
     * @throws IllegalArgumentException for a bad argument, before anything is written
     */
    public static void stepSplit(AdamHyperparameters h, long t, double gradScale,
            short[] param, int paramOffset, short[] paramLow, int paramLowOffset, short[] grad, int gradOffset,
            float[] expAvg, int expAvgOffset, float[] expAvgSq, int expAvgSqOffset,
            float[] maxExpAvgSq, int maxExpAvgSqOffset, int length) {
        validateSplit(h, t, gradScale, param, paramOffset, paramLow, paramLowOffset, grad, gradOffset, expAvg, expAvgOffset,
                expAvgSq, expAvgSqOffset, maxExpAvgSq, maxExpAvgSqOffset, length);
        provider().adamHalf().stepSplit(h, StepScalars.negStepSize(h, t), StepScalars.bc2Sqrt(h, t), gradScale,
                param, paramOffset, paramLow, paramLowOffset, grad, gradOffset, expAvg, expAvgOffset, expAvgSq, expAvgSqOffset,
                maxExpAvgSq, maxExpAvgSqOffset, length);
    }

    /** Every check of the split array {@code stepSplit}, without stepping. */
    public static void validateSplit(AdamHyperparameters h, long t, double gradScale,
            short[] param, int paramOffset, short[] paramLow, int paramLowOffset, short[] grad, int gradOffset,
            float[] expAvg, int expAvgOffset, float[] expAvgSq, int expAvgSqOffset,
            float[] maxExpAvgSq, int maxExpAvgSqOffset, int length) {
        checkArrays(h, t, gradScale, param, len(param), paramOffset, grad, len(grad), gradOffset,
                expAvg, len(expAvg), expAvgOffset, expAvgSq, len(expAvgSq), expAvgSqOffset,
                maxExpAvgSq, len(maxExpAvgSq), maxExpAvgSqOffset, length);
        checkRange("paramLow", len(paramLow), paramLowOffset, length);
        if (length > 0) { // short[] and float[] never alias: paramLow against the other 16-bit buffers
            overlap("paramLow", paramLow, paramLowOffset, "param", param, paramOffset, length);
            overlap("paramLow", paramLow, paramLowOffset, "grad", grad, gradOffset, length);
        }
    }

    /**
     * The split step over segments: {@code param}, {@code paramLow} and {@code grad} hold bf16 bits (2
     * bytes an element), the moments f32, all in native byte order; offsets are element indices.
     *
     * @throws IllegalArgumentException for a bad argument
     * @throws IllegalStateException if a segment's arena is closed or it is confined to another thread
     */
    public static void stepSplit(AdamHyperparameters h, long t, double gradScale,
            MemorySegment param, long paramOffset, MemorySegment paramLow, long paramLowOffset,
            MemorySegment grad, long gradOffset, MemorySegment expAvg, long expAvgOffset,
            MemorySegment expAvgSq, long expAvgSqOffset, MemorySegment maxExpAvgSq, long maxExpAvgSqOffset, long length) {
        validateSplit(h, t, gradScale, param, paramOffset, paramLow, paramLowOffset, grad, gradOffset, expAvg, expAvgOffset,
                expAvgSq, expAvgSqOffset, maxExpAvgSq, maxExpAvgSqOffset, length);
        provider().adamHalf().stepSplit(h, StepScalars.negStepSize(h, t), StepScalars.bc2Sqrt(h, t), gradScale,
                param, paramOffset, paramLow, paramLowOffset, grad, gradOffset, expAvg, expAvgOffset, expAvgSq, expAvgSqOffset,
                maxExpAvgSq, maxExpAvgSqOffset, length);
    }

    /**
     * Every check of the split segment {@code stepSplit}, without stepping: callers that make several
     * kernel calls validate all of them first.
     *
     * @throws IllegalArgumentException for a bad argument
     * @throws IllegalStateException if a segment's arena is closed or it is confined to another thread
     */
    public static void validateSplit(AdamHyperparameters h, long t, double gradScale,
            MemorySegment param, long paramOffset, MemorySegment paramLow, long paramLowOffset,
            MemorySegment grad, long gradOffset, MemorySegment expAvg, long expAvgOffset,
            MemorySegment expAvgSq, long expAvgSqOffset, MemorySegment maxExpAvgSq, long maxExpAvgSqOffset, long length) {
        checkScalars(h, t, gradScale);
        checkLength(length);
        checkSegment("param", param, paramOffset, length, Short.BYTES, true);
        checkSegment("paramLow", paramLow, paramLowOffset, length, Short.BYTES, true);
        checkSegment("grad", grad, gradOffset, length, Short.BYTES, false);
        checkSegment("expAvg", expAvg, expAvgOffset, length, Float.BYTES, true);
        checkSegment("expAvgSq", expAvgSq, expAvgSqOffset, length, Float.BYTES, true);
        if (h.amsgrad()) checkSegment("maxExpAvgSq", maxExpAvgSq, maxExpAvgSqOffset, length, Float.BYTES, true);
        checkSegmentsDisjoint(param, paramOffset, grad, gradOffset, expAvg, expAvgOffset, expAvgSq, expAvgSqOffset,
                h.amsgrad() ? maxExpAvgSq : null, maxExpAvgSqOffset, length, Short.BYTES, Float.BYTES);
        if (length > 0) {
            Range low = new Range("paramLow", paramLow, paramLowOffset, Short.BYTES, length);
            low.checkDisjoint(new Range("param", param, paramOffset, Short.BYTES, length));
            low.checkDisjoint(new Range("grad", grad, gradOffset, Short.BYTES, length));
            low.checkDisjoint(new Range("expAvg", expAvg, expAvgOffset, Float.BYTES, length));
            low.checkDisjoint(new Range("expAvgSq", expAvgSq, expAvgSqOffset, Float.BYTES, length));
            if (h.amsgrad()) low.checkDisjoint(new Range("maxExpAvgSq", maxExpAvgSq, maxExpAvgSqOffset, Float.BYTES, length));
        }
    }

    /**
     * The bf16 step ({@link Precision#BF16} buffers throughout, as the 16-bit array overload) with the
     * parameter rounded stochastically instead of to nearest even; the moments are still rounded to
     * nearest even. Element {@code i} of the call rounds with the 16 bits
     * {@link StochasticRounding#bits StochasticRounding.bits(StochasticRounding.key(seed, t), indexBase + i)}
     * ({@link ReducedFloats#floatToBf16Stochastic}): unbiased, reproducible, and the same whatever the
     * vector width or how a parameter is cut into calls, given that each call passes as
     * {@code indexBase} the index of its first element within the parameter.
     *
     * @param seed any value; one per parameter (or per run) keeps streams apart
     * @param indexBase the index within its parameter of element {@code paramOffset}; ≥ 0
     * @throws IllegalArgumentException for a bad argument, before anything is written
     */
    public static void stepStochastic(AdamHyperparameters h, long t, double gradScale, long seed, long indexBase,
            short[] param, int paramOffset, short[] grad, int gradOffset,
            short[] expAvg, int expAvgOffset, short[] expAvgSq, int expAvgSqOffset,
            short[] maxExpAvgSq, int maxExpAvgSqOffset, int length) {
        validateStochastic(h, t, gradScale, seed, indexBase, param, paramOffset, grad, gradOffset, expAvg, expAvgOffset,
                expAvgSq, expAvgSqOffset, maxExpAvgSq, maxExpAvgSqOffset, length);
        provider().adamHalf().stepStochastic(h, StepScalars.negStepSize(h, t), StepScalars.bc2Sqrt(h, t), gradScale,
                StochasticRounding.key(seed, t), indexBase, param, paramOffset, grad, gradOffset, expAvg, expAvgOffset,
                expAvgSq, expAvgSqOffset, maxExpAvgSq, maxExpAvgSqOffset, length);
    }

    /** Every check of the stochastic-rounding array {@code stepStochastic}, without stepping. */
    public static void validateStochastic(AdamHyperparameters h, long t, double gradScale, long seed, long indexBase,
            short[] param, int paramOffset, short[] grad, int gradOffset,
            short[] expAvg, int expAvgOffset, short[] expAvgSq, int expAvgSqOffset,
            short[] maxExpAvgSq, int maxExpAvgSqOffset, int length) {
        checkArrays(h, t, gradScale, param, len(param), paramOffset, grad, len(grad), gradOffset,
                expAvg, len(expAvg), expAvgOffset, expAvgSq, len(expAvgSq), expAvgSqOffset,
                maxExpAvgSq, len(maxExpAvgSq), maxExpAvgSqOffset, length);
        checkIndexBase(indexBase, length);
    }

    /**
     * The stochastic-rounding bf16 step over segments of bf16 bits in native byte order; offsets are
     * element indices.
     *
     * @throws IllegalArgumentException for a bad argument
     * @throws IllegalStateException if a segment's arena is closed or it is confined to another thread
     */
    public static void stepStochastic(AdamHyperparameters h, long t, double gradScale, long seed, long indexBase,
            MemorySegment param, long paramOffset, MemorySegment grad, long gradOffset,
            MemorySegment expAvg, long expAvgOffset, MemorySegment expAvgSq, long expAvgSqOffset,
            MemorySegment maxExpAvgSq, long maxExpAvgSqOffset, long length) {
        validateStochastic(h, t, gradScale, seed, indexBase, param, paramOffset, grad, gradOffset, expAvg, expAvgOffset,
                expAvgSq, expAvgSqOffset, maxExpAvgSq, maxExpAvgSqOffset, length);
        provider().adamHalf().stepStochastic(h, StepScalars.negStepSize(h, t), StepScalars.bc2Sqrt(h, t), gradScale,
                StochasticRounding.key(seed, t), indexBase, param, paramOffset, grad, gradOffset, expAvg, expAvgOffset,
                expAvgSq, expAvgSqOffset, maxExpAvgSq, maxExpAvgSqOffset, length);
    }

    /**
     * Every check of the stochastic-rounding segment {@code stepStochastic}, without stepping.
     *
     * @throws IllegalArgumentException for a bad argument
     * @throws IllegalStateException if a segment's arena is closed or it is confined to another thread
     */
    public static void validateStochastic(AdamHyperparameters h, long t, double gradScale, long seed, long indexBase,
            MemorySegment param, long paramOffset, MemorySegment grad, long gradOffset,
            MemorySegment expAvg, long expAvgOffset, MemorySegment expAvgSq, long expAvgSqOffset,
            MemorySegment maxExpAvgSq, long maxExpAvgSqOffset, long length) {
        validate(h, t, gradScale, Precision.BF16, param, paramOffset, grad, gradOffset, expAvg, expAvgOffset,
                expAvgSq, expAvgSqOffset, maxExpAvgSq, maxExpAvgSqOffset, length);
        checkIndexBase(indexBase, length);
    }

    private static void checkIndexBase(long indexBase, long length) {
        if (indexBase < 0 || indexBase > Long.MAX_VALUE - length) {
            throw new IllegalArgumentException("Invalid indexBase: " + indexBase
                    + " (the index of the call's first element within its parameter: >= 0, and indexBase + length"
                    + " must not overflow)");
        }
    }

    private static void checkReduced(Precision storage) {
        checkNotNull("storage", storage);
        if (!storage.isReduced()) {
            throw new IllegalArgumentException("storage " + storage + " is not a 16-bit type: short[] buffers hold BF16 or F16");
        }
    }

    /** One Adam step over whole f32 arrays of equal length, starting at index 0. */
    public static void step(AdamHyperparameters h, long t, double gradScale,
            float[] param, float[] grad, float[] expAvg, float[] expAvgSq, float[] maxExpAvgSq) {
        checkNotNull("param", param);
        step(h, t, gradScale, param, 0, grad, 0, expAvg, 0, expAvgSq, 0, maxExpAvgSq, 0, param.length);
    }

    /** One Adam step over whole f64 arrays of equal length, starting at index 0. */
    public static void step(AdamHyperparameters h, long t, double gradScale,
            double[] param, double[] grad, double[] expAvg, double[] expAvgSq, double[] maxExpAvgSq) {
        checkNotNull("param", param);
        step(h, t, gradScale, param, 0, grad, 0, expAvg, 0, expAvgSq, 0, maxExpAvgSq, 0, param.length);
    }

    /**
     * One Adam step over {@code length} elements of segments holding {@code precision} values in
     * native byte order. Offsets are element indices (not bytes). Segments may be heap or native,
     * of any alignment; {@code grad} may be read-only. The caller must not close a segment's arena
     * while the step runs.
     *
     * @throws IllegalArgumentException for a bad argument (too small, read-only, negative offset)
     * @throws IllegalStateException if a segment's arena is closed or it is confined to another thread
     */
    public static void step(AdamHyperparameters h, long t, double gradScale, Precision precision,
            MemorySegment param, long paramOffset, MemorySegment grad, long gradOffset,
            MemorySegment expAvg, long expAvgOffset, MemorySegment expAvgSq, long expAvgSqOffset,
            MemorySegment maxExpAvgSq, long maxExpAvgSqOffset, long length) {
        validate(h, t, gradScale, precision, param, paramOffset, grad, gradOffset, expAvg, expAvgOffset,
                expAvgSq, expAvgSqOffset, maxExpAvgSq, maxExpAvgSqOffset, length);
        if (stepAsArrays(h, t, gradScale, precision, param, paramOffset, grad, gradOffset, expAvg, expAvgOffset,
                expAvgSq, expAvgSqOffset, maxExpAvgSq, maxExpAvgSqOffset, length)) {
            return;
        }
        double negStepSize = StepScalars.negStepSize(h, t);
        double bc2Sqrt = StepScalars.bc2Sqrt(h, t);
        switch (precision) {
            case F32 -> provider().adamF32().step(h, negStepSize, bc2Sqrt, gradScale, param, paramOffset, grad,
                    gradOffset, expAvg, expAvgOffset, expAvgSq, expAvgSqOffset, maxExpAvgSq, maxExpAvgSqOffset, length);
            case F64 -> provider().adamF64().step(h, negStepSize, bc2Sqrt, gradScale, param, paramOffset, grad,
                    gradOffset, expAvg, expAvgOffset, expAvgSq, expAvgSqOffset, maxExpAvgSq, maxExpAvgSqOffset, length);
            case BF16, F16 -> provider().adamHalf().step(precision, h, negStepSize, bc2Sqrt, gradScale, param, paramOffset,
                    grad, gradOffset, expAvg, expAvgOffset, expAvgSq, expAvgSqOffset, maxExpAvgSq, maxExpAvgSqOffset, length);
        }
    }

    /**
     * Every check of the segment {@link #step(AdamHyperparameters, long, double, Precision, MemorySegment, long,
     * MemorySegment, long, MemorySegment, long, MemorySegment, long, MemorySegment, long, long) step}, without
     * stepping: callers that make several kernel calls (an optimizer step) validate all of them first, so
     * that a bad one fails before anything is written.
     *
     * @throws IllegalArgumentException for a bad argument
     * @throws IllegalStateException if a segment's arena is closed or it is confined to another thread
     */
    public static void validate(AdamHyperparameters h, long t, double gradScale, Precision precision,
            MemorySegment param, long paramOffset, MemorySegment grad, long gradOffset,
            MemorySegment expAvg, long expAvgOffset, MemorySegment expAvgSq, long expAvgSqOffset,
            MemorySegment maxExpAvgSq, long maxExpAvgSqOffset, long length) {
        checkScalars(h, t, gradScale);
        checkNotNull("precision", precision);
        checkLength(length);
        int bytes = precision.byteSize();
        checkStepSegments(h, "param", param, paramOffset, grad, gradOffset, expAvg, expAvgOffset, expAvgSq, expAvgSqOffset,
                maxExpAvgSq, maxExpAvgSqOffset, length, bytes);
        checkSegmentsDisjoint(param, paramOffset, grad, gradOffset, expAvg, expAvgOffset, expAvgSq, expAvgSqOffset,
                h.amsgrad() ? maxExpAvgSq : null, maxExpAvgSqOffset, length, bytes);
    }

    /**
     * One Adam step for a framework that applies the update itself by subtraction (Deeplearning4j's
     * {@code params.subi(update)}): steps the moments as {@link #step(AdamHyperparameters, long, double,
     * Precision, MemorySegment, long, MemorySegment, long, MemorySegment, long, MemorySegment, long,
     * MemorySegment, long, long) step} does and, instead of a new parameter, writes the update {@code u}
     * such that {@code fl(p − u)} is, bit for bit, the parameter {@code step} would store, for every
     * {@code p}: signed zeros, infinities and NaN included. The parameter is not needed, so the
     * hyperparameters may have no weight decay (L2 and decoupled decay read it). Reads the gradient,
     * the moments and writes the moments and {@code u}: 24 bytes an f32 element, against 28 for
     * {@code step} (see {@code ScalarAdamF32} for why this is exact).
     *
     * @param precision {@link Precision#F32} or {@link Precision#F64}
     * @param update where {@code u} is written; it may be exactly the gradient's range (the update then
     *     replaces the gradient in place), and must not otherwise overlap any buffer
     * @throws IllegalArgumentException for a bad argument (weight decay, a 16-bit precision, a range
     *     outside its segment, a read-only output, overlapping buffers), before anything is written
     * @throws IllegalStateException if a segment's arena is closed or it is confined to another thread
     */
    public static void updateToSubtract(AdamHyperparameters h, long t, double gradScale, Precision precision,
            MemorySegment update, long updateOffset, MemorySegment grad, long gradOffset,
            MemorySegment expAvg, long expAvgOffset, MemorySegment expAvgSq, long expAvgSqOffset,
            MemorySegment maxExpAvgSq, long maxExpAvgSqOffset, long length) {
        validateUpdateToSubtract(h, t, gradScale, precision, update, updateOffset, grad, gradOffset, expAvg, expAvgOffset,
                expAvgSq, expAvgSqOffset, maxExpAvgSq, maxExpAvgSqOffset, length);
        double negStepSize = StepScalars.negStepSize(h, t);
        double bc2Sqrt = StepScalars.bc2Sqrt(h, t);
        switch (precision) {
            case F32 -> provider().adamF32().updateToSubtract(h, negStepSize, bc2Sqrt, gradScale, update, updateOffset,
                    grad, gradOffset, expAvg, expAvgOffset, expAvgSq, expAvgSqOffset, maxExpAvgSq, maxExpAvgSqOffset, length);
            case F64 -> provider().adamF64().updateToSubtract(h, negStepSize, bc2Sqrt, gradScale, update, updateOffset,
                    grad, gradOffset, expAvg, expAvgOffset, expAvgSq, expAvgSqOffset, maxExpAvgSq, maxExpAvgSqOffset, length);
            case BF16, F16 -> throw new AssertionError(precision); // refused by the validation
        }
    }

    /** Every check of {@link #updateToSubtract}, without stepping. */
    public static void validateUpdateToSubtract(AdamHyperparameters h, long t, double gradScale, Precision precision,
            MemorySegment update, long updateOffset, MemorySegment grad, long gradOffset,
            MemorySegment expAvg, long expAvgOffset, MemorySegment expAvgSq, long expAvgSqOffset,
            MemorySegment maxExpAvgSq, long maxExpAvgSqOffset, long length) {
        checkScalars(h, t, gradScale);
        checkNotNull("precision", precision);
        if (precision.isReduced()) {
            throw new IllegalArgumentException("updateToSubtract steps F32 or F64, not " + precision);
        }
        if (h.effectiveWeightDecay() != WeightDecay.NONE) {
            throw new IllegalArgumentException("updateToSubtract needs no weight decay (it reads the parameter, which the"
                    + " update does not see): weightDecay " + h.weightDecay() + " (" + h.weightDecayMode() + ")");
        }
        checkLength(length);
        int bytes = precision.byteSize();
        checkStepSegments(h, "update", update, updateOffset, grad, gradOffset, expAvg, expAvgOffset, expAvgSq, expAvgSqOffset,
                maxExpAvgSq, maxExpAvgSqOffset, length, bytes);
        if (length == 0) return;
        // the update may be exactly the gradient's range (in place); no other overlap
        Range u = new Range("update", update, updateOffset, bytes, length), g = new Range("grad", grad, gradOffset, bytes, length);
        Range m = new Range("expAvg", expAvg, expAvgOffset, bytes, length), v = new Range("expAvgSq", expAvgSq, expAvgSqOffset, bytes, length);
        if (!u.sameStart(g)) u.checkDisjoint(g);
        List<Range> state = h.amsgrad() ? List.of(m, v, new Range("maxExpAvgSq", maxExpAvgSq, maxExpAvgSqOffset, bytes, length))
                : List.of(m, v);
        for (int i = 0; i < state.size(); i++) {
            state.get(i).checkDisjoint(u);
            state.get(i).checkDisjoint(g);
            for (int j = i + 1; j < state.size(); j++) state.get(j).checkDisjoint(state.get(i));
        }
    }

    /** Every check of the f32 array {@code step}, without stepping; see the segment {@code validate}. */
    public static void validate(AdamHyperparameters h, long t, double gradScale,
            float[] param, int paramOffset, float[] grad, int gradOffset,
            float[] expAvg, int expAvgOffset, float[] expAvgSq, int expAvgSqOffset,
            float[] maxExpAvgSq, int maxExpAvgSqOffset, int length) {
        checkArrays(h, t, gradScale, param, len(param), paramOffset, grad, len(grad), gradOffset,
                expAvg, len(expAvg), expAvgOffset, expAvgSq, len(expAvgSq), expAvgSqOffset,
                maxExpAvgSq, len(maxExpAvgSq), maxExpAvgSqOffset, length);
    }

    /** Every check of the f64 array {@code step}, without stepping; see the segment {@code validate}. */
    public static void validate(AdamHyperparameters h, long t, double gradScale,
            double[] param, int paramOffset, double[] grad, int gradOffset,
            double[] expAvg, int expAvgOffset, double[] expAvgSq, int expAvgSqOffset,
            double[] maxExpAvgSq, int maxExpAvgSqOffset, int length) {
        checkArrays(h, t, gradScale, param, len(param), paramOffset, grad, len(grad), gradOffset,
                expAvg, len(expAvg), expAvgOffset, expAvgSq, len(expAvgSq), expAvgSqOffset,
                maxExpAvgSq, len(maxExpAvgSq), maxExpAvgSqOffset, length);
    }

    /**
     * Heap segments over {@code float[]}/{@code double[]} of the step's precision (what
     * {@code MemorySegment.ofArray} makes) run the array loop: one call site then never sees both heap
     * and native segments, whose mixed type profile slows the segment loop down several times.
     * Returns false, having done nothing, when any buffer is native, read-only or otherwise backed.
     */
    private static boolean stepAsArrays(AdamHyperparameters h, long t, double gradScale, Precision precision,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        if (param.isNative()) return false;
        Class<?> type = switch (precision) {
            case F32 -> float[].class;
            case F64 -> double[].class;
            case BF16, F16 -> short[].class;
        };
        Object p = array(param, type), g = array(grad, type), m = array(expAvg, type), v = array(expAvgSq, type);
        Object x = h.amsgrad() ? array(maxExpAvgSq, type) : null;
        if (p == null || g == null || m == null || v == null || (h.amsgrad() && x == null)) return false;
        int bytes = precision.byteSize();
        int pi = (int) (param.address() / bytes + po), gi = (int) (grad.address() / bytes + go);
        int mi = (int) (expAvg.address() / bytes + mo), vi = (int) (expAvgSq.address() / bytes + vo);
        int xi = x == null ? 0 : (int) (maxExpAvgSq.address() / bytes + xo);
        switch (precision) {
            case F32 -> step(h, t, gradScale, (float[]) p, pi, (float[]) g, gi, (float[]) m, mi, (float[]) v, vi,
                    (float[]) x, xi, (int) length);
            case F64 -> step(h, t, gradScale, (double[]) p, pi, (double[]) g, gi, (double[]) m, mi, (double[]) v, vi,
                    (double[]) x, xi, (int) length);
            case BF16, F16 -> step(h, t, gradScale, precision, (short[]) p, pi, (short[]) g, gi, (short[]) m, mi,
                    (short[]) v, vi, (short[]) x, xi, (int) length);
        }
        return true;
    }

    /** The array behind a writable heap segment of {@code type}, element-aligned; else null. */
    private static Object array(MemorySegment s, Class<?> type) {
        if (s == null || s.isNative()) return null;
        Object base = s.heapBase().orElse(null); // empty for read-only segments
        int bytes = type == float[].class ? Float.BYTES : type == double[].class ? Double.BYTES : Short.BYTES;
        return base != null && base.getClass() == type && s.address() % bytes == 0 ? base : null;
    }

    private static KernelProvider provider() {
        return KernelProviders.get();
    }

    // ---------------------------------------------------------------- validation

    private static int len(float[] a) {
        return a == null ? -1 : a.length;
    }

    private static int len(double[] a) {
        return a == null ? -1 : a.length;
    }

    private static int len(short[] a) {
        return a == null ? -1 : a.length;
    }

    /** Every check of an array call; lengths are −1 for null arrays. */
    private static void checkArrays(AdamHyperparameters h, long t, double gradScale,
            Object param, int paramLength, int paramOffset, Object grad, int gradLength, int gradOffset,
            Object expAvg, int expAvgLength, int expAvgOffset, Object expAvgSq, int expAvgSqLength, int expAvgSqOffset,
            Object maxExpAvgSq, int maxLength, int maxExpAvgSqOffset, int length) {
        checkScalars(h, t, gradScale);
        checkLength(length);
        checkRange("param", paramLength, paramOffset, length);
        checkRange("grad", gradLength, gradOffset, length);
        checkRange("expAvg", expAvgLength, expAvgOffset, length);
        checkRange("expAvgSq", expAvgSqLength, expAvgSqOffset, length);
        if (h.amsgrad()) {
            checkRange("maxExpAvgSq", maxLength, maxExpAvgSqOffset, length);
        }
        checkDisjoint(param, paramOffset, grad, gradOffset, expAvg, expAvgOffset, expAvgSq, expAvgSqOffset,
                h.amsgrad() ? maxExpAvgSq : null, maxExpAvgSqOffset, length);
    }

    private static void checkScalars(AdamHyperparameters h, long t, double gradScale) {
        checkNotNull("hyperparameters", h);
        if (t < 1) {
            throw new IllegalArgumentException("Invalid step t: " + t + " (must be >= 1)");
        }
        if (!Double.isFinite(gradScale)) {
            throw new IllegalArgumentException("Invalid gradScale: " + gradScale + " (must be finite)");
        }
    }

    private static void checkLength(long length) {
        if (length < 0) {
            throw new IllegalArgumentException("Invalid length: " + length + " (must be >= 0)");
        }
    }

    private static void checkNotNull(String name, Object o) {
        if (o == null) {
            throw new IllegalArgumentException(name + " is null");
        }
    }

    /** {@code arrayLength} is −1 for a null array. */
    private static void checkRange(String name, int arrayLength, int offset, int length) {
        if (arrayLength < 0) {
            throw new IllegalArgumentException(name + " is null");
        }
        if (offset < 0 || offset > arrayLength - length) {
            throw new IllegalArgumentException(name + " range [" + offset + ", " + ((long) offset + length)
                    + ") is outside its array of length " + arrayLength);
        }
    }

    /** The range checks of a segment step whose first, written buffer is called {@code first}; {@code bytes} per element. */
    private static void checkStepSegments(AdamHyperparameters h, String first, MemorySegment p, long po, MemorySegment g, long go,
            MemorySegment m, long mo, MemorySegment v, long vo, MemorySegment x, long xo, long length, int bytes) {
        checkSegment(first, p, po, length, bytes, true);
        checkSegment("grad", g, go, length, bytes, false);
        checkSegment("expAvg", m, mo, length, bytes, true);
        checkSegment("expAvgSq", v, vo, length, bytes, true);
        if (h.amsgrad()) checkSegment("maxExpAvgSq", x, xo, length, bytes, true);
    }

    private static void checkSegment(String name, MemorySegment s, long offset, long length, int bytes,
            boolean written) {
        checkNotNull(name, s);
        if (offset < 0) {
            throw new IllegalArgumentException(name + " offset " + offset + " is negative");
        }
        long capacity = s.byteSize() / bytes;
        if (offset > capacity - length) {
            throw new IllegalArgumentException(name + " range [" + offset + ", " + (offset + length)
                    + ") elements is outside its segment of " + s.byteSize() + " bytes ("
                    + capacity + " elements of " + bytes + " bytes)");
        }
        if (written && s.isReadOnly()) {
            throw new IllegalArgumentException(name + " segment is read-only but is written by the step");
        }
        if (!s.scope().isAlive()) {
            throw new IllegalStateException(name + " segment's arena is already closed");
        }
        if (!s.isAccessibleBy(Thread.currentThread())) {
            throw new IllegalStateException(name + " segment is confined to another thread");
        }
    }

    /**
     * The segment ranges may not overlap (the gradient may be read by several calls, but never
     * share memory with a written buffer): native segments by address, heap segments by their
     * backing array and offset, across any mix of views of the same memory.
     */
    private static void checkSegmentsDisjoint(MemorySegment param, long po, MemorySegment grad, long go,
            MemorySegment expAvg, long mo, MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo,
            long length, int bytes) {
        checkSegmentsDisjoint(param, po, grad, go, expAvg, mo, expAvgSq, vo, maxExpAvgSq, xo, length, bytes, bytes);
    }

    /** As above, {@code paramBytes} per parameter and gradient element, {@code stateBytes} per moment element. */
    private static void checkSegmentsDisjoint(MemorySegment param, long po, MemorySegment grad, long go,
            MemorySegment expAvg, long mo, MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo,
            long length, int paramBytes, int stateBytes) {
        if (length == 0) {
            return;
        }
        Range p = new Range("param", param, po, paramBytes, length), g = new Range("grad", grad, go, paramBytes, length);
        Range m = new Range("expAvg", expAvg, mo, stateBytes, length), v = new Range("expAvgSq", expAvgSq, vo, stateBytes, length);
        p.checkDisjoint(g);
        p.checkDisjoint(m);
        p.checkDisjoint(v);
        m.checkDisjoint(g);
        m.checkDisjoint(v);
        v.checkDisjoint(g);
        if (maxExpAvgSq != null) {
            Range x = new Range("maxExpAvgSq", maxExpAvgSq, xo, stateBytes, length);
            x.checkDisjoint(p);
            x.checkDisjoint(g);
            x.checkDisjoint(m);
            x.checkDisjoint(v);
        }
    }

    /** {@code length} elements of {@code bytes} bytes from element {@code offset} of {@code segment}. */
    private record Range(String name, MemorySegment segment, long offset, int bytes, long length) {
        /** Whether both ranges start at the same byte of the same memory (native address, or heap array and index). */
        boolean sameStart(Range o) {
            if (segment.isNative() != o.segment.isNative()) return false;
            if (segment.isNative()) return segment.address() + offset * bytes == o.segment.address() + o.offset * o.bytes;
            // heap views (read-only ones too): two ranges of one length that overlap entirely start together
            long span = length * bytes;
            return span == o.length * o.bytes && segment.asSlice(offset * bytes, span)
                    .asOverlappingSlice(o.segment.asSlice(o.offset * o.bytes, span)).map(x -> x.byteSize() == span).orElse(false);
        }

        void checkDisjoint(Range o) {
            if (segment.isNative() != o.segment.isNative()) {
                return; // native memory and a Java array never share bytes
            }
            boolean overlaps;
            long start = offset * bytes, span = length * bytes, oStart = o.offset * o.bytes, oSpan = o.length * o.bytes;
            if (segment.isNative()) {
                long a = segment.address() + start, b = o.segment.address() + oStart;
                overlaps = a < b + oSpan && b < a + span;
            } else {
                // heap (possibly read-only) views: let the JDK compare backing arrays and ranges
                overlaps = segment.asSlice(start, span).asOverlappingSlice(o.segment.asSlice(oStart, oSpan)).isPresent();
            }
            if (overlaps) {
                throw new IllegalArgumentException(name + " range starting at element " + offset + " overlaps " + o.name
                        + " range starting at element " + o.offset + " (length " + length + ")");
            }
        }
    }

    /** The written arrays may not overlap each other or the gradient (same array, overlapping ranges). */
    private static void checkDisjoint(Object param, int po, Object grad, int go, Object expAvg, int mo,
            Object expAvgSq, int vo, Object maxExpAvgSq, int xo, int length) {
        if (length == 0) {
            return;
        }
        overlap("param", param, po, "grad", grad, go, length);
        overlap("param", param, po, "expAvg", expAvg, mo, length);
        overlap("param", param, po, "expAvgSq", expAvgSq, vo, length);
        overlap("expAvg", expAvg, mo, "grad", grad, go, length);
        overlap("expAvg", expAvg, mo, "expAvgSq", expAvgSq, vo, length);
        overlap("expAvgSq", expAvgSq, vo, "grad", grad, go, length);
        if (maxExpAvgSq != null) {
            overlap("maxExpAvgSq", maxExpAvgSq, xo, "param", param, po, length);
            overlap("maxExpAvgSq", maxExpAvgSq, xo, "grad", grad, go, length);
            overlap("maxExpAvgSq", maxExpAvgSq, xo, "expAvg", expAvg, mo, length);
            overlap("maxExpAvgSq", maxExpAvgSq, xo, "expAvgSq", expAvgSq, vo, length);
        }
    }

    private static void overlap(String a, Object arrA, int offA, String b, Object arrB, int offB, int length) {
        if (arrA == arrB && offA < offB + length && offB < offA + length) {
            throw new IllegalArgumentException(a + " range starting at " + offA + " overlaps " + b
                    + " range starting at " + offB + " in the same array (length " + length + ")");
        }
    }
}
