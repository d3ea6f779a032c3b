package dev.adam4j.jmh;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.EpsilonMode;
import dev.adam4j.kernels.Precision;
import dev.adam4j.kernels.WeightDecay;
import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One Adam step through {@code AdamKernels}, per size, precision, storage and variant. The two
 * concrete classes run it with the Vector API provider and with the scalar one (same entry point,
 * incubator module absent), each in its own forked JVM.
 *
 * <p>Warm-up: 3 × 1 s reaches C2's steady state for these loops (they compile within a few hundred
 * milliseconds); measurement: 5 × 1 s, one fork, because a suite of this size on 2 cores must fit in
 * minutes. The machine is noisy: read medians and ratios measured in the same run, not absolutes.
 * Sizes run from L1-resident (4 Ki) to far past the last-level cache (64 Mi elements), plus an awkward
 * tail (1,000,003 = a prime: every vector width leaves a remainder).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public abstract class KernelBench {
    @Param({"4096", "65536", "1048576", "1000003", "16777216", "67108864"})
    public int size;

    @Param({"F32", "F64"})
    public Precision precision;

    @Param({"ARRAY", "HEAP_SEGMENT", "NATIVE_SEGMENT"})
    public Buffers.Storage storage;

    @Param({"ADAM", "AMSGRAD", "L2", "DECOUPLED", "MAXIMIZE", "EPS_HAT"})
    public String variant;

    private Arena arena;
    private Buffers buffers;
    private AdamHyperparameters h;
    private long t;

    static AdamHyperparameters variant(String name) {
        AdamHyperparameters d = AdamHyperparameters.defaults();
        return switch (name) {
            case "ADAM" -> d;
            case "AMSGRAD" -> d.withAmsgrad(true);
            case "L2" -> d.withWeightDecay(0.01, WeightDecay.L2);
            case "DECOUPLED" -> d.withWeightDecay(0.01, WeightDecay.DECOUPLED);
            case "MAXIMIZE" -> d.withMaximize(true);
            case "EPS_HAT" -> d.withEpsilonMode(EpsilonMode.EPS_HAT);
            default -> throw new IllegalArgumentException(name);
        };
    }

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        buffers = new Buffers(precision, storage, size, arena);
        h = variant(variant);
        t = 1;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    @Traffic(f32Bytes = 28, amsgradF32Bytes = 36) // p, g, m, v read; p, m, v written (+ vmax both ways)
    public void step() {
        buffers.step(h, t++);
    }

    /** The Vector API provider. */
    @org.openjdk.jmh.annotations.Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dadam4j.kernel=vector"})
    public static class Vector extends KernelBench { }

    /** The scalar provider: the same entry point without the incubator module. */
    @org.openjdk.jmh.annotations.Fork(value = 1, jvmArgsAppend = {"-Dadam4j.kernel=scalar"})
    public static class Scalar extends KernelBench { }
}
