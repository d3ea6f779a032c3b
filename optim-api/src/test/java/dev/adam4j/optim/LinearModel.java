package dev.adam4j.optim;

import dev.adam4j.kernels.Precision;
import java.util.List;
import java.util.SplittableRandom;

/**
 * PyTorch's optimizer test model: {@code loss = Σ (W·x + b)²} with W 10×5, b 10, x fixed, and its
 * exact gradient {@code dW = 2·r·xᵀ, db = 2·r}. Parameters live in the given storage (separate
 * buffers or views of one flat allocation).
 */
final class LinearModel {
    static final int ROWS = 10, COLS = 5;
    final Param weight, bias;
    final double[] x = new double[COLS];
    final Precision precision;

    LinearModel(Precision precision, boolean flat, long seed) {
        this.precision = precision;
        SplittableRandom r = new SplittableRandom(seed);
        if (flat) {
            FlatParameters f = FlatParameters.builder(precision).add("weight", ROWS, COLS).add("bias", ROWS).build();
            weight = f.param("weight");
            bias = f.param("bias");
            f.defineAllGrads();
        } else {
            weight = Param.of("weight", precision == Precision.F32 ? DataBuffer.of(new float[ROWS * COLS])
                    : DataBuffer.of(new double[ROWS * COLS]), ROWS, COLS);
            bias = Param.of("bias", precision == Precision.F32 ? DataBuffer.of(new float[ROWS])
                    : DataBuffer.of(new double[ROWS]), ROWS);
        }
        for (int i = 0; i < ROWS * COLS; i++) weight.data().set(i, r.nextGaussian());
        for (int i = 0; i < ROWS; i++) bias.data().set(i, r.nextGaussian());
        for (int i = 0; i < COLS; i++) x[i] = r.nextGaussian();
    }

    List<Param> params() {
        return List.of(weight, bias);
    }

    private double[] residual() {
        double[] res = new double[ROWS];
        for (int i = 0; i < ROWS; i++) {
            double s = bias.data().get(i);
            for (int j = 0; j < COLS; j++) s += weight.data().get(i * COLS + j) * x[j];
            res[i] = s;
        }
        return res;
    }

    double loss() {
        double l = 0;
        for (double v : residual()) l += v * v;
        return l;
    }

    /** Writes the gradient of the loss (defining it) and returns the loss. */
    double backward() {
        double[] res = residual();
        DataBuffer gw = weight.defineGrad(), gb = bias.defineGrad();
        for (int i = 0; i < ROWS; i++) {
            gb.set(i, 2 * res[i]);
            for (int j = 0; j < COLS; j++) gw.set(i * COLS + j, 2 * res[i] * x[j]);
        }
        double l = 0;
        for (double v : res) l += v * v;
        return l;
    }

    /** Raw bits of every parameter element, for bit-exact comparisons. */
    long[] bits() {
        return Bits.of(weight.data(), bias.data());
    }
}
