package dev.adam4j.kernels.internal;

import dev.adam4j.kernels.AdamHyperparameters;
import java.lang.foreign.MemorySegment;

/**
 * One implementation of the fused Adam step (internal SPI; use {@link dev.adam4j.kernels.AdamKernels}).
 *
 * <p>Callers have validated every argument; implementations trust them. {@code negStepSize} and
 * {@code bc2Sqrt} are the step-dependent scalars of {@link StepScalars}, computed once per call in
 * double. Segment offsets are element indices; {@code maxExpAvgSq} is only touched when
 * {@code h.amsgrad()}.
 */
public interface AdamKernelProvider {

    /** {@code "scalar"} or {@code "vector"}. */
    String name();

    /** Bits of the vectors the f32 loops use; 0 for the scalar kernel. */
    int vectorBitSize();

    void step(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            float[] param, int paramOffset, float[] grad, int gradOffset,
            float[] expAvg, int expAvgOffset, float[] expAvgSq, int expAvgSqOffset,
            float[] maxExpAvgSq, int maxExpAvgSqOffset, int length);

    void step(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            double[] param, int paramOffset, double[] grad, int gradOffset,
            double[] expAvg, int expAvgOffset, double[] expAvgSq, int expAvgSqOffset,
            double[] maxExpAvgSq, int maxExpAvgSqOffset, int length);

    void stepF32(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long paramOffset, MemorySegment grad, long gradOffset,
            MemorySegment expAvg, long expAvgOffset, MemorySegment expAvgSq, long expAvgSqOffset,
            MemorySegment maxExpAvgSq, long maxExpAvgSqOffset, long length);

    void stepF64(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long paramOffset, MemorySegment grad, long gradOffset,
            MemorySegment expAvg, long expAvgOffset, MemorySegment expAvgSq, long expAvgSqOffset,
            MemorySegment maxExpAvgSq, long maxExpAvgSqOffset, long length);
}
