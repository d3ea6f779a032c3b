package dev.adam4j.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.adam4j.optim.Adam;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.Param;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The example that shows where DJL's Adam and PyTorch's differ: one step from w = 0 with g = 1,
 * lr 0.1, eps 1. PyTorch (and adam4j): m̂ = 1, v̂ = 1, w = −0.1 · 1 / (1 + 1) = −0.05. DJL puts ε
 * outside the bias correction: w = −0.1·sqrt(1−0.999)/(1−0.9) · 0.1 / (sqrt(0.001) + 1) ≈ −0.00307.
 */
class OneStepTest {

    @Test
    void adapterGivesPyTorchsValueAndDjlsAdamDoesNot() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray w = m.zeros(new Shape(1));
            NDArray g = m.ones(new Shape(1));
            Adam4jOptimizer opt = Adam4j.adam().optLearningRate(0.1).optEpsilon(1.0).build();
            opt.update("w", w, g);
            float adapter = w.getFloat(0);

            // adam4j's own optimizer on a float[]: the adapter must be this, bit for bit.
            float[] own = {0f};
            Param p = Param.of("w", own);
            Adam ref = new Adam(List.of(p), AdamOptions.of().lr(0.1).eps(1.0));
            p.defineGrad().set(0, 1.0);
            ref.step();
            assertEquals(Float.floatToRawIntBits(own[0]), Float.floatToRawIntBits(adapter), "adapter vs adam4j: " + adapter + " vs " + own[0]);
            // PyTorch's value, to 1 ulp of -0.05 (the f32 operations round m and v once each).
            assertEquals(-0.05f, adapter, Math.ulp(0.05f), "PyTorch's one-step value");

            NDArray w2 = m.zeros(new Shape(1));
            Optimizer djl = Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.1f)).optEpsilon(1f).build();
            djl.update("w", w2, m.ones(new Shape(1)));
            double bc = 0.1 * Math.sqrt(1 - 0.999) / (1 - 0.9);
            double djlFormula = -bc * 0.1 / (Math.sqrt(0.001) + 1.0);
            assertEquals(djlFormula, w2.getFloat(0), 1e-6, "DJL's Adam (eps-hat form)");
            assertEquals(-0.00307, w2.getFloat(0), 1e-5);
        }
    }
}
