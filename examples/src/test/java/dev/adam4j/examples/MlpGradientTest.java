package dev.adam4j.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.optim.DataBuffer;
import org.junit.jupiter.api.Test;

/** The hand-written backward pass agrees with central finite differences of the loss. */
class MlpGradientTest {

    @Test
    void backwardMatchesFiniteDifferences() {
        Spirals data = new Spirals(50, 3);
        Mlp model = new Mlp(8, 3);
        int[] batch = {0, 7, 33, 51, 99, 64};
        model.lossAndGradient(data, batch);
        float[] g = ((DataBuffer.F32Array) model.flat.grad()).array().clone();
        float[] w = ((DataBuffer.F32Array) model.flat.data()).array();
        double worst = 0;
        for (int i = 0; i < w.length; i++) {
            float keep = w[i];
            float h = 1e-2f;
            w[i] = keep + h;
            double up = model.lossAndGradient(data, batch);
            w[i] = keep - h;
            double down = model.lossAndGradient(data, batch);
            w[i] = keep;
            double numeric = (up - down) / (2 * h);
            double err = Math.abs(numeric - g[i]) / Math.max(1e-3, Math.abs(numeric) + Math.abs(g[i]));
            worst = Math.max(worst, err);
            assertTrue(err < 2e-2, "parameter " + i + ": backward " + g[i] + ", finite difference " + numeric);
        }
        System.out.println("worst relative gradient error " + worst);
    }
}
