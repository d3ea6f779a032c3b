package dev.adam4j.kernels.internal;

/**
 * One implementation of adam4j's kernels (internal SPI; use the public facades such as
 * {@link dev.adam4j.kernels.AdamKernels}). Like Lucene's {@code VectorizationProvider}, a provider
 * hands out one support object per kernel family and precision; a new family (a reduced-precision
 * Adam, a norm reduction) is a new method here and a new class per provider, and touches no
 * existing family.
 *
 * <p>Callers have validated every argument; implementations trust them.
 */
public interface KernelProvider {

    /** {@code "scalar"} or {@code "vector"}. */
    String name();

    /** Bits of the vectors the f32 loops use; 0 for the scalar kernels. */
    int vectorBitSize();

    /** The fused Adam step on f32 buffers. */
    AdamF32 adamF32();

    /** The fused Adam step on f64 buffers. */
    AdamF64 adamF64();

    /** The gradient-norm reductions (clipping, loss-scale overflow checks). */
    NormSupport norms();

    /** The fused Adam step on bf16 or f16 buffers, computed in f32. */
    AdamHalf adamHalf();
}
