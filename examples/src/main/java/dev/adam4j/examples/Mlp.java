package dev.adam4j.examples;

import dev.adam4j.kernels.Precision;
import dev.adam4j.kernels.ReducedFloats;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.FlatParameters;
import dev.adam4j.optim.Param;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A 2 → H → H → 2 perceptron with tanh hidden layers and a softmax cross-entropy loss, forward and
 * backward written out in plain Java. Its six tensors are views of one flat buffer, so Adam steps the
 * whole model in one kernel pass.
 *
 * <p>The parameters are stored in f32, or in bf16 (or f16) as a 16-bit framework stores them: the
 * forward and backward passes then read the stored weights widened to f32 (exact), compute in f32,
 * and the batch's gradient is rounded to the storage type (to nearest even) when it is written, once.
 * With f32 storage the compute arrays are the parameters themselves.
 */
final class Mlp {
    final int hidden;
    final FlatParameters flat;
    private final Precision storage;
    private final float[] w; // the weights as the passes read them, all parameters back to back (f32: the flat data)
    private final float[] g; // the gradient as the backward pass sums it (f32: the flat gradient)
    private final int w1, b1, w2, b2, w3, b3; // offsets of each tensor in w and g

    Mlp(int hidden, long seed) {
        this(hidden, seed, 1);
    }

    /** With the flat buffers' storage padded to a multiple of {@code padTo} elements (for sharding). */
    Mlp(int hidden, long seed, long padTo) {
        this(hidden, seed, padTo, Precision.F32);
    }

    /**
     * Parameters and gradients stored in {@code storage} (F32, BF16 or F16). The initial weights are
     * drawn in f32 as for f32 storage and rounded to the storage type.
     */
    Mlp(int hidden, long seed, long padTo, Precision storage) {
        this.hidden = hidden;
        this.storage = storage;
        flat = FlatParameters.builder(storage)
                .add("fc1.weight", hidden, 2).add("fc1.bias", hidden)
                .add("fc2.weight", hidden, hidden).add("fc2.bias", hidden)
                .add("out.weight", 2, hidden).add("out.bias", 2)
                .padTo(padTo)
                .build();
        int n = (int) flat.data().length();
        w = f32Array(storage, flat.data());
        g = f32Array(storage, flat.grad());
        w1 = 0;
        b1 = w1 + 2 * hidden;
        w2 = b1 + hidden;
        b2 = w2 + hidden * hidden;
        w3 = b2 + hidden;
        b3 = w3 + 2 * hidden;
        SplittableRandom r = new SplittableRandom(seed);
        init(r, w1, 2 * hidden, 2);
        init(r, w2, hidden * hidden, hidden);
        init(r, w3, 2 * hidden, hidden);
        switch (storage) {
            case F32 -> { } // w is the storage
            case BF16, F16 -> {
                short[] bits = ((DataBuffer.HalfArray) flat.data()).array();
                for (int i = 0; i < n; i++) bits[i] = ReducedFloats.fromFloat(storage, w[i]);
            }
            case F64 -> throw new AssertionError(storage);
        }
    }

    /** The f32 array the passes use for {@code b}: its own array for f32 storage, a new one for 16-bit storage. */
    private static float[] f32Array(Precision storage, DataBuffer b) {
        return switch (storage) {
            case F32 -> ((DataBuffer.F32Array) b).array();
            case BF16, F16 -> new float[(int) b.length()];
            case F64 -> throw new IllegalArgumentException("the MLP computes in f32: its parameters are F32, BF16 or F16, not F64");
        };
    }

    /** The stored weights into {@link #w}, widened (exact); nothing to do when they are f32. */
    private void readWeights() {
        switch (storage) {
            case F32 -> { }
            case BF16, F16 -> {
                short[] bits = ((DataBuffer.HalfArray) flat.data()).array();
                for (int i = 0; i < w.length; i++) w[i] = ReducedFloats.toFloat(storage, bits[i]);
            }
            case F64 -> throw new AssertionError(storage);
        }
    }

    /** The summed gradient {@link #g} into the gradient buffer, rounded to nearest even once; f32: it is the buffer. */
    private void writeGradient() {
        switch (storage) {
            case F32 -> { }
            case BF16, F16 -> {
                short[] bits = ((DataBuffer.HalfArray) flat.grad()).array();
                for (int i = 0; i < g.length; i++) bits[i] = ReducedFloats.fromFloat(storage, g[i]);
            }
            case F64 -> throw new AssertionError(storage);
        }
    }

    /** PyTorch's default Linear init: U(−1/√fanIn, 1/√fanIn). Biases start at zero. */
    private void init(SplittableRandom r, int at, int n, int fanIn) {
        double bound = 1 / Math.sqrt(fanIn);
        for (int i = 0; i < n; i++) w[at + i] = (float) r.nextDouble(-bound, bound);
    }

