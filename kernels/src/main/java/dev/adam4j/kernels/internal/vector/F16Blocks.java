package dev.adam4j.kernels.internal.vector;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.internal.ScalarAdamHalf;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * The f16 steps ({@link ScalarAdamHalf}'s contract with f16 storage) by blocks of {@link #BLOCK}
 * elements through f32 scratch that stays in the L1 cache: widen every 16-bit buffer of the block to
 * f32, run {@link PanamaAdamF32}'s step on the scratch (the same steps, constants and tail the
 * specification runs on the widened values), make every NaN result the specification's quiet NaN,
 * and narrow the results back.
 *
 * <h2>Why not one fused Vector API loop, as for bf16</h2>
 * The JDK 25 Vector API has no half-float conversion, so a fused loop converts in integer lanes (about
 * 8 lane operations to widen, 14 to narrow), and it ran at a quarter of PyTorch's speed. C2's
 * auto-vectorizer does emit the CPU's own conversions ({@code vcvtph2ps}/{@code vcvtps2ph}, F16C) for
 * plain loops over {@link Float#float16ToFloat} and {@link Float#floatToFloat16} when the source and
 * the destination are arrays of different types, which is what the widening and narrowing loops below
 * are; the arithmetic stays in the Vector API kernel. The extra passes touch only the block's scratch
 * (5 × 4 KiB of f32 and 2 KiB of staging), so the step still reads and writes each buffer once.
 *
 * <h2>Exactness</h2>
 * Widening is exact ({@link Float#float16ToFloat}, the specification's own widening). For every input
 * but NaN, {@link Float#floatToFloat16} is the specification's round to nearest even
 * ({@link dev.adam4j.kernels.ReducedFloats#floatToF16}, tested equal on a stride through all
 * 2^32 patterns and around every f16 value and midpoint); a NaN keeps part of its payload there, while the specification stores {@code 0x7E00} with
 * the sign, so NaN results are first replaced by the f32 quiet NaN of the same sign ({@code 0x7FC00000},
 * which narrows to {@code 0x7E00}). Each element's arithmetic is the specification's, whatever block
 * it falls in: the blocks only cut the loop.
 *
 * <h2>Scratch</h2>
 * One scratch set per thread ({@link ThreadLocal}, ~22 KiB, allocated on a thread's first f16 step),
 * so concurrent steps on different threads never share it and a step allocates nothing once warm.
 * Kernels call no user code, so a thread never re-enters a step while using its scratch.
 */
final class F16Blocks {
    private F16Blocks() {}

    /** Elements per block: a multiple of every lane count, and 5 f32 blocks fit in a 32 KiB L1. */
    static final int BLOCK = 1024;

    private static final ValueLayout.OfShort E = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final int QUIET_NAN = 0x7FC0_0000;

    private static final class Scratch {
        final float[] p = new float[BLOCK], g = new float[BLOCK], m = new float[BLOCK], v = new float[BLOCK], x = new float[BLOCK];
        final short[] staging = new short[BLOCK];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** f16 parameters, gradients and state, over arrays. */
    static void step(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            short[] param, int po, short[] grad, int go, short[] expAvg, int mo,
            short[] expAvgSq, int vo, short[] maxExpAvgSq, int xo, int length) {
        Scratch s = SCRATCH.get();
        boolean amsgrad = h.amsgrad();
        for (int done = 0; done < length; done += BLOCK) {
            int n = Math.min(BLOCK, length - done);
            widen(param, po + done, s.p, n);
            widen(grad, go + done, s.g, n);
            widen(expAvg, mo + done, s.m, n);
            widen(expAvgSq, vo + done, s.v, n);
            if (amsgrad) widen(maxExpAvgSq, xo + done, s.x, n);
            PanamaAdamF32.INSTANCE.step(h, negStepSize, bc2Sqrt, gradScale, s.p, 0, s.g, 0, s.m, 0, s.v, 0,
                    amsgrad ? s.x : null, 0, n);
            narrow(s.p, param, po + done, n);
            narrow(s.m, expAvg, mo + done, n);
            narrow(s.v, expAvgSq, vo + done, n);
            if (amsgrad) narrow(s.x, maxExpAvgSq, xo + done, n);
        }
    }

    /** f16 parameters, gradients and state, over segments; offsets in elements. */
    static void step(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        Scratch s = SCRATCH.get();
        boolean amsgrad = h.amsgrad();
        for (long done = 0; done < length; done += BLOCK) {
            int n = (int) Math.min(BLOCK, length - done);
            widen(param, po + done, s, s.p, n);
            widen(grad, go + done, s, s.g, n);
            widen(expAvg, mo + done, s, s.m, n);
            widen(expAvgSq, vo + done, s, s.v, n);
            if (amsgrad) widen(maxExpAvgSq, xo + done, s, s.x, n);
            PanamaAdamF32.INSTANCE.step(h, negStepSize, bc2Sqrt, gradScale, s.p, 0, s.g, 0, s.m, 0, s.v, 0,
                    amsgrad ? s.x : null, 0, n);
            narrow(s.p, s, param, po + done, n);
            narrow(s.m, s, expAvg, mo + done, n);
            narrow(s.v, s, expAvgSq, vo + done, n);
            if (amsgrad) narrow(s.x, s, maxExpAvgSq, xo + done, n);
        }
    }

    /** f32 parameters and gradients (stepped in place), f16 moments, over arrays. */
    static void stepF32Params(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            float[] param, int po, float[] grad, int go, short[] expAvg, int mo,
            short[] expAvgSq, int vo, short[] maxExpAvgSq, int xo, int length) {
        Scratch s = SCRATCH.get();
        boolean amsgrad = h.amsgrad();
        for (int done = 0; done < length; done += BLOCK) {
            int n = Math.min(BLOCK, length - done);
            widen(expAvg, mo + done, s.m, n);
            widen(expAvgSq, vo + done, s.v, n);
            if (amsgrad) widen(maxExpAvgSq, xo + done, s.x, n);
            PanamaAdamF32.INSTANCE.step(h, negStepSize, bc2Sqrt, gradScale, param, po + done, grad, go + done,
                    s.m, 0, s.v, 0, amsgrad ? s.x : null, 0, n);
            narrow(s.m, expAvg, mo + done, n);
            narrow(s.v, expAvgSq, vo + done, n);
            if (amsgrad) narrow(s.x, maxExpAvgSq, xo + done, n);
        }
    }

    /** f32 parameters and gradients, f16 moments, over segments; offsets in elements. */
    static void stepF32Params(AdamHyperparameters h, double negStepSize, double bc2Sqrt, double gradScale,
            MemorySegment param, long po, MemorySegment grad, long go, MemorySegment expAvg, long mo,
            MemorySegment expAvgSq, long vo, MemorySegment maxExpAvgSq, long xo, long length) {
        Scratch s = SCRATCH.get();
        boolean amsgrad = h.amsgrad();
        for (long done = 0; done < length; done += BLOCK) {
            int n = (int) Math.min(BLOCK, length - done);
            MemorySegment.copy(param, F, (po + done) * Float.BYTES, s.p, 0, n);
            MemorySegment.copy(grad, F, (go + done) * Float.BYTES, s.g, 0, n);
            widen(expAvg, mo + done, s, s.m, n);
            widen(expAvgSq, vo + done, s, s.v, n);
            if (amsgrad) widen(maxExpAvgSq, xo + done, s, s.x, n);
            PanamaAdamF32.INSTANCE.step(h, negStepSize, bc2Sqrt, gradScale, s.p, 0, s.g, 0, s.m, 0, s.v, 0,
                    amsgrad ? s.x : null, 0, n);
            MemorySegment.copy(s.p, 0, param, F, (po + done) * Float.BYTES, n);
            narrow(s.m, s, expAvg, mo + done, n);
            narrow(s.v, s, expAvgSq, vo + done, n);
            if (amsgrad) narrow(s.x, s, maxExpAvgSq, xo + done, n);
        }
    }

    // ------------------------------------------------------------------ conversions of one block

    /** {@code n} f16 elements from {@code src[from..]} to {@code dst[0..n)}, exactly (auto-vectorized). */
    static void widen(short[] src, int from, float[] dst, int n) {
        for (int i = 0; i < n; i++) dst[i] = Float.float16ToFloat(src[from + i]);
    }

    private static void widen(MemorySegment src, long from, Scratch s, float[] dst, int n) {
        MemorySegment.copy(src, E, from * Short.BYTES, s.staging, 0, n);
        widen(s.staging, 0, dst, n);
    }

    /** {@code src[0..n)} to f16 in {@code dst[to..]}, the specification's rounding and NaN. */
    static void narrow(float[] src, short[] dst, int to, int n) {
        quietNaNs(src, n);
        for (int i = 0; i < n; i++) dst[to + i] = Float.floatToFloat16(src[i]);
    }

    private static void narrow(float[] src, Scratch s, MemorySegment dst, long to, int n) {
        narrow(src, s.staging, 0, n);
        MemorySegment.copy(s.staging, 0, dst, E, to * Short.BYTES, n);
    }

    /** Replaces each NaN of {@code a[0..n)} by the f32 quiet NaN of its sign (which narrows to {@code 0x7E00}). */
    private static void quietNaNs(float[] a, int n) {
        int bound = PanamaAdamF32.S.loopBound(n), i = 0;
        for (; i < bound; i += PanamaAdamF32.S.length()) {
            FloatVector x = FloatVector.fromArray(PanamaAdamF32.S, a, i);
            VectorMask<Float> nan = x.test(VectorOperators.IS_NAN);
            if (nan.anyTrue()) {
                x.reinterpretAsInts().and(0x8000_0000).or(QUIET_NAN).reinterpretAsFloats().intoArray(a, i, nan);
            }
        }
        for (; i < n; i++) {
            if (a[i] != a[i]) a[i] = Float.intBitsToFloat((Float.floatToRawIntBits(a[i]) & 0x8000_0000) | QUIET_NAN);
        }
    }
}
