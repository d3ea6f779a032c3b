package dev.adam4j.jmh;

import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;
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

/**
 * Deeplearning4j's ND4J {@code AdamUpdater} (nd4j-native 1.0.0-M2.1, AVX-512 build), one Adam step
 * as Deeplearning4j takes it: {@code applyUpdater} turns the gradient into the update in place, then
 * {@code params.subi(update)}. The gradient is restored before every invocation, outside the timed
 * region (otherwise the update of the update of ... collapses to denormals). f32, default
 * hyperparameters, same sizes as {@link PeerBench}. ND4J's threads follow {@code OMP_NUM_THREADS},
 * which only the process environment sets: {@code ./bench} runs this class once per thread count
 * with the variable set, and the setup refuses a mismatch.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Dorg.bytedeco.javacpp.platform.extension=-avx512"})
@State(Scope.Thread)
public class Nd4jPeerBench {
    @Param({"4096", "65536", "1048576", "16777216", "67108864"})
    public int size;

    @Param({"1", "2"})
    public int threads;

    private INDArray params, grad, original;
    private AdamUpdater updater;
    private int iteration;

    @Setup(Level.Trial)
    public void setUp() {
        String omp = System.getenv("OMP_NUM_THREADS");
        if (!String.valueOf(threads).equals(omp)) {
            throw new IllegalStateException("ND4J's thread count follows OMP_NUM_THREADS: run with OMP_NUM_THREADS="
                    + threads + " for threads=" + threads + " (it is " + omp + ")");
        }
        float[] p = new float[size], g = new float[size];
        for (int i = 0; i < size; i++) {
            p[i] = (float) Math.sin(i * 0.37 + 1);
            g[i] = (float) (1e-3 * Math.sin(i * 0.37 + 1));
        }
        params = Nd4j.create(p, new long[] {1, size}, DataType.FLOAT);
        original = Nd4j.create(g, new long[] {1, size}, DataType.FLOAT);
        grad = original.dup();
        updater = new AdamUpdater(new Adam(1e-3, 0.9, 0.999, 1e-8));
        INDArray state = Nd4j.zeros(DataType.FLOAT, 1, 2L * size);
        updater.setStateViewArray(state, new long[] {1, size}, 'c', true);
        // what runs is Adam on the AVX-512 build: ND4J adds eps after the bias correction of the step
        // size (the "eps-hat" form), so the first step moves each parameter by
        // lr * g / (|g| + eps / sqrt(1 - beta2))
        INDArray before = params.dup();
        step();
        for (int i = 0; i < size; i += Math.max(1, size / 1000)) {
            double moved = before.getDouble(0, i) - params.getDouble(0, i);
            double g0 = original.getDouble(0, i), expected = 1e-3 * g0 / (Math.abs(g0) + 1e-8 / Math.sqrt(1 - 0.999));
            if (Math.abs(moved - expected) > 1e-4 * Math.abs(expected)) {
                throw new IllegalStateException("ND4J's first step moved element " + i + " by " + moved + ", not " + expected);
            }
        }
        params.assign(before);
        state.assign(0);
        grad.assign(original);
        iteration = 0;
        try {
            String maps = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/maps"));
            if (!maps.contains("avx512")) throw new IllegalStateException("ND4J's AVX-512 build is not loaded");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Setup(Level.Invocation)
    public void restoreGradient() {
        grad.assign(original);
    }

    @Benchmark
    @Traffic(f32Bytes = 28)
    public void step() {
        updater.applyUpdater(grad, iteration++, 0);
        params.subi(grad);
    }
}
