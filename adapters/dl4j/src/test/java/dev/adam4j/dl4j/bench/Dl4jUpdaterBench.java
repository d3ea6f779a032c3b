package dev.adam4j.dl4j.bench;

import dev.adam4j.dl4j.Adam4j;
import dev.adam4j.dl4j.MemoryFloor;
import java.util.concurrent.TimeUnit;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
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
 * One optimizer step inside Deeplearning4j (nd4j-native 1.0.0-M2.1, CPU, f32), as
 * {@code MultiLayerNetwork.fit} takes it after backpropagation: the network's {@link Updater} over
 * its flattened gradient view ({@code updater.update(net, gradient, iteration, epoch, batchSize, ...)}:
 * minibatch division and every updater block's {@code applyUpdater}), then
 * {@code params.subi(update)} (DL4J's {@code NegativeDefaultStepFunction}). With adam4j's
 * {@link Adam4j} updater or DL4J's own {@link Adam} (ND4J's native {@code adam_updater} op). Both
 * get the same network, the same gradient and the same hyperparameters (lr 1e-4, PyTorch's betas
 * and eps); every layer has the same updater, so the network has one updater block over all
 * {@code 2 * layers} tensors. The model: {@code layers} dense layers of {@code width}² weights plus a
 * bias ({@code "12x512"}: 3.15 M parameters in 24 tensors).
 *
 * <p>{@link #applyUpdater} times the updater block's {@code applyUpdater} alone, the part in which the
 * two differ.
 *
 * <p>The updater turns the gradient view into the update in place, so the gradient is restored before
 * every invocation, outside the timed region ({@code @Setup(Level.Invocation)}; one step is
 * milliseconds, so JMH's per-invocation overhead is negligible).
 *
 * <p>{@code threads}: ND4J's OpenMP threads, which follow {@code OMP_NUM_THREADS} and which only the
 * process environment sets, so {@code ./bench adapters} runs each thread count in its own fork with
 * the variable set, and the setup refuses a mismatch. They run DL4J's own Adam, the minibatch
 * division and the subtraction; the adapter's own pass (adam4j's kernel on the state view) runs on
 * {@code threads} threads too ({@link Adam4j#withParallelism}).
 *
 * <p>Run by {@code ./bench adapters}; by hand (from the repository root):
 * <pre>
 * ./mvn25 -q -pl adapters/dl4j -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
 * OMP_NUM_THREADS=1 java -cp adapters/dl4j/target/test-classes:adapters/dl4j/target/classes:$(cat adapters/dl4j/target/test-classpath.txt) \
 *     org.openjdk.jmh.Main Dl4jUpdaterBench -p threads=1 -f 1
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Dadam4j.kernel=vector"})
public class Dl4jUpdaterBench {

    /**
     * {@code noop}: ND4J's {@code NoOp} updater, which leaves the gradient as it is: what the step costs
     * without any optimizer (the network's bookkeeping, the minibatch division, the subtraction), the
     * part no optimizer can speed up. {@code floor}: {@link MemoryFloor}, an updater that only moves the bytes
     * any Adam updater must (read the gradient and two moments, write the moments and the update) on
     * {@code threads} threads: the fastest step an Adam could give here.
     */
    @Param({"adam4j", "dl4j", "noop", "floor"})
    public String optimizer;

    /** ND4J's OpenMP threads: must equal the fork's {@code OMP_NUM_THREADS}. */
    @Param({"1", "2"})
    public int threads;

    /** {@code layers x width}: 12 x 512 is 3.15 M parameters in 24 tensors. */
    @Param({"12x512"})
    public String model;

    private MultiLayerNetwork net;
    private Updater updater;
    private UpdaterBlock block;
    private Gradient gradient;
    private INDArray gradientView, update, original, params;
    private final LayerWorkspaceMgr workspaces = LayerWorkspaceMgr.noWorkspaces();
    private int iteration;

    static final int BATCH = 32;

    @Setup(Level.Trial)
    public void setUp() {
        String omp = System.getenv("OMP_NUM_THREADS");
        if (!String.valueOf(threads).equals(omp)) {
            throw new IllegalStateException("ND4J's thread count follows OMP_NUM_THREADS: run with OMP_NUM_THREADS="
                    + threads + " for threads=" + threads + " (it is " + omp + ")");
        }
        int layers = Integer.parseInt(model.substring(0, model.indexOf('x')));
        int width = Integer.parseInt(model.substring(model.indexOf('x') + 1));
        IUpdater u = switch (optimizer) {
            case "adam4j" -> new Adam4j(1e-4).withParallelism(threads);
            case "dl4j" -> new Adam(1e-4, 0.9, 0.999, 1e-8);
            case "noop" -> new NoOp();
            case "floor" -> new MemoryFloor(threads);
            default -> throw new IllegalArgumentException("optimizer " + optimizer + " is none of adam4j, dl4j, noop, floor");
        };
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.FLOAT)
                .updater(u).weightInit(WeightInit.XAVIER).list();
        for (int i = 0; i < layers - 1; i++) {
            b.layer(new DenseLayer.Builder().nIn(width).nOut(width).activation(Activation.TANH).build());
        }
        b.layer(new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(width).nOut(width).activation(Activation.IDENTITY).build());
        net = new MultiLayerNetwork(b.build());
        net.init();
        long expected = (long) layers * width * (width + 1);
        if (net.numParams() != expected) throw new IllegalStateException("the network has " + net.numParams() + " parameters, not " + expected);
        Nd4j.getRandom().setSeed(11);
        net.setInput(Nd4j.randn(DataType.FLOAT, BATCH, width));
        net.setLabels(Nd4j.randn(DataType.FLOAT, BATCH, width));
        net.computeGradientAndScore();
        gradient = net.gradient();
        gradientView = net.getFlattenedGradients();
        original = gradientView.dup();
        updater = net.getUpdater();
        params = net.params();
        // the step function subtracts the gradient reshaped to the parameters' rank-1 shape (a view)
        update = gradientView.reshape(params.shape());
        int blocks = ((BaseMultiLayerUpdater<?>) updater).getUpdaterBlocks().size();
        if (blocks != 1) throw new IllegalStateException("expected one updater block over the network, found " + blocks);
        block = ((BaseMultiLayerUpdater<?>) updater).getUpdaterBlocks().get(0);
        // one step outside the measurement: it must move the parameters, and by the update left in the view
        INDArray before = params.dup();
        step();
        INDArray moved = before.sub(params);
        if (!moved.equals(update) || moved.amaxNumber().doubleValue() == 0) {
            throw new IllegalStateException(optimizer + ": the step did not move the parameters by the update in the gradient view");
        }
    }

    @Setup(Level.Invocation)
    public void restoreGradient() {
        gradientView.assign(original);
    }

    /** The step as {@code fit} takes it: the network's updater, then the subtraction. */
    @Benchmark
    public void step() {
        updater.update(net, gradient, iteration++, 0, BATCH, workspaces);
        params.subi(update);
    }

    /**
     * The part in which the two differ, alone: the updater block's {@code GradientUpdater.applyUpdater}
     * on its gradient view (adam4j's kernel on DL4J's state view, or ND4J's {@code adam_updater} op),
     * without the network's bookkeeping, the minibatch division and the subtraction.
     */
    @Benchmark
    public void applyUpdater() {
        block.getGradientUpdater().applyUpdater(block.getGradientView(), iteration++, 0);
    }
}
