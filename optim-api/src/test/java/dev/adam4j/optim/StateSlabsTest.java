package dev.adam4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.Precision;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The moments a step creates for separate array parameters are views of one array per moment, laid
 * out in the group's order (so that each state stream is contiguous in memory), and stepping with them
 * is bit-identical to every parameter having arrays of its own (an optimizer per parameter).
 */
class StateSlabsTest {

    private static float[] values(SplittableRandom r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) ((r.nextDouble() - 0.5) * scale);
        return a;
    }

    @Test
    void theStatesOfOneStepAreAdjacentViewsOfOneArrayPerMoment() {
        List<Param> ps = new ArrayList<>();
        int[] lengths = {100, 1, 37, 64};
        SplittableRandom r = new SplittableRandom(1);
        for (int k = 0; k < lengths.length; k++) {
            Param p = Param.of("p" + k, values(r, lengths[k], 1));
            p.defineGrad().copyFrom(DataBuffer.of(values(r, lengths[k], 1e-2)));
            ps.add(p);
        }
        Adam opt = new Adam(ps, AdamOptions.of().amsgrad(true));
        opt.step();
        var m0 = (DataBuffer.F32Array) opt.state(ps.get(0)).expAvg();
        var v0 = (DataBuffer.F32Array) opt.state(ps.get(0)).expAvgSq();
        var x0 = (DataBuffer.F32Array) opt.state(ps.get(0)).maxExpAvgSq();
        assertEquals(0, m0.offset());
        assertEquals(202, m0.array().length, "one array for the four parameters");
        assertNotSame(m0.array(), v0.array());
        assertNotSame(m0.array(), x0.array());
        int off = 0;
        for (int k = 0; k < ps.size(); k++) {
            AdamState s = opt.state(ps.get(k));
            for (DataBuffer b : List.of(s.expAvg(), s.expAvgSq(), s.maxExpAvgSq())) {
                var a = (DataBuffer.F32Array) b;
                assertEquals(off, a.offset(), "p" + k);
                assertEquals(lengths[k], a.count());
            }
            assertSame(m0.array(), ((DataBuffer.F32Array) s.expAvg()).array());
            assertSame(v0.array(), ((DataBuffer.F32Array) s.expAvgSq()).array());
            assertSame(x0.array(), ((DataBuffer.F32Array) s.maxExpAvgSq()).array());
            off += lengths[k];
        }
    }

    /**
     * A group mixing f32, f64 and bf16 arrays, a native segment and flat views, some parameters without a
     * gradient at some steps (their state is created later, by itself or with others), equals an
     * optimizer per parameter bit for bit: parameters and every moment, over several steps.
     */
    @Test
    void mixedGroupsStepAsIfEveryParameterHadItsOwnArrays() {
        for (boolean amsgrad : new boolean[] {false, true}) {
            try (Arena arena = Arena.ofConfined()) {
                List<Param> ps = model(arena), solo = model(arena);
                AdamOptions o = AdamOptions.of().lr(1e-2).amsgrad(amsgrad).weightDecay(0.01);
                Adam opt = new Adam(ps, o);
                List<Adam> each = new ArrayList<>();
                for (Param p : solo) each.add(new Adam(List.of(p), o));
                for (int step = 0; step < 5; step++) {
                    SplittableRandom r = new SplittableRandom(100 + step);
                    for (int k = 0; k < ps.size(); k++) {
                        boolean skip = (k % 3 == step % 3) && step < 3; // creates states in several steps
                        Param p = ps.get(k), q = solo.get(k);
                        if (skip) {
                            if (!p.isFlatView()) {
                                p.setGrad(null);
                                q.setGrad(null);
                            }
                            continue;
                        }
                        float[] g = values(r, (int) p.length(), 1e-2);
                        for (Param t : List.of(p, q)) {
                            DataBuffer gb = t.isFlatView() ? t.grad() : t.defineGrad();
                            for (int i = 0; i < g.length; i++) gb.set(i, g[i]);
                        }
                    }
                    opt.step();
                    for (Adam a : each) {
                        if (a.paramGroups().get(0).params().get(0).grad() != null) a.step();
                    }
                    for (int k = 0; k < ps.size(); k++) {
                        Param p = ps.get(k), q = solo.get(k);
                        String what = "amsgrad " + amsgrad + ", step " + step + ", " + p;
                        assertSame(p.data().precision(), q.data().precision());
                        assertBits(q.data(), p.data(), what);
                        AdamState s = opt.state(p), t = each.get(k).state(q);
                        if (t == null) {
                            assertNull(s, what);
                            continue;
                        }
                        assertEquals(t.step(), s.step(), what);
                        assertBits(t.expAvg(), s.expAvg(), what);
                        assertBits(t.expAvgSq(), s.expAvgSq(), what);
                        if (amsgrad) assertBits(t.maxExpAvgSq(), s.maxExpAvgSq(), what);
                    }
                }
            }
        }
    }

    private static List<Param> model(Arena arena) {
        SplittableRandom r = new SplittableRandom(7);
        List<Param> ps = new ArrayList<>();
        ps.add(Param.of("a", values(r, 33, 1)));
        ps.add(Param.of("b", values(r, 8, 1)));
        double[] d = new double[5];
        for (int i = 0; i < d.length; i++) d[i] = r.nextDouble();
        ps.add(Param.of("c", d));
        ps.add(Param.of("d", values(r, 17, 1)));
        short[] h = new short[9];
        for (int i = 0; i < h.length; i++) h[i] = (short) (0x3F00 + r.nextInt(200));
        ps.add(Param.of("e", h, Precision.BF16));
        ps.add(Param.of("f", DataBuffer.of(arena.allocate(4 * 12, 64), Precision.F32)));
        FlatParameters.Builder b = FlatParameters.builder(Precision.F32);
        b.add("g", 6).add("h", 10);
        ps.addAll(b.build().params());
        ps.add(Param.of("i", values(r, 21, 1)));
        ps.add(Param.of("j", values(r, 3, 1)));
        return ps;
    }

    private static void assertBits(DataBuffer expected, DataBuffer actual, String what) {
        assertEquals(expected.precision(), actual.precision(), what);
        assertEquals(expected.length(), actual.length(), what);
        for (long i = 0; i < expected.length(); i++) {
            assertEquals(Double.doubleToRawLongBits(expected.get(i)), Double.doubleToRawLongBits(actual.get(i)),
                    what + " element " + i);
        }
    }

    /** A step that fails after states were carved leaves none behind; the next one carves afresh. */
    @Test
    void aFailedStepLeavesNoCarvedState() {
        SplittableRandom r = new SplittableRandom(3);
        List<Param> ps = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            Param p = Param.of("p" + k, values(r, 10, 1));
            p.defineGrad().copyFrom(DataBuffer.of(values(r, 10, 1e-2)));
            ps.add(p);
        }
        Param freed;
        try (Arena arena = Arena.ofConfined()) {
            freed = Param.of("freed", DataBuffer.of(arena.allocate(40, 64), Precision.F32));
            freed.defineGrad();
        }
        List<Param> all = new ArrayList<>(ps);
        all.add(freed);
        float[][] before = new float[3][];
        for (int k = 0; k < 3; k++) before[k] = ((DataBuffer.F32Array) ps.get(k).data()).array().clone();
        Adam opt = new Adam(all);
        IllegalStateException e = assertThrows(IllegalStateException.class, opt::step);
        assertTrue(e.getMessage().contains("freed"), e.getMessage());
        for (int k = 0; k < 3; k++) {
            assertNull(opt.state(ps.get(k)), "no state is left behind");
            assertTrue(java.util.Arrays.equals(before[k], ((DataBuffer.F32Array) ps.get(k).data()).array()));
        }
        freed.setGrad(null);
        opt.step();
        for (int k = 0; k < 3; k++) {
            AdamState s = opt.state(ps.get(k));
            assertEquals(1, s.step());
            assertEquals(30, ((DataBuffer.F32Array) s.expAvg()).array().length);
            assertFalse(s.expAvg().get(0) == 0, "the moments were written");
        }
    }
}
