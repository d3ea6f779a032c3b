package dev.adam4j.djl.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.adam4j.djl.Adam4j;
import dev.adam4j.djl.Adam4jOptimizer;
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
 * One optimizer step inside DJL (PyTorch engine, CPU): every parameter of a model updated through
 * {@code Optimizer.update(id, weight, grad)}, as DJL's parameter server calls it, with adam4j's
 * adapter or DJL's own Adam. DJL's parameter-server work around the call (fetching and duplicating
 * each gradient) is the same for both and left out. The model: {@code layers} square f32 matrices of
 * {@code width}² plus a bias each ({@code model = "12x512"}: 3.15 M parameters in 24 tensors;
 * {@code "48x256"}: 3.16 M in 96 tensors, where per-call costs weigh more). The gradients are fixed random tensors that the optimizers only read, so the moments stay
 * normal numbers however long the run.
 *
 * <p>{@code threads}: adam4j's own pool for the adapter ({@code optParallelism}), PyTorch's intra-op
 * threads for DJL's Adam ({@code JniUtils.setNumThreads}).
 *
 * <p>{@code ./bench adapters} runs it (several single-fork runs per configuration, adapter and DJL
 * alternating) and writes the report's section. By hand (from the repository root; one fork, for an
 * indicative figure):
 * <pre>
 * ./mvn25 -q -pl adapters/djl -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dai.djl.offline=true \
 *     -cp adapters/djl/target/test-classes:adapters/djl/target/classes:$(cat adapters/djl/target/test-classpath.txt) \
 *     org.openjdk.jmh.Main DjlOptimizerBench -f 1 -wi 3 -i 5
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dai.djl.offline=true", "-Dadam4j.kernel=vector"})
public class DjlOptimizerBench {

    @Param({"adam4j", "djl"})
    public String optimizer;

    @Param({"1", "2"})
    public int threads;

    /** {@code layers x width}: 12 x 512 is 3.15 M parameters in 24 tensors, 48 x 256 is 3.16 M in 96. */
    @Param({"12x512", "48x256"})
    public String model;

    private NDManager manager;
    private Optimizer opt;
    private String[] ids;
    private NDArray[] weights, grads;

    @Setup(Level.Trial)
    public void setUp() {
        manager = NDManager.newBaseManager("PyTorch");
        int layers = Integer.parseInt(model.substring(0, model.indexOf('x')));
        int width = Integer.parseInt(model.substring(model.indexOf('x') + 1));
        int n = 2 * layers;
        ids = new String[n];
        weights = new NDArray[n];
        grads = new NDArray[n];
        for (int i = 0; i < n; i++) {
            Shape shape = i % 2 == 0 ? new Shape(width, width) : new Shape(width);
            ids[i] = "p" + i;
            weights[i] = manager.randomNormal(0, 0.05f, shape, ai.djl.ndarray.types.DataType.FLOAT32);
            weights[i].setRequiresGradient(true);
            grads[i] = manager.randomNormal(0, 1e-2f, shape, ai.djl.ndarray.types.DataType.FLOAT32);
        }
        if (optimizer.equals("adam4j")) {
            JniUtils.setNumThreads(1);
            opt = Adam4j.adam().optLearningRate(1e-4).optParallelism(threads).build();
        } else {
            JniUtils.setNumThreads(threads);
            opt = Optimizer.adam().optLearningRateTracker(Tracker.fixed(1e-4f)).build();
        }
        float[] before = weights[0].toFloatArray();
        step(); // binds (adapter) or allocates the moments (DJL) outside the measurement
        if (java.util.Arrays.equals(before, weights[0].toFloatArray())) {
            throw new IllegalStateException(optimizer + ": the step did not move the parameters");
        }
        if (opt instanceof Adam4jOptimizer a && a.copiedSteps() != 0) {
            throw new IllegalStateException("the adapter copied: " + a.bindings());
        }
    }

    @Benchmark
    public void step() {
        for (int i = 0; i < ids.length; i++) {
            opt.update(ids[i], weights[i], grads[i]);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (opt instanceof Adam4jOptimizer a && a.copiedSteps() != 0) {
            throw new IllegalStateException("the adapter copied during the run: " + a.bindings());
        }
        manager.close();
    }
}
