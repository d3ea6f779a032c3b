package dev.adam4j.kernels.internal;

/** The scalar specifications as a provider: the fallback when the Vector API is not available. */
public final class ScalarProvider implements KernelProvider {
    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public int vectorBitSize() {
        return 0;
    }

    @Override
    public AdamF32 adamF32() {
        return ScalarAdamF32.INSTANCE;
    }

    @Override
    public AdamF64 adamF64() {
        return ScalarAdamF64.INSTANCE;
    }

    @Override
    public NormSupport norms() {
        return ScalarNorms.INSTANCE;
    }

    @Override
    public AdamHalf adamHalf() {
        return ScalarAdamHalf.INSTANCE;
    }
}
