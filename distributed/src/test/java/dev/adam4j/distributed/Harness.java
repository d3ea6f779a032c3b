package dev.adam4j.distributed;

import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.AdamState;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.FlatParameters;
import dev.adam4j.optim.Optimizer;
import dev.adam4j.optim.Param;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Test models, values with IEEE corner cases, and runs of N ranks on threads. */
public final class Harness {
    private Harness() {}

    public static final double[] SPECIALS = {0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Float.MIN_VALUE,
            -Float.MIN_VALUE, 0x1p-140, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN,
            Float.MAX_VALUE, -Float.MAX_VALUE};

    /** A gradient-like value, or with probability {@code specialRate} a special one. */
    public static double value(SplittableRandom r, double specialRate) {
        if (specialRate > 0 && r.nextDouble() < specialRate) return SPECIALS[r.nextInt(SPECIALS.length)];
        return r.nextGaussian() * Math.pow(10, r.nextInt(-5, 2));
    }

    /** A flat model of parameters of the given lengths, padded for {@code worldSize}. */
    public static FlatParameters model(Precision p, long[] lengths, int worldSize, Arena arena) {
        FlatParameters.Builder b = FlatParameters.builder(p).padTo(ShardLayout.padMultiple(p, worldSize));
        for (int i = 0; i < lengths.length; i++) b.add("p" + i, lengths[i]);
        if (arena != null) b.nativeMemory(arena);
        return b.build();
    }

    public static void fill(DataBuffer b, long seed, double specialRate) {
        SplittableRandom r = new SplittableRandom(seed);
        for (long i = 0; i < b.length(); i++) b.set(i, value(r, specialRate));
    }

    /** The raw bits of every element, for bitwise comparison (NaN payloads included). */
    public static long[] bits(DataBuffer b) {
        long[] out = new long[Math.toIntExact(b.length())];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (b.precision()) {
                case F32, BF16, F16 -> Float.floatToRawIntBits((float) b.get(i)); // 16-bit values are exact floats
                case F64 -> Double.doubleToRawLongBits(b.get(i));
            };
        }
        return out;
    }

    /** A single-process optimizer's moments over the whole flat buffer, parameter after parameter. */
    public static double[][] flatState(Optimizer opt, FlatParameters flat) {
        long total = flat.data().length();
        double[][] out = new double[3][Math.toIntExact(total)];
        int at = 0;
        for (Param p : flat.params()) {
            AdamState s = opt.state(p);
            for (int i = 0; i < p.length(); i++) {
                out[0][at + i] = s.expAvg().get(i);
                out[1][at + i] = s.expAvgSq().get(i);
                out[2][at + i] = s.maxExpAvgSq() == null ? 0 : s.maxExpAvgSq().get(i);
            }
            at += p.length();
        }
        return out;
    }

    /** Runs {@code work} for ranks 0..n-1 on n threads; returns their results in rank order. */
    public static <T> List<T> onRanks(int n, java.util.function.IntFunction<Callable<T>> work) throws Exception {
        ExecutorService ex = Executors.newFixedThreadPool(n);
        try {
            List<Future<T>> fs = new ArrayList<>();
            for (int r = 0; r < n; r++) fs.add(ex.submit(work.apply(r)));
            List<T> out = new ArrayList<>();
            for (Future<T> f : fs) out.add(f.get(60, TimeUnit.SECONDS));
            return out;
        } finally {
            ex.shutdownNow();
        }
    }
}
