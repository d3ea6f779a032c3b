package dev.adam4j.optim.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * The norm pass on the optimizer's threads: the same bits as on one thread for every thread count and
 * grain (blocks added in block order), over gradients that span several blocks, in f32 and f64, on
 * arrays and native segments; plus the coefficient's arithmetic and the argument checks.
 */
class ClipNormPassTest {

    /** Parameters of awkward lengths, the largest spanning three blocks; gradients ~N(0, 1)·10^k. */
    static List<Param> params(Precision p, boolean native_, Arena arena, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] lengths = {1, 17, 1021, GradNorms.BLOCK + 3, 2 * GradNorms.BLOCK + 77, 4099};
        List<Param> out = new ArrayList<>();
        for (int k = 0; k < lengths.length; k++) {
            int n = lengths[k];
            Param param;
            DataBuffer g;
            if (native_) {
                MemorySegment w = arena.allocate((long) n * p.byteSize(), 64), gs = arena.allocate((long) n * p.byteSize(), 64);
                param = Param.of("p" + k, new DataBuffer.Segment(w, p, 0, n));
                g = new DataBuffer.Segment(gs, p, 0, n);
            } else if (p == Precision.F32) {
                param = Param.of("p" + k, new float[n]);
                g = DataBuffer.of(new float[n]);
            } else {
                param = Param.of("p" + k, new double[n]);
                g = DataBuffer.of(new double[n]);
            }
            for (int i = 0; i < n; i++) g.set(i, r.nextGaussian() * Math.pow(10, r.nextInt(-3, 3)));
            param.setGrad(g);
            out.add(param);
        }
        return out;
    }

    @Test
    void everyThreadCountGivesTheBitsOfOneThread() {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (Arena arena = Arena.ofShared()) {
            for (Precision p : Precision.values()) {
                for (boolean native_ : new boolean[] {false, true}) {
                    List<Param> ps = params(p, native_, arena, 11);
                    Adam one = new Adam(ps);
                    for (double normType : new double[] {2.0, 1.0, 3.0, Double.POSITIVE_INFINITY}) {
                        double expected = ClipGrad.totalNorm(ClipGrad.grads(one), normType);
                        assertEquals(expected, ClipGrad.totalNorm(one, ClipGrad.grads(one), normType));
                        for (int threads : new int[] {2, 3, 4}) {
                            for (int grain : new int[] {1, 1000, 50_000}) {
                                Adam many = new Adam(ps).setParallelism(pool, threads, grain);
                                assertTrue(many.parallelParts(300_000, ClipGrad.grads(many)) > 1 || grain == 50_000 && threads > 5,
                                        "the pass is split");
                                double got = ClipGrad.totalNorm(many, ClipGrad.grads(many), normType);
                                assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(got),
                                        () -> p + " native=" + native_ + " p=" + normType + " threads=" + threads + " grain=" + grain);
                            }
                        }
                    }
                    // the own pool too, and the fused coefficient through it
                    Adam two = new Adam(ps).setParallelism(2);
                    assertEquals(ClipGrad.clipCoefficient(one, 1.0, 2.0, false), ClipGrad.clipCoefficient(two, 1.0, 2.0, false));
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** The whole pass equals each gradient's reduction computed alone, so blocking never changes a value. */
    @Test
    void theTotalIsTheNormOfThePerGradientNorms() {
        try (Arena arena = Arena.ofConfined()) {
            List<Param> ps = params(Precision.F64, false, arena, 5);
            Adam opt = new Adam(ps);
            double acc = 0;
            for (Param p : ps) {
                double[] a = ((DataBuffer.F64Array) p.grad()).array();
                double n = Math.sqrt(GradNorms.sumOfSquares(a, 0, a.length));
                acc += n * n;
            }
            assertEquals(Math.sqrt(acc), ClipGrad.totalNorm(ClipGrad.grads(opt), 2.0));
        }
    }

    @Test
    void theCoefficientIsPyTorchsExpressionInTheGradientsDtype() {
        double total = 3.7;
        assertEquals(Math.min((1.0 / (total + 1e-6)) * 0.5, 1.0), ClipGrad.coefficient(total, 0.5, false));
        float t = (float) total;
        assertEquals((double) ((1.0f / (t + (float) 1e-6)) * 0.5f), ClipGrad.coefficient(total, 0.5, true));
        assertEquals(1.0, ClipGrad.coefficient(0.1, 0.5, true));
        // PyTorch's division form and its reciprocal-times form differ here in the last bit of a float:
        // the coefficient follows the reciprocal form, which is what Python evaluates for max_norm / tensor
        int differ = 0;
        for (int i = 1; i < 2000; i++) {
            float ti = 1 + i / 997f;
            if ((float) ClipGrad.coefficient(ti, 0.3, true) != (float) (0.3f / (ti + 1e-6f))) differ++;
        }
        assertTrue(differ > 0, "the two forms are distinguishable, so the test can fail");
    }

    @Test
    void aBadMaxNormIsRefusedBeforeAnythingIsWritten() {
        try (Arena arena = Arena.ofConfined()) {
            List<Param> ps = params(Precision.F32, false, arena, 3);
            Adam opt = new Adam(ps);
            float[] before = ((DataBuffer.F32Array) ps.get(2).grad()).array().clone();
            for (double bad : new double[] {-1.0, Double.NaN, Double.POSITIVE_INFINITY}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClipGrad.clipGradNorm(opt, bad, 2.0, false));
                assertTrue(e.getMessage().contains(String.valueOf(bad)), e.getMessage());
                assertThrows(IllegalArgumentException.class, () -> ClipGrad.clipCoefficient(opt, bad, 2.0, false));
                assertThrows(IllegalArgumentException.class, () -> new GradScaler().clipGradNorm(opt, bad));
            }
            assertArrayEquals(before, ((DataBuffer.F32Array) ps.get(2).grad()).array());
        }
    }

    /**
     * f64 gradients of 1e200 are finite, but their squares are not: the overflow check of
     * {@code unscale} must look at the elements (PyTorch's non-finite check), not at the sum of squares.
     * Failed before: the step was skipped and the scale backed off.
     */
    @Test
    void largeFiniteF64GradientsAreNotAnOverflow() {
        Param p = Param.of("w", new double[] {1, 2, 3});
        p.setGrad(DataBuffer.of(new double[] {1e200, -1e200, 5}));
        Adam opt = new Adam(List.of(p));
        GradScaler scaler = new GradScaler(1024, 2.0, 0.5, 2000, true);
        scaler.unscale(opt);
        assertTrue(scaler.step(opt), "stepped");
        scaler.update();
        assertEquals(1024.0, scaler.getScale());
        assertEquals(1, opt.state(p).step());
    }

    /** A gradient segment confined to its thread keeps the pass on the caller (no other thread may read it). */
    @Test
    void aConfinedGradientKeepsThePassOnTheCaller() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocate(4L * 200_000, 64), g = arena.allocate(4L * 200_000, 64);
            for (int i = 0; i < 200_000; i++) g.setAtIndex(ValueLayout.JAVA_FLOAT, i, i % 7 - 3);
            Param p = Param.of("w", new DataBuffer.Segment(w, Precision.F32, 0, 200_000));
            p.setGrad(new DataBuffer.Segment(g, Precision.F32, 0, 200_000));
            Adam opt = new Adam(List.of(p)).setParallelism(2);
            assertEquals(1, opt.parallelParts(200_000, ClipGrad.grads(opt)));
            assertEquals(ClipGrad.totalNorm(ClipGrad.grads(opt), 2.0), ClipGrad.totalNorm(opt, ClipGrad.grads(opt), 2.0));
        }
    }
}
