package dev.adam4j.djl;

import static dev.adam4j.djl.DjlFixtures.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.training.Trainer;
import ai.djl.training.tracker.Tracker;
import dev.adam4j.optim.checkpoint.CheckpointException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An interrupted run (save the optimizer with adam4j's checkpoint and the parameters' values, build a
 * new model, trainer and optimizer, load, continue) ends on exactly the parameters of an uninterrupted
 * run, with a learning-rate schedule that depends on the update count.
 */
class CheckpointTest {
    static final int STEPS = 8, STOP = 3;

    static Adam4jOptimizer optimizer(Block block) {
        return Adam4j.adamW().optWeightDecay(0.01).optAmsgrad(true)
                .optLearningRateTracker(Tracker.factor().setBaseValue(0.03f).setFactor(0.8f).build())
                .forBlock(block).build();
    }

    @Test
    void resumedRunEndsBitIdenticalToAnUninterruptedOne(@TempDir Path dir) throws Exception {
        Map<String, double[]> initial, uninterrupted;
        try (Model model = model(DataType.FLOAT32)) {
            Block block = mlp();
            Adam4jOptimizer opt = optimizer(block);
            try (Trainer trainer = trainer(model, block, opt)) {
                initial = values(block);
                List<NDList> data = batches(trainer.getManager(), STEPS, 21, DataType.FLOAT32);
                for (int s = 0; s < STEPS; s++) {
                    backward(trainer, data.get(s));
                    trainer.step();
                }
                uninterrupted = values(block);
            }
        }

        Path file = dir.resolve("opt.safetensors");
        Map<String, double[]> atStop;
        try (Model model = model(DataType.FLOAT32)) {
            Block block = mlp();
            Adam4jOptimizer opt = optimizer(block);
            try (Trainer trainer = trainer(model, block, opt)) {
                setValues(block, initial);
                List<NDList> data = batches(trainer.getManager(), STEPS, 21, DataType.FLOAT32);
                for (int s = 0; s < STOP; s++) {
                    backward(trainer, data.get(s));
                    trainer.step();
                }
                opt.save(file);
                atStop = values(block);
            }
        }

        try (Model model = model(DataType.FLOAT32)) {
            Block block = mlp();
            Adam4jOptimizer opt = optimizer(block);
            try (Trainer trainer = trainer(model, block, opt)) {
                setValues(block, atStop); // the model's parameters are DJL's to save; here they are copied
                opt.load(file);           // before the first update: the block's parameters are bound by name
                for (Adam4jOptimizer.Binding b : opt.bindings()) assertEquals(Adam4jOptimizer.StepPath.ZERO_COPY, b.path());
                List<NDList> data = batches(trainer.getManager(), STEPS, 21, DataType.FLOAT32);
                for (int s = STOP; s < STEPS; s++) {
                    backward(trainer, data.get(s));
                    trainer.step();
                }
                assertBitwiseEqual(uninterrupted, values(block), "resumed at step " + STOP);
                assertEquals(0, opt.copiedSteps());
                assertEquals(STEPS, opt.adam4j().state(opt.adam4j().paramGroups().get(0).params().get(0)).step());
            }
        }
    }

    @Test
    void checkpointOfAnotherArchitectureIsRefusedAndChangesNothing(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("opt.safetensors");
        try (Model model = model(DataType.FLOAT32)) {
            Block block = mlp();
            Adam4jOptimizer opt = optimizer(block);
            try (Trainer trainer = trainer(model, block, opt)) {
                backward(trainer, batches(trainer.getManager(), 1, 1, DataType.FLOAT32).get(0));
                trainer.step();
                opt.save(file);
            }
        }
        try (Model model = model(DataType.FLOAT32)) {
            Block block = new ai.djl.nn.SequentialBlock().add(ai.djl.nn.core.Linear.builder().setUnits(OUT).build());
            Adam4jOptimizer opt = optimizer(block);
            try (Trainer trainer = trainer(model, block, opt)) {
                CheckpointException e = assertThrows(CheckpointException.class, () -> opt.load(file));
                assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
                for (Adam4jOptimizer.Binding b : opt.bindings()) assertEquals(0, b.steps());
                assertEquals(null, opt.adam4j().state(opt.adam4j().paramGroups().get(0).params().get(0)));
            }
        }
    }

    @Test
    void saveWithoutBlockBeforeAnyUpdateSaysWhatToDo(@TempDir Path dir) {
        Adam4jOptimizer opt = Adam4j.adam().build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> opt.save(dir.resolve("x")));
        assertTrue(e.getMessage().contains("forBlock"), e.getMessage());
    }
}
