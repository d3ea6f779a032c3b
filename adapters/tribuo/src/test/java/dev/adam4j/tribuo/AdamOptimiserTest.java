package dev.adam4j.tribuo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.EpsilonMode;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.AdamState;
import dev.adam4j.optim.Param;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.math.LinearParameters;
import org.tribuo.math.StochasticGradientOptimiser;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.la.DenseSparseMatrix;
import org.tribuo.math.la.DenseVector;
import org.tribuo.math.la.SGDVector;
import org.tribuo.math.la.SparseVector;
import org.tribuo.math.la.Tensor;
import org.tribuo.math.optimisers.Adam;
import com.oracle.labs.mlrg.olcut.util.Pair;

class AdamOptimiserTest {

    // ------------------------------------------------------------------ direction and convergence

    /** Tribuo's objectives hand back the ascent direction of the log-likelihood: the adapter must maximize. */
    @Test
    void tribuoGradientsAreTheAscentDirectionSoOneStepLowersTheLoss() {
        SplittableRandom rng = new SplittableRandom(3);
        LinearParameters params = new LinearParameters(5, 3);
        DenseMatrix w = params.getWeightMatrix();
        for (int i = 0; i < 3; i++) for (int j = 0; j < 5; j++) w.set(i, j, rng.nextGaussian());
        DenseVector x = DenseVector.createDenseVector(new double[] {0.3, -1.2, 0.7, 2.0, 1.0});
        LogMulticlass objective = new LogMulticlass();
        double before = logLikelihood(params, objective, x, 1);
        Tensor[] grad = params.gradients(objective.lossAndGradient(1, params.predict(x)), x);
        // a small move along the returned tensor raises the log-likelihood: it is the ascent direction
        DenseMatrix moved = w.copy();
        moved.intersectAndAddInPlace(grad[0], g -> 1e-4 * g);
        assertTrue(logLikelihood(new LinearParameters(moved), objective, x, 1) > before);
        // and one adapter step (maximize = true inside) raises it too
        AdamOptimiser opt = new AdamOptimiser(0.01);
        opt.initialise(params);
        params.update(opt.step(grad, 1.0));
        assertTrue(logLikelihood(params, objective, x, 1) > before, "one step must lower the loss");
    }

    private static double logLikelihood(LinearParameters p, LogMulticlass objective, SGDVector x, int label) {
        return objective.lossAndGradient(label, p.predict(x)).getA(); // Tribuo's "loss" here is log p(label)
    }

    @Test
    void trainsALinearModelAsWellAsTribuosAdam() {
        MutableDataset<Label> data = Blobs.make(300, 3, 5, false, false, 1);
        Model<Label> ours = new LinearSGDTrainer(new LogMulticlass(), new AdamOptimiser(0.05), 5, -1, 1, 1).train(data);
        Model<Label> theirs = new LinearSGDTrainer(new LogMulticlass(), new Adam(0.05, 1e-8), 5, -1, 1, 1).train(data);
        double accOurs = Blobs.accuracy(ours, data), accTheirs = Blobs.accuracy(theirs, data);
        System.out.println("accuracy after 5 epochs: adam4j-tribuo " + accOurs + ", Tribuo 4.3.2 Adam " + accTheirs);
        assertTrue(accOurs >= 0.95, "adam4j-tribuo accuracy " + accOurs);
        assertTrue(accOurs >= accTheirs - 0.02, "adam4j " + accOurs + " vs Tribuo's Adam " + accTheirs);
    }

    // ------------------------------------------------------------------ the documented one-step example

