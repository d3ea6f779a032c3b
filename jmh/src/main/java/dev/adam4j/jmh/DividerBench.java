package dev.adam4j.jmh;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What this CPU's divider allows an in-cache f32 Adam step: the true divisions and the square root
 * that bit-compatibility with PyTorch requires, and nothing else, over {@link #N} elements that stay
 * in the L1 cache, with the preferred Vector API species (the kernels' own). One operation is one pass
 * over the {@link #N} elements; {@link #adamChain} is the step's dependency chain per element
 * ({@code d = sqrt(v) / bc2Sqrt + eps}, then {@code m / d}: one square root, two divisions), so its
 * time per element is the floor under any bit-compatible kernel in cache, PyTorch's included.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@State(Scope.Thread)
public class DividerBench {
    /** Elements of a pass: three f32 arrays of 8 KiB, well inside a 32 KiB L1. */
    static final int N = 2048;
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private final float[] m = new float[N], v = new float[N], out = new float[N];

    @Setup(Level.Trial)
    public void setUp() {
        for (int i = 0; i < N; i++) {
            m[i] = (float) (1e-3 * Math.sin(i * 0.37 + 1));
            v[i] = (float) (1e-6 * (1.5 + Math.sin(i * 0.11)));
        }
    }

    /** One division per element. */
    @Benchmark
    public float[] div() {
        for (int i = 0; i < N; i += S.length()) {
            FloatVector.fromArray(S, m, i).div(FloatVector.fromArray(S, v, i)).intoArray(out, i);
        }
        return out;
    }

    /** One square root per element. */
    @Benchmark
    public float[] sqrt() {
        for (int i = 0; i < N; i += S.length()) {
            FloatVector.fromArray(S, v, i).lanewise(VectorOperators.SQRT).intoArray(out, i);
        }
        return out;
    }

    /** Adam's chain per element: a square root, a division by the bias correction, an addition, a division. */
    @Benchmark
    public float[] adamChain() {
        for (int i = 0; i < N; i += S.length()) {
            FloatVector d = FloatVector.fromArray(S, v, i).lanewise(VectorOperators.SQRT).div(0.0316f).add(1e-8f);
            FloatVector.fromArray(S, m, i).div(d).intoArray(out, i);
        }
        return out;
    }
}
