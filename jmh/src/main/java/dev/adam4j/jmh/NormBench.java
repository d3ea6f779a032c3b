package dev.adam4j.jmh;

import dev.adam4j.kernels.GradNorms;
import dev.adam4j.kernels.Precision;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * The gradient-norm reduction ({@code GradNorms.sumOfSquares}: one read of the gradient, 16 double
 * accumulators, the fixed block order), vector provider against the scalar specification, on a
 * {@code float[]}/{@code double[]} and on a native segment. Its traffic is one read of the buffer: at
 * sizes past the caches it should run at the read bandwidth, which is what makes the fused clip cost
 * one read instead of PyTorch's read + write + read.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Thread)
public abstract class NormBench {
    @Param({"4096", "65536", "1048576", "16777216"})
    public int size;

    @Param({"F32", "F64"})
    public Precision precision;

    @Param({"ARRAY", "NATIVE_SEGMENT"})
    public String storage;

    private Arena arena;
    private float[] f;
    private double[] d;
    private MemorySegment s;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        if (storage.equals("ARRAY")) {
            if (precision == Precision.F32) {
                f = new float[size];
                for (int i = 0; i < size; i++) f[i] = (float) Math.sin(i * 0.37 + 1);
            } else {
                d = new double[size];
                for (int i = 0; i < size; i++) d[i] = Math.sin(i * 0.37 + 1);
            }
        } else {
            s = arena.allocate((long) size * precision.byteSize(), 64);
            for (int i = 0; i < size; i++) {
                if (precision == Precision.F32) s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) Math.sin(i * 0.37 + 1));
                else s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, Math.sin(i * 0.37 + 1));
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    @Traffic(f32Bytes = 4) // one read of the gradient
    public double sumOfSquares() {
        if (s != null) return GradNorms.sumOfSquares(precision, s, 0, size);
        return f != null ? GradNorms.sumOfSquares(f, 0, size) : GradNorms.sumOfSquares(d, 0, size);
    }

    /** The Vector API provider. */
    @org.openjdk.jmh.annotations.Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dadam4j.kernel=vector"})
    public static class Vector extends NormBench { }

    /** The scalar specification: the same entry point without the incubator module. */
    @org.openjdk.jmh.annotations.Fork(value = 1, jvmArgsAppend = {"-Dadam4j.kernel=scalar"})
    public static class Scalar extends NormBench { }
}