    /**
     * lr 0.1, eps 1, betas (0.9, 0.999), one step on a loss gradient of 1 (Tribuo's ascent tensor −1).
     * PyTorch: m = 0.1, v = 0.001, p −= lr/(1−β1) · m/(sqrt(v)/sqrt(1−β2) + ε) = 0.1/0.1 · 0.1/2 = 0.05.
     * ε-hat: p −= lr·sqrt(1−β2)/(1−β1) · m/(sqrt(v) + ε) = 0.0316228 · 0.1/1.0316228 = 0.0030653.
     * Tribuo 4.3.2's Adam multiplies by sqrt(v) + ε instead (fixed on Tribuo's main by PR #401, not
     * released): 0.0316228 · 0.1 · 1.0316228 = 0.0032623. Expected values are computed here from the
     * formulas, in double.
     */
    @Test
    void oneStepExampleOfTheDocs() {
        double pytorch = oneStep(new AdamOptimiser(0.1, 0.9, 0.999, 1.0, 0, false, false, EpsilonMode.PYTORCH));
        double epsHat = oneStep(new AdamOptimiser(0.1, 0.9, 0.999, 1.0, 0, false, false, EpsilonMode.EPS_HAT));
        double tribuo = oneStep(new Adam(0.1, 0.9, 0.999, 1.0));
        double bc1 = 1 - 0.9, bc2 = 1 - 0.999, m = 0.1, v = bc2;
        assertEquals(-0.1 / bc1 * m / (Math.sqrt(v) / Math.sqrt(bc2) + 1.0), pytorch, 1e-16);
        assertEquals(-0.05, pytorch, 1e-15);
        double hatRate = 0.1 * Math.sqrt(bc2) / bc1;
        assertEquals(-hatRate * m / (Math.sqrt(v) + 1.0), epsHat, 1e-16);
        assertEquals(-0.0030653, epsHat, 1e-7);
        assertEquals(-hatRate * m * (Math.sqrt(v) + 1.0), tribuo, 1e-16, "Tribuo 4.3.2 multiplies; if this fails, "
                + "Tribuo's Adam was fixed (PR #401): update docs/adapter-tribuo.md");
        assertEquals(-0.0032623, tribuo, 1e-7);
    }

    private static double oneStep(StochasticGradientOptimiser opt) {
        LinearParameters p = new LinearParameters(1, 1);
        opt.initialise(p);
        DenseMatrix g = new DenseMatrix(1, 1);
        g.set(0, 0, -1.0); // ascent direction of a loss whose gradient is +1
        Tensor[] u = opt.step(new Tensor[] {g}, 1.0);
        p.update(u);
        return p.getWeightMatrix().get(0, 0);
    }

    // ------------------------------------------------------------------ what step hands back

