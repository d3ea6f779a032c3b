package dev.adam4j.kernels.internal.vector;

import dev.adam4j.kernels.internal.AdamF32;
import dev.adam4j.kernels.internal.AdamF64;
import dev.adam4j.kernels.internal.AdamHalf;
import dev.adam4j.kernels.internal.KernelProvider;
import dev.adam4j.kernels.internal.NormSupport;

/**
 * The Vector API provider. Loaded by name from {@link dev.adam4j.kernels.internal.KernelProviders}
 * only after the incubator module is known to be readable: nothing else refers to this package.
 */
public final class PanamaProvider implements KernelProvider {
    @Override
    public String name() {
        return "vector";
    }

    @Override
    public int vectorBitSize() {
        return PanamaAdamF32.S.vectorBitSize();
    }

    @Override
    public AdamF32 adamF32() {
        return PanamaAdamF32.INSTANCE;
    }

    @Override
    public AdamF64 adamF64() {
        return PanamaAdamF64.INSTANCE;
    }

    @Override
    public NormSupport norms() {
        return PanamaNorms.INSTANCE;
    }

    @Override
    public AdamHalf adamHalf() {
        return PanamaAdamHalf.INSTANCE;
    }
}
