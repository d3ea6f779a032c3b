package dev.adam4j.jmh;

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
        @Param({"1048576", "16777216", "67108864"})
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
    public void manyTensors(ManyTensors s) {
        s.opt.step();
    }

    @Benchmark
    public void threads(Threads s) {
        s.opt.step();
    }
}
