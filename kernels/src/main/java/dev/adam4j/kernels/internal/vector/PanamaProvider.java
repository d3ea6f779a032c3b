package dev.adam4j.kernels.internal.vector;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.internal.AdamKernelProvider;
import java.lang.foreign.MemorySegment;

/**
 * The Vector API provider. Loaded by name from {@link dev.adam4j.kernels.internal.KernelProviders}
 * only after the incubator module is known to be readable: nothing else refers to this package.
 */
public final class PanamaProvider implements AdamKernelProvider {
    @Override
    public String name() {
        return "vector";
    }

    @Override
    public int vectorBitSize() {
        return PanamaAdamF32.S.vectorBitSize();
    }

    @Override
    public void step(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            float[] param, int po, float[] grad, int go, float[] expAvg, int mo,
            float[] expAvgSq, int vo, float[] maxExpAvgSq, int xo, int length) {
        PanamaAdamF32.step(h, negStepSize, bc2Sqrt, gradScale, param, po, grad, go, expAvg, mo,
                expAvgSq, vo, maxExpAvgSq, xo, length);
    }

    @Override
    public void step(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            double[] param, int po, double[] grad, int go, double[] expAvg, int mo,
            double[] expAvgSq, int vo, double[] maxExpAvgSq, int xo, int length) {
        PanamaAdamF64.step(h, negStepSize, bc2Sqrt, gradScale, param, po, grad, go, expAvg, mo,
                expAvgSq, vo, maxExpAvgSq, xo, length);
    }

    @Override
    public void stepF32(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        PanamaAdamF32.step(h, negStepSize, bc2Sqrt, gradScale, param, po, grad, go, expAvg, mo,
                expAvgSq, vo, maxExpAvgSq, xo, length);
    }

    @Override
    public void stepF64(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        PanamaAdamF64.step(h, negStepSize, bc2Sqrt, gradScale, param, po, grad, go, expAvg, mo,
                expAvgSq, vo, maxExpAvgSq, xo, length);
    }
}
