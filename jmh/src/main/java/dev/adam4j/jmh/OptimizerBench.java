package dev.adam4j.jmh;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.AdamKernels;
import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.Adam;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.FlatParameters;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/** Steps through the {@code Adam} facade: many small tensors, and 1 vs 2 threads. */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dadam4j.kernel=vector"})
public class OptimizerBench {

    /**
     * 10,000 parameters × 1,000 elements, as flat views or separate arrays, vs one 10M parameter.
     * {@code SEPARATE} allocates each gradient right after its parameter ({@code Param.of},
     * {@code defineGrad}); {@code SEPARATE_GRADS_AFTER} allocates every parameter first, then every
     * gradient ({@code setGrad}), so that each stream's arrays follow each other in memory.
     */
    @State(Scope.Thread)
    public static class ManyTensors {
        @Param({"FLAT", "SEPARATE", "SEPARATE_GRADS_AFTER", "SINGLE"})
        public String layout;

        Adam opt;

        @Setup(Level.Trial)
        public void setUp() {
            List<dev.adam4j.optim.Param> ps = new ArrayList<>();
            switch (layout) {
                case "FLAT" -> {
                    FlatParameters.Builder b = FlatParameters.builder(Precision.F32);
                    for (int i = 0; i < 10_000; i++) b.add("p" + i, 1_000);
                    FlatParameters f = b.build();
                    fill(f.grad());
                    ps.addAll(f.params());
                }
                case "SEPARATE" -> {
                    for (int i = 0; i < 10_000; i++) {
                        dev.adam4j.optim.Param p = dev.adam4j.optim.Param.of("p" + i, new float[1_000]);
                        fill(p.defineGrad());
                        ps.add(p);
                    }
                }
                case "SEPARATE_GRADS_AFTER" -> {
                    for (int i = 0; i < 10_000; i++) ps.add(dev.adam4j.optim.Param.of("p" + i, new float[1_000]));
                    for (dev.adam4j.optim.Param p : ps) {
                        DataBuffer g = DataBuffer.of(new float[1_000]);
                        fill(g);
                        p.setGrad(g);
                    }
                }
                default -> {
                    dev.adam4j.optim.Param p = dev.adam4j.optim.Param.of("single", new float[10_000_000]);
                    fill(p.defineGrad());
                    ps.add(p);
                }
            }
            opt = new Adam(ps);
        }
    }

    /** One flat parameter of {@code size} elements, stepped by 1 or 2 threads. */
    @State(Scope.Thread)
    public static class Threads {
        @Param({"4096", "65536", "262144", "1048576", "16777216", "67108864"})
        public int size;

        @Param({"1", "2"})
        public int threads;

        Adam opt;

        @Setup(Level.Trial)
        public void setUp() {
            dev.adam4j.optim.Param p = dev.adam4j.optim.Param.of("w", new float[size]);
            fill(p.defineGrad());
            opt = new Adam(List.of(p)).setParallelism(threads);
        }
    }

    static void fill(DataBuffer g) {
        for (long i = 0; i < g.length(); i++) g.set(i, Math.sin(i * 0.37) * 1e-3);
    }

    @Benchmark
    @Traffic(f32Bytes = 28, elements = 10_000_000)
    public void manyTensors(ManyTensors s) {
        s.opt.step();
    }

    /**
     * The two costs of SEPARATE apart, without the facade: 10,000 kernel calls of 1,000 elements on
     * separate arrays or on consecutive slices of four 10M arrays ({@code SLICES}). The array layouts
     * differ only in the order the arrays are allocated in (then a full GC, which keeps that order):
     * {@code ARRAYS} as {@code Param.of} + {@code defineGrad} and lazily created state lay them out
     * (p0, g0, p1, g1, ..., then m0, v0, m1, v1, ...); {@code ARRAYS_MV} the same parameters and
     * gradients with each state stream allocated contiguously (m0, m1, ..., then v0, v1, ...);
     * {@code SLAB_MV} the same with the state as slices of one 10M array per stream; {@code STREAMS}
     * every stream contiguous (p0, p1, ..., g0, g1, ..., m..., v...); {@code PADDED} as {@code ARRAYS}
     * with 1 KiB between consecutive arrays, so that p_i and g_i (m_i and v_i) no longer lie 4,016
     * bytes apart, almost 4 KiB; {@code PG_STREAMS} contiguous parameters and gradients with
     * interleaved state; {@code STREAMS_GAP} as {@code STREAMS} with a 64-byte object after each
     * array (as a {@code Param}'s metadata would lie between the arrays); {@code ONE} the arrays of
     * {@code SLICES} in one call of 10M elements (what {@code SLICES} adds is the cost of 10,000 calls).
     */
    @State(Scope.Thread)
    public static class ManyCalls {
        @Param({"ARRAYS", "ARRAYS_MV", "SLAB_MV", "PG_STREAMS", "STREAMS", "STREAMS_GAP", "PADDED", "SLICES", "ONE"})
        public String layout;

