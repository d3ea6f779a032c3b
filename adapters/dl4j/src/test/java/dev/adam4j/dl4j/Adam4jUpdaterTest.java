package dev.adam4j.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.AdamKernels;
import dev.adam4j.kernels.EpsilonMode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;

/** The updater alone: memory access, the exactness of DL4J's subtraction, validation. */
class Adam4jUpdaterTest {

    // ------------------------------------------------------------------ memory

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void segmentsAreTheArraysOwnMemoryAtTheViewsOffset(DataType type) {
        INDArray whole = Nd4j.linspace(1, 40, 40, type);
        INDArray view = whole.get(NDArrayIndex.interval(5, 17));
        MemorySegment s = Nd4jMemory.segment(view, "view");
        assertEquals(12L * type.width(), s.byteSize());
        for (int i = 0; i < 12; i++) assertEquals(view.getDouble(i), read(s, type, i));
        write(s, type, 3, -42.0);
        assertEquals(-42.0, whole.getDouble(8), "a write through the segment is a write to the array");
        INDArray matrix = Nd4j.linspace(1, 30, 30, type).reshape('c', 5, 6);
        INDArray row = matrix.getRow(3);
        MemorySegment r = Nd4jMemory.segment(row, "row");
        for (int i = 0; i < 6; i++) assertEquals(matrix.getDouble(3, i), read(r, type, i));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Nd4jMemory.segment(matrix.getColumn(2), "column"));
        assertTrue(e.getMessage().contains("not contiguous"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Nd4jMemory.segment(Nd4j.zeros(DataType.HALF, 4), "half"));
    }

