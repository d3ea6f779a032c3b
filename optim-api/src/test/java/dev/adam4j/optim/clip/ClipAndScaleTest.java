package dev.adam4j.optim.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.GradNorms;
import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.Adam;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.Param;
import dev.adam4j.optim.amp.GradScaler;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Gradient clipping (PyTorch's semantics, in place or fused into the step) and dynamic loss scaling. */
class ClipAndScaleTest {

    static long[] bits(DataBuffer b) {
        long[] out = new long[(int) b.length()];
        for (int i = 0; i < out.length; i++) out[i] = Double.doubleToRawLongBits(b.get(i));
        return out;
    }

    /** Two parameters whose gradients are {@code scale} times a fixed random draw. */
    static Adam model(float scale, List<Param> out) {
        SplittableRandom r = new SplittableRandom(3);
        for (int k = 0; k < 2; k++) {
            float[] w = new float[37 + k], g = new float[37 + k];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) r.nextGaussian();
                g[i] = (float) r.nextGaussian() * scale;
            }
            Param p = Param.of("p" + k, w);
            p.setGrad(DataBuffer.of(g));
            out.add(p);
        }
        return new Adam(out);
    }

    @Test
    void theReductionHasOneOrderForEveryStorageAndOffset() {
        SplittableRandom r = new SplittableRandom(1);
        float[] a = new float[1 + 1021];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        double expected = GradNorms.sumOfSquares(a, 1, 1021);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4L * a.length);
            MemorySegment.copy(a, 0, s, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, a.length);
            assertEquals(expected, GradNorms.sumOfSquares(Precision.F32, s, 1, 1021));
            assertEquals(expected, GradNorms.sumOfSquares(Precision.F32, MemorySegment.ofArray(a), 1, 1021));
        }
        // the contract on 17 elements: lane k sums elements k and k + 16, then a balanced tree
        double[] x = new double[17];
        for (int i = 0; i < 17; i++) x[i] = 0.1 * (i + 1);
        double[] lanes = new double[16];
        for (int i = 0; i < 17; i++) lanes[i % 16] = Math.fma(x[i], x[i], lanes[i % 16]);
        for (int w = 16; w > 1; w /= 2) for (int k = 0; k < w / 2; k++) lanes[k] = lanes[2 * k] + lanes[2 * k + 1];
        assertEquals(lanes[0], GradNorms.sumOfSquares(x, 0, 17));
        assertEquals(Double.POSITIVE_INFINITY, GradNorms.sumOfSquares(new float[] {1, Float.POSITIVE_INFINITY}, 0, 2));
        assertTrue(Double.isNaN(GradNorms.sumOfSquares(new double[] {Double.NaN, 1}, 0, 2)));
        assertTrue(Double.isNaN(GradNorms.maxAbs(new float[] {5, Float.NaN, 1}, 0, 3)));
        assertEquals(5, GradNorms.maxAbs(new float[] {-5, 2}, 0, 2));
        assertThrows(IllegalArgumentException.class, () -> GradNorms.sumOfSquares(new float[3], 2, 2));
    }

    @Test
    void fusedClippingEqualsPyTorchsInPlaceClippingBitForBit() {
        List<Param> a = new java.util.ArrayList<>(), b = new java.util.ArrayList<>();
        Adam inPlace = model(10f, a), fused = model(10f, b);
        double total = ClipGrad.clipGradNorm(inPlace, 1.0, 2.0, true);
        double coef = ClipGrad.clipCoefficient(fused, 1.0, 2.0, true);
        // PyTorch's clamp(max_norm / (total + 1e-6), max=1) on an f32 total: reciprocal, then times max_norm, in f32
        assertEquals((float) total, total, "an f32 total, as PyTorch returns it");
        float expected = Math.min((1.0f / ((float) total + 1e-6f)) * 1.0f, 1.0f);
        assertEquals(expected, coef);
        assertTrue(coef < 1, "the gradients were clipped");
        inPlace.step();
        fused.step(coef);
        for (int k = 0; k < 2; k++) assertArrayEquals(bits(a.get(k).data()), bits(b.get(k).data()));
        // the norm of the clipped gradients is max_norm (to float rounding)
        assertEquals(1.0, ClipGrad.totalNorm(ClipGrad.grads(inPlace), 2.0), 1e-6);
    }

    @Test
    void aNonFiniteNormThrowsWhenAskedAndWritesNothing() {
        List<Param> ps = new java.util.ArrayList<>();
        Adam opt = model(1f, ps);
        ps.get(1).grad().set(3, Double.POSITIVE_INFINITY);
        long[] before = bits(ps.get(0).grad());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ClipGrad.clipGradNorm(opt, 1.0, 2.0, true));
        assertTrue(e.getMessage().contains("non-finite"), e.getMessage());
        assertArrayEquals(before, bits(ps.get(0).grad()));
        assertEquals(Double.POSITIVE_INFINITY, ClipGrad.totalNorm(ClipGrad.grads(opt), Double.POSITIVE_INFINITY));
    }

    @Test
    void anOverflowSkipsTheWholeStepAndBacksOffTheScale() {
        List<Param> ps = new java.util.ArrayList<>();
        Adam opt = model(65536f, ps);
        GradScaler scaler = new GradScaler();
        assertTrue(scaler.step(opt));
        scaler.update();
        long[] p0 = bits(ps.get(0).data()), m0 = bits(opt.state(ps.get(0)).expAvg());
        ps.get(0).grad().set(0, Double.NaN);
        assertFalse(scaler.step(opt), "skipped");
        assertArrayEquals(p0, bits(ps.get(0).data()));
        assertArrayEquals(m0, bits(opt.state(ps.get(0)).expAvg()));
        assertEquals(1, opt.state(ps.get(0)).step(), "the step count did not move");
        scaler.update();
        assertEquals(32768.0, scaler.getScale());
    }

    @Test
    void unscalingAndClippingFoldIntoOneStepEqualToTheUnscaledClippedStep() {
        List<Param> a = new java.util.ArrayList<>(), b = new java.util.ArrayList<>();
        Adam scaled = model(10f * 1024f, a), plain = model(10f, b); // 1024 = the scale, a power of two: exact
        GradScaler scaler = new GradScaler(1024, 2.0, 0.5, 3, true);
        double norm = scaler.clipGradNorm(scaled, 1.0);
        assertEquals(ClipGrad.totalNorm(ClipGrad.grads(plain), 2.0), norm);
        assertTrue(scaler.step(scaled));
        plain.step(ClipGrad.clipCoefficient(plain, 1.0, 2.0, true));
        for (int k = 0; k < 2; k++) assertArrayEquals(bits(b.get(k).data()), bits(a.get(k).data()));
    }

    @Test
    void theScaleGrowsAfterTheIntervalAndTheStateRoundTrips() {
        List<Param> ps = new java.util.ArrayList<>();
        Adam opt = model(1f, ps);
        GradScaler scaler = new GradScaler(8, 2.0, 0.5, 3, true);
        for (int i = 0; i < 3; i++) {
            scaler.step(opt);
            scaler.update();
        }
        assertEquals(16.0, scaler.getScale());
        scaler.step(opt);
        scaler.update();
        GradScaler other = new GradScaler();
        other.loadStateDict(scaler.stateDict());
        assertEquals(scaler.stateDict(), other.stateDict());
        assertEquals(java.util.Map.of("scale", 16.0, "growth_factor", 2.0, "backoff_factor", 0.5, "growth_interval", 3L,
                "_growth_tracker", 1L), other.stateDict());
        assertThrows(IllegalStateException.class, () -> {
            scaler.unscale(opt);
            scaler.unscale(opt);
        });
    }
}
