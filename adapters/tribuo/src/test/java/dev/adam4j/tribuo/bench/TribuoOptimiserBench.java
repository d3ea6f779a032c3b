package dev.adam4j.tribuo.bench;

import com.oracle.labs.mlrg.olcut.provenance.ConfiguredObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.impl.ConfiguredObjectProvenanceImpl;
import dev.adam4j.tribuo.AdamOptimiser;
import dev.adam4j.tribuo.TestParameters;
import java.util.SplittableRandom;
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
import org.tribuo.math.Parameters;
import org.tribuo.math.StochasticGradientOptimiser;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.la.DenseVector;
import org.tribuo.math.la.Tensor;
import org.tribuo.math.optimisers.Adam;

/**
 * One optimizer step inside Tribuo (tribuo-math 4.3.2, {@code double}), as Tribuo's SGD trainers take
 * it: {@code parameters.update(optimiser.step(gradients, weight))}, with adam4j's {@link AdamOptimiser}
 * or Tribuo's own {@link Adam}, same hyperparameters (lr 1e-4, betas 0.9/0.999, eps 1e-8). The
 * parameters: a {@code Tensor[]} of {@code layers} {@link DenseMatrix}es of {@code width}² and as many
 * {@link DenseVector}s of {@code width} ({@code "12x512"}: 3.15 M parameters in 24 tensors), updated by
 * intersect-and-add as Tribuo's own {@code Parameters} are.
 *
 * <p>Both optimisers overwrite the gradient tensors with the update they return, so the gradients
 * are restored before every invocation, outside the timed region ({@code @Setup(Level.Invocation)};
 * a step takes milliseconds).
 *
 * <p>{@code threads}: Tribuo's optimisers are single-threaded (its trainers step one example or
 * minibatch at a time on the caller's thread), so Tribuo's Adam runs at 1 only. For the adapter,
 * {@code threads = 2} is adam4j's {@code setParallelism(2)} on the optimizer behind it; adam4j splits
 * only runs of at least 2 × 16,384 adjacent elements, and the adapter steps each matrix row (a
 * separate {@code double[]} of {@code width} elements) as its own parameter, so at these shapes the
 * second thread is expected to get no work: the figure documents that.
 *
 * <p>Run by {@code ./bench adapters}; by hand (from the repository root):
 * <pre>
 * ./mvn25 -q -pl adapters/tribuo -am test-compile dependency:build-classpath \
 *     -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test
 * java -cp adapters/tribuo/target/test-classes:adapters/tribuo/target/classes:$(cat adapters/tribuo/target/test-classpath.txt) \
 *     org.openjdk.jmh.Main TribuoOptimiserBench -f 1
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Dadam4j.kernel=vector"})
public class TribuoOptimiserBench {

    /**
     * {@code noop}: an optimiser that returns the gradients as they are: what the step costs without
     * any optimizer ({@code parameters.update}, Tribuo's intersect-and-add of the returned tensors), the
     * part no optimizer can speed up.
     */
    @Param({"adam4j", "tribuo", "noop"})
    public String optimizer;

    /** 2 only for the adapter (adam4j's {@code setParallelism}); Tribuo's optimisers have no threads. */
    @Param({"1"})
    public int threads;

    /** {@code layers x width}: 12 x 512 is 3.15 M parameters in 24 tensors. */
    @Param({"12x512"})
    public String model;

    private StochasticGradientOptimiser opt;
    private Parameters parameters;
    private Tensor[] gradients, original;

    @Setup(Level.Trial)
    public void setUp() {
        int layers = Integer.parseInt(model.substring(0, model.indexOf('x')));
        int width = Integer.parseInt(model.substring(model.indexOf('x') + 1));
        SplittableRandom rnd = new SplittableRandom(5);
        Tensor[] weights = new Tensor[2 * layers];
        original = new Tensor[2 * layers];
        for (int i = 0; i < 2 * layers; i++) {
            weights[i] = random(i % 2 == 0, width, rnd, 0.05);
            original[i] = random(i % 2 == 0, width, rnd, 1e-2);
        }
        parameters = new TestParameters(weights);
        switch (optimizer) {
            case "adam4j" -> {
                AdamOptimiser a = new AdamOptimiser(1e-4);
                a.initialise(parameters);
                if (threads != 1) a.optimizer().setParallelism(threads);
                opt = a;
            }
            case "tribuo" -> {
                if (threads != 1) throw new IllegalArgumentException("Tribuo's Adam is single-threaded: threads must be 1, not " + threads);
                opt = new Adam(1e-4, 0.9, 0.999, 1e-8);
                opt.initialise(parameters);
            }
            case "noop" -> {
                if (threads != 1) throw new IllegalArgumentException("the no-op optimiser has no threads: threads must be 1, not " + threads);
                opt = new NoOpOptimiser();
            }
            default -> throw new IllegalArgumentException("optimizer " + optimizer + " is neither adam4j, tribuo nor noop");
        }
        gradients = new Tensor[original.length];
        for (int i = 0; i < original.length; i++) gradients[i] = original[i].copy();
        // one step outside the measurement: it must move the parameters
        DenseMatrix first = (DenseMatrix) weights[0];
        double[] before = new double[width];
        for (int c = 0; c < width; c++) before[c] = first.get(0, c);
        step();
        int moved = 0;
        for (int c = 0; c < width; c++) if (first.get(0, c) != before[c]) moved++;
        if (moved == 0) throw new IllegalStateException(optimizer + ": the step did not move the parameters");
    }

    private static Tensor random(boolean matrix, int width, SplittableRandom rnd, double scale) {
        if (matrix) {
            DenseMatrix m = new DenseMatrix(width, width);
            for (int r = 0; r < width; r++) for (int c = 0; c < width; c++) m.set(r, c, scale * (2 * rnd.nextDouble() - 1));
            return m;
        }
        DenseVector v = new DenseVector(width);
        for (int c = 0; c < width; c++) v.set(c, scale * (2 * rnd.nextDouble() - 1));
        return v;
    }

    /** Returns the gradients unchanged: the step without an optimizer. */
    static final class NoOpOptimiser implements StochasticGradientOptimiser {
        @Override
        public Tensor[] step(Tensor[] updates, double weight) {
            return updates;
        }

        @Override
        public void reset() {}

        @Override
        public NoOpOptimiser copy() {
            return new NoOpOptimiser();
        }

        @Override
        public ConfiguredObjectProvenance getProvenance() {
            return new ConfiguredObjectProvenanceImpl(this, "StochasticGradientOptimiser");
        }
    }

    @Setup(Level.Invocation)
    public void restoreGradients() {
        for (int i = 0; i < gradients.length; i++) {
            gradients[i].foreachInPlace(x -> 0.0);
            gradients[i].intersectAndAddInPlace(original[i]); // 0.0 + g == g for every nonzero g
        }
    }

    @Benchmark
    public void step() {
        parameters.update(opt.step(gradients, 1.0));
    }
}
