package dev.adam4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * At β1 = 0 the first moment is {@code lerp(m, g, 1) = fma(−(g − m), 0, g)}: with {@code g = −0},
 * {@code m = +0} that is {@code +0 + −0 = +0} (PyTorch's {@code lerp_} agrees). The vector body
 * once computed {@code fma(g − m, w − 1, g) = −0·+0 + −0 = −0}, so the sign of the stored moment
 * depended on where the vector body ended. Every element position is checked, so the vector body
 * and the scalar tail both run at every width.
 */
class SignedZeroTest {

    @Test
    void betaOneZeroKeepsPyTorchsSignOfZeroInEveryLane() {
        AdamHyperparameters h = AdamHyperparameters.defaults().withBetas(0.0, 0.999);
        int n = 67; // several vectors at every width, plus a tail
        float[] p = new float[n], g = new float[n], m = new float[n], v = new float[n];
        java.util.Arrays.fill(g, -0.0f);
        AdamKernels.step(h, 1, 1.0, p, g, m, v, null);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToRawIntBits(0.0f), Float.floatToRawIntBits(m[i]), "exp_avg[" + i + "] must be +0");
        }
        double[] pd = new double[n], gd = new double[n], md = new double[n], vd = new double[n];
        java.util.Arrays.fill(gd, -0.0);
        AdamKernels.step(h, 1, 1.0, pd, gd, md, vd, null);
        for (int i = 0; i < n; i++) {
            assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(md[i]), "exp_avg[" + i + "] must be +0");
        }
    }
}