    @Test
    void withoutDecayTheParametersAreUntouchedAndTheReturnedTensorIsTheUpdate() {
        LinearParameters p = randomLinear(4, 3, 5);
        DenseMatrix before = p.getWeightMatrix().copy();
        AdamOptimiser opt = new AdamOptimiser(0.1);
        opt.initialise(p);
        DenseMatrix g = randomMatrix(3, 4, 6);
        Tensor[] u = opt.step(new Tensor[] {g}, 1.0);
        assertSame(g, u[0]);
        assertEquals(before, p.getWeightMatrix(), "the adapter leaves the parameters to Tribuo's update");
        for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) {
            assertTrue(Math.abs(g.get(i, j)) > 0.01 && Math.abs(g.get(i, j)) < 0.11, "an Adam step of about lr");
        }
    }

    @Test
    void withDecayTheParametersAreSteppedInPlaceAndTheReturnedTensorIsNegativeZero() {
        LinearParameters p = randomLinear(4, 3, 5);
        DenseMatrix before = p.getWeightMatrix().copy();
        AdamOptimiser opt = AdamOptimiser.adamW(0.1, 0.01);
        opt.initialise(p);
        DenseMatrix g = randomMatrix(3, 4, 6);
        Tensor[] u = opt.step(new Tensor[] {g}, 1.0);
        assertTrue(!before.equals(p.getWeightMatrix()));
        for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) {
            assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(((DenseMatrix) u[0]).get(i, j)));
        }
    }

    /**
     * Exactness of both hand-back schemes over special values: parameters and gradients with signed
     * zeros, subnormals, huge values, infinities and NaN, dense and sparse, vector and matrix, several
     * steps; Tribuo's {@code p + returned} must equal adam4j's own step bit for bit.
     */
    @ParameterizedTest
    @ValueSource(strings = {"plain", "amsgrad", "L2", "AdamW", "eps-hat"})
    void specialValuesStepExactlyAsAdam4j(String config) {
        AdamOptimiser opt;
        AdamOptions options;
        switch (config) {
            case "plain" -> { opt = new AdamOptimiser(0.1); options = AdamOptions.of().lr(0.1); }
            case "amsgrad" -> {
                opt = new AdamOptimiser(0.1, 0.9, 0.999, 1e-8, 0, false, true, EpsilonMode.PYTORCH);
                options = AdamOptions.of().lr(0.1).amsgrad(true);
            }
            case "L2" -> {
                opt = new AdamOptimiser(0.1, 0.9, 0.999, 1e-8, 0.5, false, false, EpsilonMode.PYTORCH);
                options = AdamOptions.of().lr(0.1).weightDecay(0.5);
            }
            case "AdamW" -> { opt = AdamOptimiser.adamW(0.1, 0.5); options = AdamOptions.of().lr(0.1).weightDecay(0.5).decoupledWeightDecay(true); }
            case "eps-hat" -> {
                opt = new AdamOptimiser(1e-3, 0.5, 0.6, 1e-300, 0, false, false, EpsilonMode.EPS_HAT);
                options = AdamOptions.of().lr(1e-3).betas(0.5, 0.6).eps(1e-300).epsMode(EpsilonMode.EPS_HAT);
            }
            default -> throw new AssertionError(config);
        }
        double[] specials = {0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, 3e-310, -2.5e-320, Double.MIN_NORMAL,
                1.0, -1.5, 1e-300, -7e-5, 123.456, 1e300, -1e308, Double.MAX_VALUE, -Double.MAX_VALUE,
                Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN, 0.1, -0.1, 5e-324 * 3};
        int n = specials.length;
        SplittableRandom rng = new SplittableRandom(config.hashCode());
        DenseVector vec = new DenseVector(n);
        DenseMatrix mat = new DenseMatrix(3, n);
        for (int j = 0; j < n; j++) {
            vec.set(j, specials[j]);
            for (int i = 0; i < 3; i++) mat.set(i, j, i == 0 ? specials[(j + 7) % n] : rng.nextGaussian() * Math.pow(10, rng.nextInt(-310, 300)));
        }
        TestParameters params = new TestParameters(vec, mat);
        Reference ref = new Reference(opt, options);
        ref.initialise(params);
        for (int t = 0; t < 6; t++) {
            final int step = t;
            Tensor[] g;
            if (step % 3 == 2) { // sparse gradients: every third element present
                int[] idx = java.util.stream.IntStream.range(0, n).filter(j -> j % 3 == step % 3).toArray();
                double[] vals = new double[idx.length];
                for (int k = 0; k < idx.length; k++) vals[k] = specials[(idx[k] + step) % n];
                SparseVector[] rows = new SparseVector[3];
                for (int i = 0; i < 3; i++) rows[i] = SparseVector.createSparseVector(n, idx, vals);
                g = new Tensor[] {SparseVector.createSparseVector(n, idx, vals), DenseSparseMatrix.createFromSparseVectors(rows)};
            } else {
                DenseVector gv = new DenseVector(n);
                DenseMatrix gm = new DenseMatrix(3, n);
                for (int j = 0; j < n; j++) {
                    gv.set(j, specials[(j * (step + 1) + step) % n]);
                    for (int i = 0; i < 3; i++) gm.set(i, j, i == 1 ? specials[(j + step) % n] : rng.nextGaussian());
                }
                g = new Tensor[] {gv, gm};
            }
            params.update(ref.step(g, step == 4 ? 0.25 : 1.0));
        }
        ref.finalise(); // asserts bit identity
        assertEquals(6, ref.stats.steps);
    }

    // ------------------------------------------------------------------ zero copy

    @Test
    void parametersAndGradientsAreReadInPlace() {
        LinearParameters p = randomLinear(4, 3, 1);
        AdamOptimiser opt = AdamOptimiser.adamW(0.1, 0.01); // in place: the params are Tribuo's rows
        opt.initialise(p);
        List<Param> params = opt.optimizer().paramGroups().get(0).params();
        assertEquals(3, params.size()); // one per row
        p.getWeightMatrix().set(2, 3, 42.0);
        assertEquals(42.0, params.get(2).data().get(3), "the param is a view of Tribuo's row, not a copy");
        DenseMatrix g = randomMatrix(3, 4, 2);
        boolean[] checked = {false};
        opt.optimizer().registerStepPreHook(o -> {
            g.set(1, 2, 17.0);
            assertEquals(17.0, params.get(1).grad().get(2), "the gradient is Tribuo's row, not a copy");
            checked[0] = true;
        });
        opt.step(new Tensor[] {g}, 1.0);
        assertTrue(checked[0]);
    }

    // ------------------------------------------------------------------ checkpoints and lifecycle

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void saveAndLoadContinueBitIdentically(boolean adamW, @TempDir Path dir) throws Exception {
        Supplier<AdamOptimiser> make = () -> adamW ? AdamOptimiser.adamW(0.05, 0.1)
                : new AdamOptimiser(0.05, 0.9, 0.999, 1e-8, 0, false, true, EpsilonMode.PYTORCH);
        int total = 60, cut = 25;
        LinearParameters straight = randomLinear(6, 3, 9);
        DenseMatrix initial = straight.getWeightMatrix().copy();
        AdamOptimiser a = make.get();
        a.initialise(straight);
        for (int s = 0; s < total; s++) trainStep(straight, a, s);

        LinearParameters first = new LinearParameters(initial.copy());
        AdamOptimiser b = make.get();
        b.initialise(first);
        for (int s = 0; s < cut; s++) trainStep(first, b, s);
        Path file = dir.resolve("adam.safetensors");
        b.save(file);
        DenseMatrix saved = first.getWeightMatrix().copy();
        b.reset();

        LinearParameters resumed = new LinearParameters(saved);
        AdamOptimiser c = b.copy();
        c.initialise(resumed);
        c.load(file);
        AdamState st = c.optimizer().state(c.optimizer().paramGroups().get(0).params().get(0));
        assertNotNull(st);
        assertEquals(cut, st.step());
        for (int s = cut; s < total; s++) trainStep(resumed, c, s);

        DenseMatrix x = straight.getWeightMatrix(), y = resumed.getWeightMatrix();
        for (int i = 0; i < 3; i++) for (int j = 0; j < 6; j++) {
            assertEquals(Double.doubleToRawLongBits(x.get(i, j)), Double.doubleToRawLongBits(y.get(i, j)), "(" + i + "," + j + ")");
        }
    }

    /** One SGD step as Tribuo's AbstractSGDTrainer takes it (minibatch 1), on deterministic data. */
    private static void trainStep(LinearParameters params, StochasticGradientOptimiser opt, int step) {
        SplittableRandom rng = new SplittableRandom(1000 + step);
        int label = step % 3;
        double[] x = new double[6];
        for (int j = 0; j < 5; j++) x[j] = label + rng.nextGaussian();
        x[5] = 1.0; // bias
        SGDVector features = DenseVector.createDenseVector(x);
        Pair<Double, SGDVector> out = new LogMulticlass().lossAndGradient(label, params.predict(features));
        params.update(opt.step(params.gradients(out, features), 1.0));
    }

    @Test
    void copyHasTheConfigurationAndNoStateAndResetDropsTheState() {
        AdamOptimiser a = new AdamOptimiser(0.02, 0.8, 0.95, 1e-7, 0.1, true, true, EpsilonMode.EPS_HAT);
        AdamOptimiser b = a.copy();
        assertEquals(a.toString(), b.toString());
        assertThrows(IllegalStateException.class, b::optimizer);
        LinearParameters p = randomLinear(3, 2, 4);
        a.initialise(p);
        a.step(new Tensor[] {randomMatrix(2, 3, 5)}, 1.0);
        Param first = a.optimizer().paramGroups().get(0).params().get(0);
        assertEquals(1, a.optimizer().state(first).step());
        a.step(new Tensor[] {randomMatrix(2, 3, 6)}, 1.0);
        assertEquals(2, a.optimizer().state(first).step());
        a.reset();
        assertThrows(IllegalStateException.class, () -> a.step(new Tensor[] {randomMatrix(2, 3, 5)}, 1.0));
        a.initialise(p); // fresh state again
        a.step(new Tensor[] {randomMatrix(2, 3, 5)}, 1.0);
        assertEquals(1, a.optimizer().state(a.optimizer().paramGroups().get(0).params().get(0)).step());
    }

    // ------------------------------------------------------------------ invalid input

    @Test
    void invalidHyperparametersAreRejectedNamingTheValue() {
        record Bad(String message, Runnable make) {}
        List<Bad> table = List.of(
                new Bad("Invalid learning rate: -1.0", () -> new AdamOptimiser(-1.0)),
                new Bad("Invalid learning rate: NaN", () -> new AdamOptimiser(Double.NaN)),
                new Bad("Invalid epsilon value: -1.0E-9", () -> new AdamOptimiser(1e-3, 0.9, 0.999, -1e-9, 0, false, false, EpsilonMode.PYTORCH)),
                new Bad("Invalid beta parameter at index 0: 1.0", () -> new AdamOptimiser(1e-3, 1.0, 0.999, 1e-8, 0, false, false, EpsilonMode.PYTORCH)),
                new Bad("Invalid beta parameter at index 1: -0.1", () -> new AdamOptimiser(1e-3, 0.9, -0.1, 1e-8, 0, false, false, EpsilonMode.PYTORCH)),
                new Bad("Invalid weight_decay value: -0.1", () -> AdamOptimiser.adamW(1e-3, -0.1)),
                new Bad("Invalid weight_decay value: Infinity", () -> AdamOptimiser.adamW(1e-3, Double.POSITIVE_INFINITY)));
        for (Bad b : table) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b.make()::run, b.message());
            assertTrue(e.getMessage().contains(b.message()), e.getMessage());
        }
        assertThrows(NullPointerException.class, () -> new AdamOptimiser(1e-3, 0.9, 0.999, 1e-8, 0, false, false, null));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void badStepsChangeNothing(boolean inPlace) {
        DenseVector bias = DenseVector.createDenseVector(new double[] {0.5, -0.5});
        DenseMatrix w = randomMatrix(2, 3, 8);
        TestParameters params = new TestParameters(bias, w);
        AdamOptimiser opt = inPlace ? AdamOptimiser.adamW(0.1, 0.1) : new AdamOptimiser(0.1);
        assertThrows(IllegalStateException.class, () -> opt.step(new Tensor[] {new DenseVector(2), new DenseMatrix(2, 3)}, 1.0));
        opt.initialise(params);
        params.update(opt.step(new Tensor[] {DenseVector.createDenseVector(new double[] {1, 2}), randomMatrix(2, 3, 9)}, 1.0));
        DenseVector biasBefore = bias.copy();
        DenseMatrix wBefore = w.copy();
        Param p0 = opt.optimizer().paramGroups().get(0).params().get(0);
        double m0 = opt.optimizer().state(p0).expAvg().get(0);

        record Bad(String message, Supplier<Tensor[]> grads, double weight) {}
        DenseVector goodV = DenseVector.createDenseVector(new double[] {3, 4});
        List<Bad> table = List.of(
                new Bad("expected 2 gradient tensors, got 1", () -> new Tensor[] {goodV}, 1.0),
                new Bad("has shape [3]", () -> new Tensor[] {new DenseVector(3), randomMatrix(2, 3, 1)}, 1.0),
                new Bad("has shape [2, 4]", () -> new Tensor[] {goodV, randomMatrix(2, 4, 1)}, 1.0),
                new Bad("expected an SGDVector", () -> new Tensor[] {randomMatrix(2, 3, 1), randomMatrix(2, 3, 1)}, 1.0),
                new Bad("expected a Matrix", () -> new Tensor[] {goodV, new DenseVector(6)}, 1.0),
                new Bad("null gradient", () -> new Tensor[] {goodV, null}, 1.0),
                new Bad("is the parameter itself", () -> new Tensor[] {goodV, w}, 1.0),
                new Bad("Invalid weight: NaN", () -> new Tensor[] {goodV, randomMatrix(2, 3, 1)}, Double.NaN),
                new Bad("Invalid weight: Infinity", () -> new Tensor[] {goodV, randomMatrix(2, 3, 1)}, Double.POSITIVE_INFINITY));
        for (Bad b : table) {
            Tensor[] g = b.grads().get();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.step(g, b.weight()), b.message());
            assertTrue(e.getMessage().contains(b.message()), e.getMessage());
            assertEquals(biasBefore, bias, b.message());
            assertEquals(wBefore, w, b.message());
            assertEquals(1, opt.optimizer().state(p0).step(), b.message());
            assertEquals(m0, opt.optimizer().state(p0).expAvg().get(0), b.message());
            if (g.length == 2 && g[0] == goodV) assertEquals(3.0, goodV.get(0), "the gradient is untouched too");
        }
        params.set(new Tensor[] {bias.copy(), w});
        assertThrows(IllegalStateException.class, () -> opt.step(new Tensor[] {goodV, randomMatrix(2, 3, 1)}, 1.0));
    }

    @Test
    void unsupportedParameterTensorsAreRejectedAtInitialise() {
        AdamOptimiser opt = new AdamOptimiser();
        TestParameters sparse = new TestParameters(SparseVector.createSparseVector(4, new int[] {1}, new double[] {1}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.initialise(sparse));
        assertTrue(e.getMessage().contains("SparseVector"), e.getMessage());
    }

    // ------------------------------------------------------------------ helpers

    static LinearParameters randomLinear(int features, int labels, long seed) {
        return new LinearParameters(randomMatrix(labels, features, seed));
    }

    static DenseMatrix randomMatrix(int rows, int cols, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        DenseMatrix m = new DenseMatrix(rows, cols);
        for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) m.set(i, j, rng.nextGaussian());
        return m;
    }
}
