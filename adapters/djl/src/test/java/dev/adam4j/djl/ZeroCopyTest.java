package dev.adam4j.djl;

import static dev.adam4j.djl.DjlFixtures.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.Trainer;
import ai.djl.util.Pair;
import dev.adam4j.djl.Adam4jOptimizer.StepPath;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.Param;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which memory the adapter steps: the tensors' own (asserted), a copy where it must, and re-binding. */
class ZeroCopyTest {

    @Test
    void trainingStepsEveryParameterInPlace() {
        try (Model model = model(DataType.FLOAT32)) {
            Block block = mlp();
            Adam4jOptimizer opt = Adam4j.adam().optLearningRate(1e-2).forBlock(block).build();
            try (Trainer trainer = trainer(model, block, opt)) {
                Map<String, Long> before = new HashMap<>();
                for (Pair<String, Parameter> p : block.getParameters()) before.put(p.getKey(), address(p.getValue().getArray()));
                List<NDList> data = batches(trainer.getManager(), 4, 3, DataType.FLOAT32);
                for (NDList batch : data) {
                    backward(trainer, batch);
                    trainer.step();
                }
                assertEquals(0, opt.copiedSteps(), "no update went through a copy");
                Map<String, Param> adamParams = new HashMap<>();
                for (Param p : opt.adam4j().paramGroups().get(0).params()) adamParams.put(p.name(), p);
                assertEquals(before.keySet(), adamParams.keySet());
                for (Pair<String, Parameter> p : block.getParameters()) {
                    NDArray w = p.getValue().getArray();
                    long now = address(w);
                    assertEquals(before.get(p.getKey()), now, p.getKey() + ": the tensor's memory did not move");
                    DataBuffer.Segment seg = (DataBuffer.Segment) adamParams.get(p.getKey()).data();
                    assertEquals(now, seg.segment().address(), p.getKey() + ": adam4j steps the tensor's own memory");
                    // Values seen through DJL are the values adam4j wrote.
                    float[] djl = w.toFloatArray();
                    for (int i = 0; i < djl.length; i++) assertEquals(Float.floatToRawIntBits(djl[i]), Float.floatToRawIntBits((float) seg.get(i)));
                }
                for (Adam4jOptimizer.Binding b : opt.bindings()) {
                    assertEquals(StepPath.ZERO_COPY, b.path(), b.toString());
                    assertEquals(4, b.steps());
                    assertEquals(0, b.copiedSteps());
                    assertEquals(0, b.copiedGradients(), "DJL's gradient was read in place");
                }
            }
        }
    }

    @Test
    void gradientIsZeroedAfterTheUpdateAsDjlsOptimizersDo() {
        try (Model model = model(DataType.FLOAT32)) {
            Block block = mlp();
            Adam4jOptimizer opt = Adam4j.adam().forBlock(block).build();
            try (Trainer trainer = trainer(model, block, opt)) {
                backward(trainer, batches(trainer.getManager(), 1, 5, DataType.FLOAT32).get(0));
                boolean anyNonZero = false;
                for (double[] g : gradients(block).values()) for (double v : g) anyNonZero |= v != 0;
                assertTrue(anyNonZero, "backward produced gradients");
                trainer.step();
                for (var e : gradients(block).entrySet()) {
                    for (double v : e.getValue()) assertEquals(0L, Double.doubleToRawLongBits(v), e.getKey() + " gradient zeroed");
                }
            }
        }
    }