        final AdamHyperparameters h = AdamHyperparameters.defaults();
        float[][] p = new float[10_000][], g = new float[10_000][], m = new float[10_000][], v = new float[10_000][];
        int[] off = new int[10_000], stateOff = new int[10_000];
        float[][] pads;
        long t;

        @Setup(Level.Trial)
        public void setUp() {
            boolean slices = layout.equals("SLICES") || layout.equals("ONE"), padded = layout.equals("PADDED"), gap = layout.equals("STREAMS_GAP");
            pads = padded || gap ? new float[40_000][] : null;
            int np = 0;
            float[] pp = slices ? new float[10_000_000] : null, gg = slices ? new float[10_000_000] : null;
            if (layout.contains("STREAMS")) {
                for (int i = 0; i < 10_000; i++) {
                    p[i] = new float[1_000];
                    if (gap) pads[np++] = new float[12];
                }
                for (int i = 0; i < 10_000; i++) {
                    g[i] = new float[1_000];
                    if (gap) pads[np++] = new float[12];
                }
            } else {
                for (int i = 0; i < 10_000; i++) {
                    p[i] = slices ? pp : new float[1_000];
                    if (padded) pads[np++] = new float[252];
                    g[i] = slices ? gg : new float[1_000];
                    if (padded) pads[np++] = new float[252];
                    off[i] = slices ? 1_000 * i : 0;
                }
            }
            for (int i = 0; i < 10_000; i++) {
                for (int k = 0; k < 1_000; k++) g[i][off[i] + k] = (float) (Math.sin((i * 1_000L + k) * 0.37) * 1e-3);
            }
            switch (layout) { // state is created at the first step, after the parameters
                case "ARRAYS_MV", "STREAMS", "STREAMS_GAP" -> {
                    for (int i = 0; i < 10_000; i++) {
                        m[i] = new float[1_000];
                        if (gap) pads[np++] = new float[12];
                    }
                    for (int i = 0; i < 10_000; i++) {
                        v[i] = new float[1_000];
                        if (gap) pads[np++] = new float[12];
                    }
                }
                case "SLAB_MV", "SLICES", "ONE" -> {
                    float[] mm = new float[10_000_000], vv = new float[10_000_000];
                    for (int i = 0; i < 10_000; i++) {
                        m[i] = mm;
                        v[i] = vv;
                        stateOff[i] = 1_000 * i;
                    }
                }
                default -> {
                    for (int i = 0; i < 10_000; i++) {
                        m[i] = new float[1_000];
                        if (padded) pads[np++] = new float[252];
                        v[i] = new float[1_000];
                        if (padded) pads[np++] = new float[252];
                    }
                }
            }
            System.gc(); // promoted in allocation order (a young collection would reorder them)
        }
    }

    @Benchmark
    @Traffic(f32Bytes = 28, elements = 10_000_000)
    public void manyCalls(ManyCalls s) {
        long t = ++s.t;
        if (s.layout.equals("ONE")) {
            AdamKernels.step(s.h, t, 1.0, s.p[0], 0, s.g[0], 0, s.m[0], 0, s.v[0], 0, null, 0, 10_000_000);
            return;
        }
        for (int i = 0; i < 10_000; i++) {
            int o = s.off[i], so = s.stateOff[i];
            AdamKernels.step(s.h, t, 1.0, s.p[i], o, s.g[i], o, s.m[i], so, s.v[i], so, null, 0, 1_000);
        }
    }

    @Benchmark
    @Traffic(f32Bytes = 28)
    public void threads(Threads s) {
        s.opt.step();
    }
}