    List<Param> params() {
        return flat.params();
    }

    /** Logits of one input; {@code h1}, {@code h2} receive the hidden activations. */
    private void forward(float[] in, float[] h1, float[] h2, float[] logits) {
        int h = hidden;
        for (int j = 0; j < h; j++) {
            h1[j] = (float) Math.tanh(w[b1 + j] + w[w1 + 2 * j] * in[0] + w[w1 + 2 * j + 1] * in[1]);
        }
        for (int j = 0; j < h; j++) {
            float s = w[b2 + j];
            int row = w2 + j * h;
            for (int k = 0; k < h; k++) s += w[row + k] * h1[k];
            h2[j] = (float) Math.tanh(s);
        }
        for (int c = 0; c < 2; c++) {
            float s = w[b3 + c];
            int row = w3 + c * h;
            for (int k = 0; k < h; k++) s += w[row + k] * h2[k];
            logits[c] = s;
        }
    }

    /**
     * Mean cross-entropy over {@code batch} (indices into the data), writing its gradient into the
     * flat gradient buffer (which is overwritten, as a backward pass after zero_grad assigns it).
     */
    double lossAndGradient(Spirals data, int[] batch) {
        readWeights();
        java.util.Arrays.fill(g, 0f);
        int h = hidden;
        float[] h1 = new float[h], h2 = new float[h], logits = new float[2], d2 = new float[h], d1 = new float[h];
        double loss = 0;
        float scale = 1f / batch.length;
        for (int idx : batch) {
            float[] in = data.x[idx];
            forward(in, h1, h2, logits);
            float m = Math.max(logits[0], logits[1]);
            double e0 = Math.exp(logits[0] - m), e1 = Math.exp(logits[1] - m);
            double p1 = e1 / (e0 + e1);
            int y = data.label[idx];
            loss -= Math.log(y == 1 ? p1 : 1 - p1);
            float[] dl = {(float) ((1 - p1) - (y == 0 ? 1 : 0)) * scale, (float) (p1 - (y == 1 ? 1 : 0)) * scale};
            // output layer
            java.util.Arrays.fill(d2, 0f);
            for (int c = 0; c < 2; c++) {
                g[b3 + c] += dl[c];
                int row = w3 + c * h;
                for (int k = 0; k < h; k++) {
                    g[row + k] += dl[c] * h2[k];
                    d2[k] += dl[c] * w[row + k];
                }
            }
            for (int k = 0; k < h; k++) d2[k] *= 1 - h2[k] * h2[k]; // tanh'
            // second layer
            java.util.Arrays.fill(d1, 0f);
            for (int j = 0; j < h; j++) {
                g[b2 + j] += d2[j];
                int row = w2 + j * h;
                for (int k = 0; k < h; k++) {
                    g[row + k] += d2[j] * h1[k];
                    d1[k] += d2[j] * w[row + k];
                }
            }
            for (int k = 0; k < h; k++) d1[k] *= 1 - h1[k] * h1[k];
            // first layer
            for (int j = 0; j < h; j++) {
                g[b1 + j] += d1[j];
                g[w1 + 2 * j] += d1[j] * in[0];
                g[w1 + 2 * j + 1] += d1[j] * in[1];
            }
        }
        writeGradient();
        flat.defineAllGrads();
        return loss / batch.length;
    }

    /** Fraction of the data classified correctly, and the mean loss over it. */
    double[] evaluate(Spirals data) {
        readWeights();
        float[] h1 = new float[hidden], h2 = new float[hidden], logits = new float[2];
        int correct = 0;
        double loss = 0;
        for (int i = 0; i < data.size(); i++) {
            forward(data.x[i], h1, h2, logits);
            int predicted = logits[1] > logits[0] ? 1 : 0;
            if (predicted == data.label[i]) correct++;
            float m = Math.max(logits[0], logits[1]);
            double e0 = Math.exp(logits[0] - m), e1 = Math.exp(logits[1] - m);
            loss -= Math.log((data.label[i] == 1 ? e1 : e0) / (e0 + e1));
        }
        return new double[] {(double) correct / data.size(), loss / data.size()};
    }

    /** SHA-256 of the parameters' stored bits: equal digests mean bit-identical models. */
    String digest() {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            int n = (int) flat.data().length(); // the parameters, not the padding
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(n * storage.byteSize());
            switch (storage) {
                case F32 -> b.asFloatBuffer().put(w, 0, n);
                case BF16, F16 -> b.asShortBuffer().put(((DataBuffer.HalfArray) flat.data()).array(), 0, n);
                case F64 -> throw new AssertionError(storage);
            }
            return java.util.HexFormat.of().formatHex(md.digest(b.array()));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
