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

    /** 10,000 parameters × 1,000 elements, as flat views or separate arrays, vs one 10M parameter. */
    @State(Scope.Thread)
    public static class ManyTensors {
        @Param({"FLAT", "SEPARATE", "SINGLE"})
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
     * separate arrays ({@code ARRAYS}) or on consecutive slices of four 10M arrays ({@code SLICES}).
     */
    @State(Scope.Thread)
    public static class ManyCalls {
        @Param({"ARRAYS", "SLICES"})
        public String layout;

        final AdamHyperparameters h = AdamHyperparameters.defaults();
        float[][] p = new float[10_000][], g = new float[10_000][], m = new float[10_000][], v = new float[10_000][];
        int[] off = new int[10_000];
        long t;

        @Setup(Level.Trial)
        public void setUp() {
            boolean slices = layout.equals("SLICES");
            float[] pp = slices ? new float[10_000_000] : null, gg = slices ? new float[10_000_000] : null;
            for (int i = 0; i < 10_000; i++) {
                p[i] = slices ? pp : new float[1_000];
                g[i] = slices ? gg : new float[1_000];
                off[i] = slices ? 1_000 * i : 0;
                for (int k = 0; k < 1_000; k++) g[i][off[i] + k] = (float) (Math.sin((i * 1_000L + k) * 0.37) * 1e-3);
            }
            float[] mm = slices ? new float[10_000_000] : null, vv = slices ? new float[10_000_000] : null;
            for (int i = 0; i < 10_000; i++) { // state is created at the first step, after the parameters
                m[i] = slices ? mm : new float[1_000];
                v[i] = slices ? vv : new float[1_000];
            }
        }
    }

    @Benchmark
    @Traffic(f32Bytes = 28, elements = 10_000_000)
    public void manyCalls(ManyCalls s) {
        long t = ++s.t;
        for (int i = 0; i < 10_000; i++) {
            int o = s.off[i];
            AdamKernels.step(s.h, t, 1.0, s.p[i], o, s.g[i], o, s.m[i], o, s.v[i], o, null, 0, 1_000);
        }
    }

    @Benchmark
    @Traffic(f32Bytes = 28)
    public void threads(Threads s) {
        s.opt.step();
    }
}
