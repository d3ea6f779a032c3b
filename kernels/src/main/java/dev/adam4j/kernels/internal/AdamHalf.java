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
}