    @Test
    void nonContiguousWeightIsSteppedThroughACopyThenInPlace() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            float[] init = new float[15];
            for (int i = 0; i < init.length; i++) init[i] = (i - 7) * 0.25f;
            NDArray base = m.create(init, new Shape(3, 5));
            NDArray w = base.transpose(); // a strided view: not contiguous
            float[] start = w.toFloatArray();
            Adam4jOptimizer opt = Adam4j.adam().optLearningRate(0.05).build();
            Reference ref = new Reference(Map.of("w", toDoubles(start)), DataType.FLOAT32, false, AdamOptions.of().lr(0.05));
            for (int step = 1; step <= 3; step++) {
                float[] gv = new float[15];
                for (int i = 0; i < gv.length; i++) gv[i] = (float) Math.sin(step * 1.7 + i);
                NDArray g = m.create(gv, new Shape(5, 3));
                opt.update("w", w, g);
                ref.step(Map.of("w", toDoubles(gv)), 0.05, 1.0);
                assertBitwiseEqual(ref.values(), Map.of("w", toDoubles(w.toFloatArray())), "step " + step);
                Adam4jOptimizer.Binding b = opt.bindings().get(0);
                if (step == 1) {
                    assertEquals(StepPath.COPY, b.path());
                    assertEquals("it is not contiguous", b.copyReason());
                    assertEquals(1, opt.copiedSteps());
                    assertEquals(1, b.copiedGradients());
                } else {
                    // NDArray.set gave the tensor fresh contiguous memory: it is now bound in place,
                    // with its moments and step count carried over (the values above prove it).
                    assertEquals(StepPath.ZERO_COPY, b.path());
                    assertEquals(1, opt.copiedSteps());
                    assertEquals(1, b.copiedGradients());
                }
                assertEquals(step, b.steps());
            }
            assertEquals(3, opt.adam4j().state(opt.adam4j().paramGroups().get(0).params().get(0)).step());
        }
    }

    @Test
    void nonContiguousGradientIsReadThroughACopyWhileTheWeightIsSteppedInPlace() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            float[] init = {1, -2, 3, -4, 5, -6};
            NDArray w = m.create(init, new Shape(2, 3));
            long address = address(w);
            Adam4jOptimizer opt = Adam4j.adam().optLearningRate(0.01).build();
            Reference ref = new Reference(Map.of("w", toDoubles(init)), DataType.FLOAT32, false, AdamOptions.of().lr(0.01));
            NDArray gBase = m.create(new float[] {0.5f, 0.25f, -1f, 2f, 0f, -0.125f}, new Shape(3, 2));
            NDArray g = gBase.transpose(); // shape (2, 3), strided
            opt.update("w", w, g);
            ref.step(Map.of("w", toDoubles(g.toFloatArray())), 0.01, 1.0);
            assertBitwiseEqual(ref.values(), Map.of("w", toDoubles(w.toFloatArray())), "one step");
            Adam4jOptimizer.Binding b = opt.bindings().get(0);
            assertEquals(StepPath.ZERO_COPY, b.path());
            assertEquals(1, b.copiedGradients());
            assertEquals(0, b.copiedSteps());
            assertEquals(address, address(w));
        }
    }

    @Test
    void weightWhoseMemoryWasReplacedIsBoundAgainKeepingItsState() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray w = m.create(new float[] {0.5f, -1f, 2f, 0f, 3f}, new Shape(5));
            Adam4jOptimizer opt = Adam4j.adamW().optLearningRate(0.1).build();
            Map<String, double[]> init = new LinkedHashMap<>();
            init.put("w", toDoubles(w.toFloatArray()));
            Reference ref = new Reference(init, DataType.FLOAT32, true, AdamOptions.of().lr(0.1));
            float[] gv = {0.3f, -0.2f, 1f, 4f, -1e-3f};
            opt.update("w", w, m.create(gv));
            ref.step(Map.of("w", toDoubles(gv)), 0.1, 1.0);
            long first = address(w);

            float[] replaced = {1f, 2f, 3f, 4f, 5f};
            w.set(replaced); // DJL's PyTorch engine swaps the tensor's storage for a new buffer
            long second = address(w);
            assertNotEquals(first, second, "set() moved the tensor's memory (what this test is about)");
            // The reference sees the same new values.
            Param rp = ref.adam.paramGroups().get(0).params().get(0);
            for (int i = 0; i < 5; i++) rp.data().set(i, replaced[i]);

            opt.update("w", w, m.create(gv));
            ref.step(Map.of("w", toDoubles(gv)), 0.1, 1.0);
            assertBitwiseEqual(ref.values(), Map.of("w", toDoubles(w.toFloatArray())), "after re-binding");
            assertEquals(second, address(w));
            assertEquals(second, ((DataBuffer.Segment) opt.adam4j().paramGroups().get(0).params().get(0).data()).segment().address());
            assertEquals(2, opt.adam4j().state(opt.adam4j().paramGroups().get(0).params().get(0)).step());
            assertEquals(0, opt.copiedSteps());
        }
    }

    @Test
    void emptyParameterTakesStepsWithoutMemory() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray w = m.zeros(new Shape(0, 3));
            Adam4jOptimizer opt = Adam4j.adam().build();
            opt.update("e", w, m.zeros(new Shape(0, 3)));
            opt.update("e", w, m.zeros(new Shape(0, 3)));
            assertEquals(StepPath.ZERO_COPY, opt.bindings().get(0).path());
            assertEquals(2, opt.adam4j().state(opt.adam4j().paramGroups().get(0).params().get(0)).step());
            assertArrayEquals(new long[] {0, 3}, opt.adam4j().paramGroups().get(0).params().get(0).shape());
        }
    }

    static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
