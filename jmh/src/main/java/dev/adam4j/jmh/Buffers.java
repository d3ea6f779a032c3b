package dev.adam4j.jmh;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.AdamKernels;
import dev.adam4j.kernels.Precision;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/** The five buffers of one Adam step in one storage, filled with plausible values. */
public final class Buffers {
    /** Where the buffers live. */
    public enum Storage { ARRAY, HEAP_SEGMENT, NATIVE_SEGMENT }

    final Precision precision;
    final Storage storage;
    final int n;
    Object p, g, m, v, x; // float[]/double[] for ARRAY
    MemorySegment sp, sg, sm, sv, sx;

    Buffers(Precision precision, Storage storage, int n, Arena arena) {
        this.precision = precision;
        this.storage = storage;
        this.n = n;
        SplittableRandom r = new SplittableRandom(n);
        if (precision == Precision.F32) {
            float[][] a = new float[5][n];
            for (int i = 0; i < n; i++) {
                a[0][i] = (float) r.nextGaussian();
                a[1][i] = (float) (r.nextGaussian() * 1e-2);
                a[2][i] = (float) (r.nextGaussian() * 1e-3);
                a[3][i] = (float) (r.nextDouble() * 1e-4);
                a[4][i] = a[3][i];
            }
            p = a[0]; g = a[1]; m = a[2]; v = a[3]; x = a[4];
        } else {
            double[][] a = new double[5][n];
            for (int i = 0; i < n; i++) {
                a[0][i] = r.nextGaussian();
                a[1][i] = r.nextGaussian() * 1e-2;
                a[2][i] = r.nextGaussian() * 1e-3;
                a[3][i] = r.nextDouble() * 1e-4;
                a[4][i] = a[3][i];
            }
            p = a[0]; g = a[1]; m = a[2]; v = a[3]; x = a[4];
        }
        if (storage != Storage.ARRAY) {
            MemorySegment[] s = new MemorySegment[5];
            Object[] src = {p, g, m, v, x};
            for (int b = 0; b < 5; b++) {
                MemorySegment heap = precision == Precision.F32 ? MemorySegment.ofArray((float[]) src[b])
                        : MemorySegment.ofArray((double[]) src[b]);
                if (storage == Storage.HEAP_SEGMENT) {
                    s[b] = heap;
                } else {
                    s[b] = arena.allocate(heap.byteSize(), 64);
                    s[b].copyFrom(heap);
                }
            }
            sp = s[0]; sg = s[1]; sm = s[2]; sv = s[3]; sx = s[4];
        }
    }

    void step(AdamHyperparameters h, long t) {
        switch (storage) {
            case ARRAY -> {
                if (precision == Precision.F32) {
                    AdamKernels.step(h, t, 1.0, (float[]) p, 0, (float[]) g, 0, (float[]) m, 0, (float[]) v, 0, (float[]) x, 0, n);
                } else {
                    AdamKernels.step(h, t, 1.0, (double[]) p, 0, (double[]) g, 0, (double[]) m, 0, (double[]) v, 0, (double[]) x, 0, n);
                }
            }
            case HEAP_SEGMENT, NATIVE_SEGMENT -> AdamKernels.step(h, t, 1.0, precision, sp, 0, sg, 0, sm, 0, sv, 0, sx, 0, n);
        }
    }
}
