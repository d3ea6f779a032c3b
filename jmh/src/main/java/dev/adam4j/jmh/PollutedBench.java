package dev.adam4j.jmh;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.Precision;
import java.lang.foreign.Arena;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One call site that sees heap and native segments alternately (a polluted type profile, what a
 * library meets in production): each operation is two steps, one on each. Compare with twice the
 * time of {@code KernelBench.Vector} on either storage alone.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dadam4j.kernel=vector"})
@State(Scope.Thread)
public class PollutedBench {
    @Param({"65536", "1048576", "16777216"})
    public int size;

    private Arena arena;
    private Buffers heap, offHeap;
    private final AdamHyperparameters h = AdamHyperparameters.defaults();
    private long t = 1;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        heap = new Buffers(Precision.F32, Buffers.Storage.HEAP_SEGMENT, size, arena);
        offHeap = new Buffers(Precision.F32, Buffers.Storage.NATIVE_SEGMENT, size, arena);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    @Traffic(f32Bytes = 28, sizeMultiple = 2) // steps a heap and a native buffer of size elements each
    public void heapThenNative() {
        heap.step(h, t);
        offHeap.step(h, t++);
    }
}
