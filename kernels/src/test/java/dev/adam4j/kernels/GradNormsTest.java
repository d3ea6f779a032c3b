package dev.adam4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.internal.KernelProviders;
import dev.adam4j.kernels.internal.NormSupport;
import dev.adam4j.kernels.internal.ScalarNorms;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The norm reductions through the public facade, on the active provider (vector at this JVM's width,
 * or scalar in the fallback run) and every storage, against an independent statement of the
 * contract written here (a {@code double[16]} of accumulators, the tree as a loop, blocks of
 * {@link GradNorms#BLOCK} added left to right), bit for bit: every operation is correctly rounded and
 * the order is the same, so the tolerance is 0 ulp (NaNs compared as NaN).
 *
 * <p>Three kinds of data: finite values with signed zeros, subnormals and values near the f32 limit
 * in about one element of 16 (results stay finite, so the bits say something); the same with one
 * infinity or NaN at a random position (every lane position must propagate it); and the full table of
 * special values in about one element of 16.
 */
class GradNormsTest {

    enum Data { FINITE, ONE_NONFINITE, SPECIALS }

    enum Op { SQUARES, ABS, POWER_3, MAX }

    static final double[] FINITE_SPECIALS = {0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, Float.MIN_VALUE,
            -Float.MIN_VALUE, 0x1p-140, Float.MAX_VALUE, -Float.MAX_VALUE};

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        int[] lengths = {0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 207, 1021, GradNorms.BLOCK - 1, GradNorms.BLOCK,
                GradNorms.BLOCK + 1, 2 * GradNorms.BLOCK + 13};
        for (Precision p : Precision.values()) {
            for (int n : lengths) {
                for (int offset : new int[] {0, 3}) {
                    for (Storage s : Storage.values()) {
                        for (Data d : Data.values()) {
                            if (n > 5000 && (offset != 0 || s == Storage.HEAP_BYTES)) continue; // keeps it seconds
                            out.add(Arguments.of(p, n, offset, s, d));
                        }
                    }
                }
            }
        }
        return out.stream();
    }

    static double value(SplittableRandom r, Data d, Precision p) {
        double x = TestData.gradient(r);
        if (d == Data.SPECIALS) return TestData.maybeSpecial(r, 1.0 / 16, x);
        if (r.nextInt(16) == 0) {
            double s = FINITE_SPECIALS[r.nextInt(FINITE_SPECIALS.length)];
            if (p.isReduced() && Math.abs(s) == Float.MAX_VALUE) return Math.copySign(60000.0, s); // near the f16 limit
            return p == Precision.F64 || Math.abs(s) != Double.MIN_VALUE ? s : 0.0;
        }
        return x;
    }

    @ParameterizedTest(name = "{0} n={1} off={2} {3} {4}")
    @MethodSource("cases")
    void facadeEqualsTheContract(Precision p, int n, int offset, Storage storage, Data d) {
        SplittableRandom r = new SplittableRandom(31L * n + offset + 7L * storage.ordinal() + 1000L * d.ordinal());
        try (Arena arena = Arena.ofConfined()) {
            Storage.Buffers b = new Storage.Buffers(storage, p, offset, n, arena);
            double[] ref = new double[n];
            for (int i = 0; i < n; i++) {
                b.set(1, i, value(r, d, p));
                ref[i] = b.get(1, i);
            }
            if (d == Data.ONE_NONFINITE && n > 0) {
                int at = r.nextInt(n);
                double bad = r.nextBoolean() ? Double.NaN : r.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
                b.set(1, at, bad);
                ref[at] = bad;
            }
            for (Op op : Op.values()) {
                double expected = contract(op, ref);
                double actual = facade(op, b);
                assertEquals(bits(expected), bits(actual), () -> op + " on " + b + " " + d + ": expected " + expected
                        + " got " + actual);
                if (d == Data.FINITE && op != Op.MAX) assertTrue(Double.isFinite(actual), () -> op + " " + actual);
                if (d == Data.ONE_NONFINITE && n > 0) assertTrue(!Double.isFinite(actual), () -> op + " " + actual);
            }
        }
    }

    /** The contract of {@link GradNorms}, restated independently of the implementation. */
    static double contract(Op op, double[] x) {
        if (op == Op.MAX) {
            double m = 0;
            for (double v : x) m = Double.isNaN(v) || Double.isNaN(m) ? Double.NaN : Math.max(m, Math.abs(v));
            return m;
        }
        double total = 0;
        for (int from = 0; from == 0 || from < x.length; from += GradNorms.BLOCK) {
            double[] acc = new double[16];
            for (int i = from; i < Math.min(x.length, from + GradNorms.BLOCK); i++) {
                int k = (i - from) % 16;
                acc[k] = switch (op) {
                    case SQUARES -> Math.fma(x[i], x[i], acc[k]);
                    case ABS -> acc[k] + Math.abs(x[i]);
                    default -> acc[k] + Math.pow(Math.abs(x[i]), 3);
                };
            }
            for (int width = 16; width > 1; width /= 2) {
                for (int k = 0; k < width / 2; k++) acc[k] = acc[2 * k] + acc[2 * k + 1];
            }
            total = from == 0 ? acc[0] : total + acc[0];
        }
        return total;
    }

    static double facade(Op op, Storage.Buffers b) {
        int n = b.length, off = b.offset;
        if (b.storage == Storage.ARRAY && b.precision.isReduced()) { // short[]: through a heap segment over it
            MemorySegment s = MemorySegment.ofArray((short[]) b.arrays[1]);
            return switch (op) {
                case SQUARES -> GradNorms.sumOfSquares(b.precision, s, off, n);
                case ABS -> GradNorms.powerSum(b.precision, s, off, n, 1);
                case POWER_3 -> GradNorms.powerSum(b.precision, s, off, n, 3);
                case MAX -> GradNorms.maxAbs(b.precision, s, off, n);
            };
        }
        if (b.storage == Storage.ARRAY) {
            if (b.precision == Precision.F32) {
                float[] a = (float[]) b.arrays[1];
                return switch (op) {
                    case SQUARES -> GradNorms.sumOfSquares(a, off, n);
                    case ABS -> GradNorms.powerSum(a, off, n, 1);
                    case POWER_3 -> GradNorms.powerSum(a, off, n, 3);
                    case MAX -> GradNorms.maxAbs(a, off, n);
                };
            }
            double[] a = (double[]) b.arrays[1];
            return switch (op) {
                case SQUARES -> GradNorms.sumOfSquares(a, off, n);
                case ABS -> GradNorms.powerSum(a, off, n, 1);
                case POWER_3 -> GradNorms.powerSum(a, off, n, 3);
                case MAX -> GradNorms.maxAbs(a, off, n);
            };
        }
        MemorySegment s = b.storage == Storage.NATIVE_SEGMENT ? b.segments[1].asReadOnly() : b.segments[1];
        return switch (op) {
            case SQUARES -> GradNorms.sumOfSquares(b.precision, s, off, n);
            case ABS -> GradNorms.powerSum(b.precision, s, off, n, 1);
            case POWER_3 -> GradNorms.powerSum(b.precision, s, off, n, 3);
            case MAX -> GradNorms.maxAbs(b.precision, s, off, n);
        };
    }

    static long bits(double x) {
        return Double.doubleToLongBits(x); // canonical NaN
    }

    /**
     * The provider's kernels on native segments holding exactly the elements (no padding), so that a
     * tail read past the last element would fault: each length from 0 to 80 and each op.
     */
    @Test
    void tailsReadNothingPastTheLastElement() {
        NormSupport k = KernelProviders.get().norms();
        SplittableRandom r = new SplittableRandom(5);
        for (int n = 0; n <= 80; n++) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment f = arena.allocate(4L * n, 4), d = arena.allocate(8L * n, 8);
                float[] fa = new float[n];
                double[] da = new double[n];
                for (int i = 0; i < n; i++) {
                    fa[i] = (float) TestData.gradient(r);
                    da[i] = TestData.gradient(r);
                    f.setAtIndex(ValueLayout.JAVA_FLOAT, i, fa[i]);
                    d.setAtIndex(ValueLayout.JAVA_DOUBLE, i, da[i]);
                }
                ScalarNorms spec = ScalarNorms.INSTANCE;
                assertEquals(spec.sumOfSquares(fa, 0, n), k.sumOfSquares(false, f, 0, n), "n=" + n);
                assertEquals(spec.sumOfSquares(da, 0, n), k.sumOfSquares(true, d, 0, n), "n=" + n);
                assertEquals(spec.sumOfAbs(fa, 0, n), k.sumOfAbs(false, f, 0, n), "n=" + n);
                assertEquals(spec.sumOfAbs(da, 0, n), k.sumOfAbs(true, d, 0, n), "n=" + n);
                assertEquals(spec.maxAbs(fa, 0, n), k.maxAbs(false, f, 0, n), "n=" + n);
                assertEquals(spec.maxAbs(da, 0, n), k.maxAbs(true, d, 0, n), "n=" + n);
                assertEquals(spec.sumOfSquares(fa, 0, n), k.sumOfSquares(fa, 0, n), "n=" + n);
                assertEquals(spec.maxAbs(da, 0, n), k.maxAbs(da, 0, n), "n=" + n);
            }
        }
    }

    /** Block values added in block order give the whole buffer's value: what a parallel caller relies on. */
    @Test
    void blocksAddedInOrderEqualTheWhole() {
        SplittableRandom r = new SplittableRandom(9);
        float[] a = new float[3 * GradNorms.BLOCK + 77];
        for (int i = 0; i < a.length; i++) a[i] = (float) TestData.gradient(r);
        double total = 0;
        for (int from = 0; from < a.length; from += GradNorms.BLOCK) {
            double x = GradNorms.sumOfSquares(a, from, Math.min(GradNorms.BLOCK, a.length - from));
            total = from == 0 ? x : total + x;
        }
        assertEquals(total, GradNorms.sumOfSquares(a, 0, a.length));
        // and the order matters: one pass of 16 accumulators over everything gives another value here
        assertTrue(total != ScalarNorms.INSTANCE.sumOfSquares(a, 0, a.length) || a.length <= GradNorms.BLOCK);
    }

    @Test
    void invalidArgumentsNameTheValue() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GradNorms.sumOfSquares(new float[3], 2, 2));
        assertTrue(e.getMessage().contains("[2, 4)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GradNorms.powerSum(new float[3], 0, 3, 0));
        assertTrue(e.getMessage().contains("0.0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GradNorms.powerSum(new double[3], 0, 3, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> GradNorms.maxAbs(Precision.F64, MemorySegment.ofArray(new byte[15]), 0, 2));
        assertThrows(NullPointerException.class, () -> GradNorms.maxAbs((float[]) null, 0, 0));
    }
}
