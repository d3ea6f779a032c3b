package dev.adam4j.djl;

import static dev.adam4j.djl.DjlFixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.Trainer;
import ai.djl.training.tracker.Tracker;
import dev.adam4j.optim.AdamOptions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The adapter inside DJL's training loop steps every parameter exactly as adam4j's own optimizer does
 * on the same gradients: the gradients DJL computed are captured before each {@code trainer.step()}
 * and replayed into a separate adam4j optimizer on plain arrays; after every step all parameters are
 * compared bit for bit. A table of configurations, in f32 and in f64 (DJL's PyTorch engine trains in
 * f64 when the model's data type is f64).
 */
class BitExactTest {
    static final int STEPS = 6;

    record Config(String name, boolean adamW, double lr, double wd, boolean amsgrad, boolean maximize, float rescale,
            boolean tracker) {
        @Override public String toString() { return name; }
    }

    static Stream<Arguments> configs() {
        List<Config> table = List.of(
                new Config("default", false, 1e-2, 0, false, false, 1f, false),
                new Config("l2 weight decay", false, 1e-2, 0.1, false, false, 1f, false),
                new Config("adamw", true, 1e-2, 0.05, false, false, 1f, false),
                new Config("amsgrad", false, 1e-2, 0, true, false, 1f, false),
                new Config("maximize", false, 1e-3, 0, false, true, 1f, false),
                new Config("rescaleGrad", false, 1e-2, 0, false, false, 0.25f, false),
                new Config("factor tracker", false, 0, 0, false, false, 1f, true));
        return Stream.of(DataType.FLOAT32, DataType.FLOAT64)
                .flatMap(t -> table.stream().map(c -> Arguments.of(t, c)));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("configs")
    void everyStepEqualsAdam4jOnTheSameGradients(DataType type, Config c) {
        Tracker tracker = Tracker.factor().setBaseValue(0.02f).setFactor(0.7f).build();
        AdamOptions options = AdamOptions.of().amsgrad(c.amsgrad).maximize(c.maximize);
        if (!c.tracker) options = options.lr(c.lr);
        if (c.wd != 0 || c.adamW) options = options.weightDecay(c.wd);
        try (Model model = model(type)) {
            Block block = mlp();
            Adam4jOptimizer.Builder b = (c.adamW ? Adam4j.adamW() : Adam4j.adam())
                    .optAmsgrad(c.amsgrad).optMaximize(c.maximize).optWeightDecay(c.wd).setRescaleGrad(c.rescale)
                    .forBlock(block);
            if (c.tracker) b.optLearningRateTracker(tracker);
            else b.optLearningRate(c.lr);
            Adam4jOptimizer opt = b.build();
            try (Trainer trainer = trainer(model, block, opt)) {
                List<NDList> data = batches(trainer.getManager(), STEPS, 11, type);
                Map<String, double[]> initial = values(block);
                assertEquals(type, block.getParameters().get(0).getValue().getArray().getDataType());
                Reference ref = new Reference(initial, type, c.adamW, options);
                for (int s = 1; s <= STEPS; s++) {
                    backward(trainer, data.get(s - 1));
                    Map<String, double[]> grads = gradients(block);
                    DjlFixtures.step(trainer, block, opt);
                    double lr = c.tracker ? tracker.getNewValue(s) : c.lr;
                    ref.step(grads, lr, c.rescale);
                    assertBitwiseEqual(ref.values(), values(block), type + " " + c + " step " + s);
                }
                for (Adam4jOptimizer.Binding bnd : opt.bindings()) {
                    assertEquals(Adam4jOptimizer.StepPath.ZERO_COPY, bnd.path(), bnd.toString());
                    assertEquals(STEPS, bnd.steps(), bnd.toString());
                    assertEquals(STEPS, opt.adam4j().state(opt.adam4j().paramGroups().get(0).params().stream()
                            .filter(p -> p.name().equals(bnd.name())).findFirst().orElseThrow()).step());
                }
                assertEquals(0, opt.copiedSteps());
            }
        }
    }

    /**
     * Without {@code forBlock} the parameters are bound one by one during the first iteration (each
     * binding rebuilds adam4j's optimizer and carries the earlier parameters' state over): the result
     * is still adam4j's step, and the names are DJL's ids.
     */
    @org.junit.jupiter.api.Test
    void withoutBlockParametersBindLazilyAndStillMatch() {
        try (Model model = model(DataType.FLOAT32)) {
            Block block = mlp();
            Adam4jOptimizer opt = Adam4j.adam().optLearningRate(1e-2).build();
            try (Trainer trainer = trainer(model, block, opt)) {
                List<NDList> data = batches(trainer.getManager(), 3, 5, DataType.FLOAT32);
                Reference ref = new Reference(values(block), DataType.FLOAT32, false, AdamOptions.of().lr(1e-2));
                for (int s = 1; s <= 3; s++) {
                    backward(trainer, data.get(s - 1));
                    Map<String, double[]> grads = gradients(block);
                    trainer.step();
                    ref.step(grads, 1e-2, 1.0);
                    assertBitwiseEqual(ref.values(), values(block), "step " + s);
                }
                java.util.Set<String> ids = new java.util.HashSet<>();
                for (var p : block.getParameters()) ids.add(p.getValue().getId());
                for (Adam4jOptimizer.Binding b : opt.bindings()) {
                    assertEquals(b.parameterId(), b.name());
                    org.junit.jupiter.api.Assertions.assertTrue(ids.contains(b.parameterId()));
                    assertEquals(3, b.steps());
                }
                assertEquals(ids.size(), opt.bindings().size());
            }
        }
    }

    /** adam4j's own threads (optParallelism) split a large parameter; the result is the serial one. */
    @org.junit.jupiter.api.Test
    void parallelStepEqualsSerialAdam4j() {
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager("PyTorch")) {
            int n = 200_003;
            java.util.Random r = new java.util.Random(4);
            float[] w0 = new float[n];
            for (int i = 0; i < n; i++) w0[i] = (float) r.nextGaussian();
            ai.djl.ndarray.NDArray w = m.create(w0);
            Adam4jOptimizer opt = Adam4j.adamW().optLearningRate(3e-3).optParallelism(2).build();
            Reference ref = new Reference(Map.of("w", ZeroCopyTest.toDoubles(w0)), DataType.FLOAT32, true, AdamOptions.of().lr(3e-3));
            for (int s = 1; s <= 3; s++) {
                float[] g = new float[n];
                for (int i = 0; i < n; i++) g[i] = (float) r.nextGaussian();
                opt.update("w", w, m.create(g));
                ref.step(Map.of("w", ZeroCopyTest.toDoubles(g)), 3e-3, 1.0);
                assertBitwiseEqual(ref.values(), Map.of("w", ZeroCopyTest.toDoubles(w.toFloatArray())), "step " + s);
            }
            assertEquals(0, opt.copiedSteps());
        }
    }
}
