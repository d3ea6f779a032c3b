package dev.adam4j.kernels.internal;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.Precision;
import java.lang.foreign.MemorySegment;

/**
 * The fused Adam step on 16-bit buffers ({@link Precision#BF16} or {@link Precision#F16}, given as
 * {@code storage}; internal SPI): every buffer holds {@code short} bits, the arithmetic is f32. See
 * {@link ScalarAdamHalf} for the contract. Segment offsets are element indices; arguments are
 * validated by the caller.
 */
public interface AdamHalf {

    void step(Precision storage, AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            short[] param, int paramOffset, short[] grad, int gradOffset,
            short[] expAvg, int expAvgOffset, short[] expAvgSq, int expAvgSqOffset,
            short[] maxExpAvgSq, int maxExpAvgSqOffset, int length);

    void step(Precision storage, AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long paramOffset, MemorySegment grad, long gradOffset,
            MemorySegment expAvg, long expAvgOffset, MemorySegment expAvgSq, long expAvgSqOffset,
            MemorySegment maxExpAvgSq, long maxExpAvgSqOffset, long length);

    /**
     * f32 parameters and gradients with 16-bit ({@code state}) moments: the traffic-saving layout,
     * {@link ScalarAdamHalf}'s contract with {@code p} and {@code g} read and written as f32.
     */
    void stepF32Params(Precision state, AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            float[] param, int paramOffset, float[] grad, int gradOffset,
            short[] expAvg, int expAvgOffset, short[] expAvgSq, int expAvgSqOffset,
            short[] maxExpAvgSq, int maxExpAvgSqOffset, int length);

    /** As the array form, over segments (f32 {@code param}, {@code grad}; 16-bit moments). */
    void stepF32Params(Precision state, AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long paramOffset, MemorySegment grad, long gradOffset,
            MemorySegment expAvg, long expAvgOffset, MemorySegment expAvgSq, long expAvgSqOffset,
            MemorySegment maxExpAvgSq, long maxExpAvgSqOffset, long length);

    /**
     * bf16 parameters with split f32 master weights: {@code param} holds each master weight's high 16
     * bits (a bf16, what the model reads), {@code paramLow} its low 16 bits; the gradient is bf16, the
     * moments f32. The f32 step of {@link ScalarAdamF32} on the joined master value, split back
     * ({@link ScalarAdamHalf#stepSplit}).
     */
    void stepSplit(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            short[] param, int paramOffset, short[] paramLow, int paramLowOffset, short[] grad, int gradOffset,
            float[] expAvg, int expAvgOffset, float[] expAvgSq, int expAvgSqOffset,
            float[] maxExpAvgSq, int maxExpAvgSqOffset, int length);

    /** As the array form, over segments (bf16 {@code param}, {@code paramLow}, {@code grad}; f32 moments). */
    void stepSplit(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long paramOffset, MemorySegment paramLow, long paramLowOffset,
            MemorySegment grad, long gradOffset, MemorySegment expAvg, long expAvgOffset,
            MemorySegment expAvgSq, long expAvgSqOffset, MemorySegment maxExpAvgSq, long maxExpAvgSqOffset, long length);

    /**
     * The bf16 step ({@code step} with {@link Precision#BF16}) with the parameter rounded stochastically:
     * element {@code i} of the call uses {@code StochasticRounding.bits(key, indexBase + i)}
     * ({@link ScalarAdamHalf#stepStochastic}). The moments are rounded to nearest even, as in {@code step}.
     */
    void stepStochastic(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale, int key, long indexBase,
            short[] param, int paramOffset, short[] grad, int gradOffset,
            short[] expAvg, int expAvgOffset, short[] expAvgSq, int expAvgSqOffset,
            short[] maxExpAvgSq, int maxExpAvgSqOffset, int length);

    /** As the array form, over bf16 segments. */
    void stepStochastic(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale, int key, long indexBase,
            MemorySegment param, long paramOffset, MemorySegment grad, long gradOffset,
            MemorySegment expAvg, long expAvgOffset, MemorySegment expAvgSq, long expAvgSqOffset,
            MemorySegment maxExpAvgSq, long maxExpAvgSqOffset, long length);
}
