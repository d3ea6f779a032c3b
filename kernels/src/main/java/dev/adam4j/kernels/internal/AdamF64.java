// GENERATED from AdamF32.java by F64Generator (kernels/src/test): do not edit.
package dev.adam4j.kernels.internal;

import dev.adam4j.kernels.AdamHyperparameters;
import java.lang.foreign.MemorySegment;

/**
 * The fused Adam step on f64 buffers (internal SPI). {@code negStepSize} and {@code bc2Sqrt} are the
 * step-dependent scalars of {@link StepScalars}, computed once per call in double. Segment offsets
 * are element indices; {@code maxExpAvgSq} is only touched when {@code h.amsgrad()}. The arguments
 * are validated by the caller.
 *
 * <p>{@code AdamF64} is generated from this file (see {@code F64Generator} in the tests).
 */
public interface AdamF64 {

    void step(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            double[] param, int paramOffset, double[] grad, int gradOffset,
            double[] expAvg, int expAvgOffset, double[] expAvgSq, int expAvgSqOffset,
            double[] maxExpAvgSq, int maxExpAvgSqOffset, int length);

    void step(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long paramOffset, MemorySegment grad, long gradOffset,
            MemorySegment expAvg, long expAvgOffset, MemorySegment expAvgSq, long expAvgSqOffset,
            MemorySegment maxExpAvgSq, long maxExpAvgSqOffset, long length);

    /**
     * The moments of one step and, in place of a new parameter, the update a framework subtracts
     * ({@code p − u} is the parameter {@code step} makes, for every {@code p}); the hyperparameters have no
     * weight decay. {@code update} may be the gradient's range itself. See {@link ScalarAdamF64}.
     */
    void updateToSubtract(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment update, long updateOffset, MemorySegment grad, long gradOffset,
            MemorySegment expAvg, long expAvgOffset, MemorySegment expAvgSq, long expAvgSqOffset,
            MemorySegment maxExpAvgSq, long maxExpAvgSqOffset, long length);
}
