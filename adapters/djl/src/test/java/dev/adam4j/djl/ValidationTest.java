package dev.adam4j.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** Bad input is refused with a message naming it, before anything is written. */
class ValidationTest {

    @Test
    void invalidHyperparametersFailAtBuild() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Adam4j.adam().optLearningRate(-1).build())
                .getMessage().contains("-1.0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Adam4j.adam().optBetas(0.9, 1.0).build())
                .getMessage().contains("1.0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Adam4j.adam().optEpsilon(-1e-8).build())
                .getMessage().contains("-1.0E-8"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Adam4j.adam().optClipGrad(1f).build())
                .getMessage().contains("optClipGrad(1.0)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Adam4j.adam().setRescaleGrad(Float.NaN).build())
                .getMessage().contains("NaN"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Adam4j.adam().optParallelism(0))
                .getMessage().contains("0"));
    }

    @Test
    void unsupportedDtypeOrMismatchedGradientLeavesTheWeightAlone() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Adam4jOptimizer opt = Adam4j.adam().optLearningRate(0.1).build();
            NDArray half = m.ones(new Shape(4)).toType(DataType.FLOAT16, false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> opt.update("h", half, m.ones(new Shape(4)).toType(DataType.FLOAT16, false)));
            assertTrue(e.getMessage().contains("float16") && e.getMessage().contains("'h'"), e.getMessage());

            NDArray w = m.create(new float[] {1, 2, 3, 4});
            e = assertThrows(IllegalArgumentException.class, () -> opt.update("w", w, m.ones(new Shape(3))));
            assertTrue(e.getMessage().contains("(3)") && e.getMessage().contains("(4)"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> opt.update("w", w, m.ones(new Shape(4)).toType(DataType.FLOAT64, false)));
            assertTrue(e.getMessage().contains("float64"), e.getMessage());
            assertArrayEquals(new float[] {1, 2, 3, 4}, w.toFloatArray());
            assertEquals(0, opt.bindings().size(), "nothing was bound");
        }
    }

    @Test
    void negativeLearningRateFromTheTrackerIsRefusedBeforeTheStep() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            Adam4jOptimizer opt = Adam4j.adam().optLearningRateTracker((id, n) -> n == 1 ? 0.1f : -0.1f).build();
            NDArray w = m.create(new float[] {1, 2});
            opt.update("w", w, m.create(new float[] {1, 1}));
            float[] after1 = w.toFloatArray();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> opt.update("w", w, m.create(new float[] {1, 1})));
            assertTrue(e.getMessage().contains("-0.1"), e.getMessage());
            assertArrayEquals(after1, w.toFloatArray());
            assertEquals(1, opt.adam4j().state(opt.adam4j().paramGroups().get(0).params().get(0)).step());
        }
    }
}