    private static double read(MemorySegment s, DataType t, long i) {
        return t == DataType.FLOAT ? s.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i) : s.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i);
    }

    private static void write(MemorySegment s, DataType t, long i, double x) {
        if (t == DataType.FLOAT) s.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) x);
        else s.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i, x);
    }

    // ------------------------------------------------------------------ exactness

    static final double[] SPECIALS = {0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, 3e-310, Float.MIN_VALUE,
            -Float.MIN_VALUE, 1e-40, -3e-39, Float.MIN_NORMAL, 1.0, -1.5, 1e-300, -7e-5, 123.456, 1e30, -3e38,
            Float.MAX_VALUE, 1e300, -Double.MAX_VALUE, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN,
            0.1, -0.1, 65504.0, 1 + 0x1p-23, 1 - 0x1p-24};

    static Stream<Arguments> exactnessCases() {
        List<Arguments> out = new ArrayList<>();
        for (DataType t : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            out.add(Arguments.of(t, new Adam4j(0.1)));
            out.add(Arguments.of(t, new Adam4j(0.1).withAmsgrad(true)));
            out.add(Arguments.of(t, new Adam4j(1e-3).withEpsilonMode(EpsilonMode.EPS_HAT).withBetas(0.5, 0.6)));
            out.add(Arguments.of(t, new Adam4j(3.0).withEpsilon(0.0).withAmsgrad(true)));
            // the pass split across threads (2 and 3 chunks on the two largest lengths)
            out.add(Arguments.of(t, new Adam4j(0.1).withParallelism(2)));
            out.add(Arguments.of(t, new Adam4j(0.1).withAmsgrad(true).withParallelism(3)));
        }
        return out.stream();
    }

    /**
     * After {@code applyUpdater}, ND4J's own {@code params.subi(update)} (what DL4J's SGD step does) must
     * give bit for bit adam4j's step on the parameters, and the state view must hold adam4j's moments,
     * for many lengths, several steps, and parameters and gradients with signed zeros, subnormals (of
     * both precisions), huge values, infinities and NaN.
     */
    @ParameterizedTest
    @MethodSource("exactnessCases")
    void dl4jsSubtractionOfTheUpdateIsAdam4jsStepBitForBit(DataType type, Adam4j config) {
        for (int n : new int[] {1, 2, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 257, 1000, 4099, 40_000, 100_003}) {
            SplittableRandom rng = new SplittableRandom(n * 31L + type.ordinal());
            double[] p0 = new double[n];
            for (int i = 0; i < n; i++) p0[i] = i < SPECIALS.length ? SPECIALS[(i + n) % SPECIALS.length] : rng.nextGaussian() * Math.pow(10, rng.nextInt(-45, 38));
            INDArray params = Nd4j.createFromArray(p0).castTo(type);
            INDArray view = Nd4j.zeros(type, 1, config.stateSize(n));
            GradientUpdater<?> u = config.instantiate(view, true);
            boolean f32 = type == DataType.FLOAT;
            float[] pf = params.toFloatVector(), mf = new float[n], vf = new float[n], xf = new float[n];
            double[] pd = params.toDoubleVector(), md = new double[n], vd = new double[n], xd = new double[n];
            for (int step = 0; step < 5; step++) {
                double[] g0 = new double[n];
                for (int i = 0; i < n; i++) {
                    g0[i] = (i + step) % 5 == 0 ? SPECIALS[(i * 7 + step) % SPECIALS.length] : rng.nextGaussian() * Math.pow(10, rng.nextInt(-40, 30));
                }
                INDArray grad = Nd4j.createFromArray(g0).castTo(type);
                AdamHyperparameters h = config.hyperparameters(config.getLearningRate(step, 0));
                if (f32) AdamKernels.step(h, step + 1, 1.0, pf, grad.toFloatVector(), mf, vf, config.isAmsgrad() ? xf : null);
                else AdamKernels.step(h, step + 1, 1.0, pd, grad.toDoubleVector(), md, vd, config.isAmsgrad() ? xd : null);

                u.applyUpdater(grad, step, 0);
                params.subi(grad); // DL4J: NegativeGradientStepFunction

                String where = type + " n=" + n + " step " + (step + 1) + " " + config;
                if (f32) {
                    assertBits(pf, params.toFloatVector(), where + " params");
                    Map<String, INDArray> st = u.getState();
                    assertBits(mf, st.get("M").toFloatVector(), where + " exp_avg");
                    assertBits(vf, st.get("V").toFloatVector(), where + " exp_avg_sq");
                    if (config.isAmsgrad()) assertBits(xf, st.get("V_HAT").toFloatVector(), where + " max_exp_avg_sq");
                } else {
                    assertBits(pd, params.toDoubleVector(), where + " params");
                    Map<String, INDArray> st = u.getState();
                    assertBits(md, st.get("M").toDoubleVector(), where + " exp_avg");
                    assertBits(vd, st.get("V").toDoubleVector(), where + " exp_avg_sq");
                    if (config.isAmsgrad()) assertBits(xd, st.get("V_HAT").toDoubleVector(), where + " max_exp_avg_sq");
                }
            }
            // the state lives in the view DL4J handed over (what ModelSerializer saves)
            INDArray m = view.reshape(view.length()).get(NDArrayIndex.interval(0, n));
            if (f32) assertBits(mf, m.toFloatVector(), "view");
            else assertBits(md, m.toDoubleVector(), "view");
        }
    }

    static void assertBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Float.isNaN(expected[i]) && Float.isNaN(actual[i])) continue; // payloads are unspecified
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                throw new AssertionError(what + " element " + i + ": expected " + expected[i] + " got " + actual[i]);
            }
        }
    }

    static void assertBits(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Double.isNaN(expected[i]) && Double.isNaN(actual[i])) continue;
            if (Double.doubleToRawLongBits(expected[i]) != Double.doubleToRawLongBits(actual[i])) {
                throw new AssertionError(what + " element " + i + ": expected " + expected[i] + " got " + actual[i]);
            }
        }
    }

    // ------------------------------------------------------------------ configuration and validation

    @Test
    void stateSizeIsTwoOrThreeBuffers() {
        assertEquals(20, new Adam4j().stateSize(10));
        assertEquals(30, new Adam4j().withAmsgrad(true).stateSize(10));
        assertInstanceOf(Adam4jUpdater.class, new Adam4j().instantiate(Nd4j.zeros(DataType.FLOAT, 1, 8), true));
    }

    @Test
    void invalidHyperparametersAreRejectedNamingTheValue() {
        record Bad(String message, Runnable make) {}
        for (Bad b : List.of(
                new Bad("Invalid learning rate: -1.0", () -> new Adam4j(-1.0)),
                new Bad("Invalid learning rate: NaN", () -> new Adam4j(Double.NaN)),
                new Bad("Invalid parallelism: 0", () -> new Adam4j(0.1).withParallelism(0)),
                new Bad("Invalid beta parameter at index 0: 1.0", () -> new Adam4j().withBetas(1.0, 0.999)),
                new Bad("Invalid beta parameter at index 1: -0.5", () -> new Adam4j().withBetas(0.9, -0.5)),
                new Bad("Invalid epsilon value: -1.0", () -> new Adam4j().withEpsilon(-1.0)),
                new Bad("Invalid learning rate: -2.0", () -> new Adam4j().setLrAndSchedule(-2.0, null)))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b.make()::run, b.message());
            assertTrue(e.getMessage().contains(b.message()), e.getMessage());
        }
    }

    @Test
    void badCallsChangeNothing() {
        Adam4j config = new Adam4j(0.1);
        INDArray view = Nd4j.zeros(DataType.FLOAT, 1, 8);
        GradientUpdater<?> u = config.instantiate(view, true);
        u.applyUpdater(Nd4j.createFromArray(1f, 2f, 3f, 4f), 0, 0);
        INDArray before = view.dup();
        record Bad(String message, INDArray grad, int iteration) {}
        for (Bad b : List.of(
                new Bad("gradient has 3 elements, the updater state 4", Nd4j.createFromArray(1f, 2f, 3f), 1),
                new Bad("gradient is DOUBLE, the updater state FLOAT", Nd4j.createFromArray(1.0, 2.0, 3.0, 4.0), 1),
                new Bad("Invalid iteration: -1", Nd4j.createFromArray(1f, 2f, 3f, 4f), -1),
                new Bad("not contiguous", Nd4j.linspace(1, 8, 8, DataType.FLOAT).reshape('c', 4, 2).getColumn(0), 1))) {
            INDArray g = b.grad().dup();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> u.applyUpdater(b.grad(), b.iteration(), 0));
            assertTrue(e.getMessage().contains(b.message()), e.getMessage());
            assertEquals(before, view, b.message());
            assertEquals(g, b.grad(), b.message());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> config.withAmsgrad(true).instantiate(Nd4j.zeros(DataType.FLOAT, 1, 8), true));
        assertTrue(e.getMessage().contains("not 3 buffers"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> config.instantiate(Map.of("M", Nd4j.zeros(4)), true));
        assertTrue(e.getMessage().contains("[M, V]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> config.instantiate(Nd4j.zeros(DataType.HALF, 1, 8), true));
        assertTrue(e.getMessage().contains("HALF"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> new Adam4jUpdater(config).applyUpdater(Nd4j.zeros(4), 0, 0));
    }
}
