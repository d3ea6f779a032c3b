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
}
