package dev.adam4j.kernels.internal;

import dev.adam4j.kernels.AdamHyperparameters;
import java.lang.foreign.MemorySegment;

/** The scalar specification as a provider: the fallback when the Vector API is not available. */
public final class ScalarProvider implements AdamKernelProvider {
    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public int vectorBitSize() {
        return 0;
    }

    @Override
    public void step(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            float[] param, int po, float[] grad, int go, float[] expAvg, int mo,
            float[] expAvgSq, int vo, float[] maxExpAvgSq, int xo, int length) {
        ScalarAdamF32.step(h, negStepSize, bc2Sqrt, gradScale, param, po, grad, go, expAvg, mo,
                expAvgSq, vo, maxExpAvgSq, xo, length);
    }

    @Override
    public void step(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            double[] param, int po, double[] grad, int go, double[] expAvg, int mo,
            double[] expAvgSq, int vo, double[] maxExpAvgSq, int xo, int length) {
        ScalarAdamF64.step(h, negStepSize, bc2Sqrt, gradScale, param, po, grad, go, expAvg, mo,
                expAvgSq, vo, maxExpAvgSq, xo, length);
    }

    @Override
    public void stepF32(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        ScalarAdamF32.step(h, negStepSize, bc2Sqrt, gradScale, param, po, grad, go, expAvg, mo,
                expAvgSq, vo, maxExpAvgSq, xo, length);
    }

    @Override
    public void stepF64(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        ScalarAdamF64.step(h, negStepSize, bc2Sqrt, gradScale, param, po, grad, go, expAvg, mo,
                expAvgSq, vo, maxExpAvgSq, xo, length);
    }
}
