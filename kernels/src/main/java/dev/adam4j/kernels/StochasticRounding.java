package dev.adam4j.kernels;

/**
 * The random bits of stochastic rounding: reproducible, counter-based, and independent of how a step
 * is cut into calls, threads or vector lanes. The 16 bits used for the element at index {@code i}
 * of a parameter in step {@code t} with seed {@code s} are
 * <pre>
 *   key  = (int) mix64(s ^ mix64(t + γ))                      once per call, in scalar code
 *   bits = fmix32(key ^ ((int) i · 0x9E3779B9)) &amp; 0xFFFF      per element, in integer vector lanes
 * </pre>
 * with {@code mix64} SplitMix64's finalizer (γ its golden-ratio increment) and {@code fmix32}
 * MurmurHash3's 32-bit finalizer (both bijections, so two indices of one step never share a hash
 * input). The index enters modulo 2^32: elements 2^32 apart in one parameter draw the same bits in a
 * step. {@link ReducedFloats#floatToBf16Stochastic} turns them into a rounding.
 *
 * <p>Not cryptographic; its only duties are that the rounding is unbiased on average (the low 16 bits
 * are close to uniform), that bits differ between steps and seeds, and that the same (seed, step,
 * index) gives the same bits everywhere. The kernels compute exactly these formulas.
 */
public final class StochasticRounding {
    private StochasticRounding() {}

    /** MurmurHash3's 32-bit multipliers and the per-index multiplier (⌊2^32/φ⌋). */
    public static final int INDEX_MUL = 0x9E37_79B9, FMIX_1 = 0x85EB_CA6B, FMIX_2 = 0xC2B2_AE35;

    /** The per-call key of step {@code step} (PyTorch's {@code state['step']} after incrementing) under {@code seed}. */
    public static int key(long seed, long step) {
        return (int) mix64(seed ^ mix64(step + 0x9E37_79B9_7F4A_7C15L));
    }

    /** The 16 random bits (in the low half of the result) of element {@code index} under {@code key}. */
    public static int bits(int key, long index) {
        int h = key ^ (int) index * INDEX_MUL;
        h ^= h >>> 16;
        h *= FMIX_1;
        h ^= h >>> 13;
        h *= FMIX_2;
        h ^= h >>> 16;
        return h & 0xFFFF;
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }
}
