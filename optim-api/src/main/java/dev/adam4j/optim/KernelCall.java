package dev.adam4j.optim;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.AdamKernels;

/**
 * Dispatches one step over matching {@link DataBuffer}s to the kernel overload for their kind: every
 * buffer of the parameter's precision, or f32 parameter and gradient with 16-bit moments (a group's
 * {@link AdamOptions#stateDtype}), which the moments' precision tells apart; bf16 parameters with split
 * master weights (a non-null {@code low}: the low halves, f32 moments); and bf16 parameters rounded
 * stochastically ({@code stochastic}, with the kernel's {@code seed} and the index of the call's first
 * element within its parameter, {@code indexBase}).
 */
final class KernelCall {
    private KernelCall() {}

    static void step(AdamHyperparameters h, long t, double gradScale, DataBuffer p, DataBuffer low, DataBuffer g,
            DataBuffer m, DataBuffer v, DataBuffer x, boolean stochastic, long seed, long indexBase) {
        if (low != null) split(false, h, t, gradScale, p, low, g, m, v, x);
        else if (stochastic) stochastic(false, h, t, gradScale, seed, indexBase, p, g, m, v, x);
        else call(false, h, t, gradScale, p, g, m, v, x);
    }

    /**
     * Every check {@link #step} makes, without stepping and without touching the buffers' memory: a
     * step validates all its calls first, and for thousands of separate arrays a pass that read every
     * array's header twice (once here, once in the kernel) would cost a cache and TLB miss per array.
     * Array views are in range by construction ({@link DataBuffer.F32Array}'s constructor checked
     * them against the array's length, which never changes), so for arrays this checks what can
     * still be wrong: two buffers overlapping in one array. Segments get the kernel's own checks
     * (read-only, closed, foreign-thread, range, overlap), which read only the segment objects.
     */
    static void validate(AdamHyperparameters h, long t, double gradScale, DataBuffer p, DataBuffer low, DataBuffer g,
            DataBuffer m, DataBuffer v, DataBuffer x, boolean stochastic, long seed) {
        if (p instanceof DataBuffer.Segment) {
            if (low != null) split(true, h, t, gradScale, p, low, g, m, v, x);
            else if (stochastic) stochastic(true, h, t, gradScale, seed, 0, p, g, m, v, x);
            else call(true, h, t, gradScale, p, g, m, v, x);
            return;
        }
        if (low != null) {
            disjoint("masterWeightLow", low, "param", p);
            disjoint("masterWeightLow", low, "grad", g);
        }
        disjoint("param", p, "grad", g);
        disjoint("param", p, "expAvg", m);
        disjoint("param", p, "expAvgSq", v);
        disjoint("expAvg", m, "grad", g);
        disjoint("expAvg", m, "expAvgSq", v);
        disjoint("expAvgSq", v, "grad", g);
        if (x != null) {
            disjoint("maxExpAvgSq", x, "param", p);
            disjoint("maxExpAvgSq", x, "grad", g);
            disjoint("maxExpAvgSq", x, "expAvg", m);
            disjoint("maxExpAvgSq", x, "expAvgSq", v);
        }
    }

    /** Array views of one array whose ranges overlap are refused; comparing references reads no memory. */
    private static void disjoint(String a, DataBuffer x, String b, DataBuffer y) {
        Object arrX = array(x), arrY = array(y);
        long offX = offset(x), offY = offset(y);
        long n = x.length();
        if (n > 0 && arrX == arrY && offX < offY + n && offY < offX + n) {
            throw new IllegalArgumentException(a + " range starting at " + offX + " overlaps " + b
                    + " range starting at " + offY + " in the same array (length " + n + ")");
        }
    }

    /** The Java array behind an array view (never called for segments). */
    private static Object array(DataBuffer b) {
        return switch (b) {
            case DataBuffer.F32Array f -> f.array();
            case DataBuffer.F64Array f -> f.array();
            case DataBuffer.HalfArray f -> f.array();
            case DataBuffer.Segment s -> s.segment();
        };
    }

    private static long offset(DataBuffer b) {
        return switch (b) {
            case DataBuffer.F32Array f -> f.offset();
            case DataBuffer.F64Array f -> f.offset();
            case DataBuffer.HalfArray f -> f.offset();
            case DataBuffer.Segment s -> s.offset();
        };
    }

    /** bf16 parameters, their low halves and gradients, f32 moments. */
    private static void split(boolean checkOnly, AdamHyperparameters h, long t, double gradScale, DataBuffer p, DataBuffer low,
            DataBuffer g, DataBuffer m, DataBuffer v, DataBuffer x) {
        switch (p) {
            case DataBuffer.HalfArray a -> {
                var ll = (DataBuffer.HalfArray) low;
                var gg = (DataBuffer.HalfArray) g;
                var mm = (DataBuffer.F32Array) m;
                var vv = (DataBuffer.F32Array) v;
                float[] xa = x == null ? null : ((DataBuffer.F32Array) x).array();
                int xo = x == null ? 0 : ((DataBuffer.F32Array) x).offset();
                if (checkOnly) {
                    AdamKernels.validateSplit(h, t, gradScale, a.array(), a.offset(), ll.array(), ll.offset(), gg.array(),
                            gg.offset(), mm.array(), mm.offset(), vv.array(), vv.offset(), xa, xo, a.count());
                } else {
                    AdamKernels.stepSplit(h, t, gradScale, a.array(), a.offset(), ll.array(), ll.offset(), gg.array(),
                            gg.offset(), mm.array(), mm.offset(), vv.array(), vv.offset(), xa, xo, a.count());
                }
            }
            case DataBuffer.Segment a -> {
                var ll = (DataBuffer.Segment) low;
                var gg = (DataBuffer.Segment) g;
                var mm = (DataBuffer.Segment) m;
                var vv = (DataBuffer.Segment) v;
                var xx = (DataBuffer.Segment) x;
                if (checkOnly) {
                    AdamKernels.validateSplit(h, t, gradScale, a.segment(), a.offset(), ll.segment(), ll.offset(),
                            gg.segment(), gg.offset(), mm.segment(), mm.offset(), vv.segment(), vv.offset(),
                            xx == null ? null : xx.segment(), xx == null ? 0 : xx.offset(), a.length());
                } else {
                    AdamKernels.stepSplit(h, t, gradScale, a.segment(), a.offset(), ll.segment(), ll.offset(),
                            gg.segment(), gg.offset(), mm.segment(), mm.offset(), vv.segment(), vv.offset(),
                            xx == null ? null : xx.segment(), xx == null ? 0 : xx.offset(), a.length());
                }
            }
            case DataBuffer.F32Array a -> throw new AssertionError("split master weights of " + p);
            case DataBuffer.F64Array a -> throw new AssertionError("split master weights of " + p);
        }
    }

    /** bf16 parameters, gradients and moments, the parameter rounded stochastically. */
    private static void stochastic(boolean checkOnly, AdamHyperparameters h, long t, double gradScale, long seed,
            long indexBase, DataBuffer p, DataBuffer g, DataBuffer m, DataBuffer v, DataBuffer x) {
        switch (p) {
            case DataBuffer.HalfArray a -> {
                var gg = (DataBuffer.HalfArray) g;
                var mm = (DataBuffer.HalfArray) m;
                var vv = (DataBuffer.HalfArray) v;
                short[] xa = x == null ? null : ((DataBuffer.HalfArray) x).array();
                int xo = x == null ? 0 : ((DataBuffer.HalfArray) x).offset();
                if (checkOnly) {
                    AdamKernels.validateStochastic(h, t, gradScale, seed, indexBase, a.array(), a.offset(), gg.array(),
                            gg.offset(), mm.array(), mm.offset(), vv.array(), vv.offset(), xa, xo, a.count());
                } else {
                    AdamKernels.stepStochastic(h, t, gradScale, seed, indexBase, a.array(), a.offset(), gg.array(),
                            gg.offset(), mm.array(), mm.offset(), vv.array(), vv.offset(), xa, xo, a.count());
                }
            }
            case DataBuffer.Segment a -> {
                var gg = (DataBuffer.Segment) g;
                var mm = (DataBuffer.Segment) m;
                var vv = (DataBuffer.Segment) v;
                var xx = (DataBuffer.Segment) x;
                if (checkOnly) {
                    AdamKernels.validateStochastic(h, t, gradScale, seed, indexBase, a.segment(), a.offset(), gg.segment(),
                            gg.offset(), mm.segment(), mm.offset(), vv.segment(), vv.offset(),
                            xx == null ? null : xx.segment(), xx == null ? 0 : xx.offset(), a.length());
                } else {
                    AdamKernels.stepStochastic(h, t, gradScale, seed, indexBase, a.segment(), a.offset(), gg.segment(),
                            gg.offset(), mm.segment(), mm.offset(), vv.segment(), vv.offset(),
                            xx == null ? null : xx.segment(), xx == null ? 0 : xx.offset(), a.length());
                }
            }
            case DataBuffer.F32Array a -> throw new AssertionError("stochastic rounding of " + p);
            case DataBuffer.F64Array a -> throw new AssertionError("stochastic rounding of " + p);
        }
    }

    private static void call(boolean checkOnly, AdamHyperparameters h, long t, double gradScale, DataBuffer p,
            DataBuffer g, DataBuffer m, DataBuffer v, DataBuffer x) {
        switch (p) {
            case DataBuffer.F32Array a when m instanceof DataBuffer.HalfArray mm -> { // f32 parameters, 16-bit moments
                var gg = (DataBuffer.F32Array) g;
                var vv = (DataBuffer.HalfArray) v;
                short[] xa = x == null ? null : ((DataBuffer.HalfArray) x).array();
                int xo = x == null ? 0 : ((DataBuffer.HalfArray) x).offset();
                if (checkOnly) {
                    AdamKernels.validate(h, t, gradScale, a.array(), a.offset(), gg.array(), gg.offset(), mm.precision(),
                            mm.array(), mm.offset(), vv.array(), vv.offset(), xa, xo, a.count());
                } else {
                    AdamKernels.step(h, t, gradScale, a.array(), a.offset(), gg.array(), gg.offset(), mm.precision(),
                            mm.array(), mm.offset(), vv.array(), vv.offset(), xa, xo, a.count());
                }
            }
            case DataBuffer.F32Array a -> {
                var gg = (DataBuffer.F32Array) g;
                var mm = (DataBuffer.F32Array) m;
                var vv = (DataBuffer.F32Array) v;
                float[] xa = x == null ? null : ((DataBuffer.F32Array) x).array();
                int xo = x == null ? 0 : ((DataBuffer.F32Array) x).offset();
                if (checkOnly) {
                    AdamKernels.validate(h, t, gradScale, a.array(), a.offset(), gg.array(), gg.offset(), mm.array(),
                            mm.offset(), vv.array(), vv.offset(), xa, xo, a.count());
                } else {
                    AdamKernels.step(h, t, gradScale, a.array(), a.offset(), gg.array(), gg.offset(), mm.array(),
                            mm.offset(), vv.array(), vv.offset(), xa, xo, a.count());
                }
            }
            case DataBuffer.F64Array a -> {
                var gg = (DataBuffer.F64Array) g;
                var mm = (DataBuffer.F64Array) m;
                var vv = (DataBuffer.F64Array) v;
                double[] xa = x == null ? null : ((DataBuffer.F64Array) x).array();
                int xo = x == null ? 0 : ((DataBuffer.F64Array) x).offset();
                if (checkOnly) {
                    AdamKernels.validate(h, t, gradScale, a.array(), a.offset(), gg.array(), gg.offset(), mm.array(),
                            mm.offset(), vv.array(), vv.offset(), xa, xo, a.count());
                } else {
                    AdamKernels.step(h, t, gradScale, a.array(), a.offset(), gg.array(), gg.offset(), mm.array(),
                            mm.offset(), vv.array(), vv.offset(), xa, xo, a.count());
                }
            }
            case DataBuffer.HalfArray a -> {
                var gg = (DataBuffer.HalfArray) g;
                var mm = (DataBuffer.HalfArray) m;
                var vv = (DataBuffer.HalfArray) v;
                short[] xa = x == null ? null : ((DataBuffer.HalfArray) x).array();
                int xo = x == null ? 0 : ((DataBuffer.HalfArray) x).offset();
                if (checkOnly) {
                    AdamKernels.validate(h, t, gradScale, a.precision(), a.array(), a.offset(), gg.array(), gg.offset(),
                            mm.array(), mm.offset(), vv.array(), vv.offset(), xa, xo, a.count());
                } else {
                    AdamKernels.step(h, t, gradScale, a.precision(), a.array(), a.offset(), gg.array(), gg.offset(),
                            mm.array(), mm.offset(), vv.array(), vv.offset(), xa, xo, a.count());
                }
            }
            case DataBuffer.Segment a when a.precision() != m.precision() -> { // f32 parameters, 16-bit moments
                var gg = (DataBuffer.Segment) g;
                var mm = (DataBuffer.Segment) m;
                var vv = (DataBuffer.Segment) v;
                var xx = (DataBuffer.Segment) x;
                if (checkOnly) {
                    AdamKernels.validate(h, t, gradScale, a.segment(), a.offset(), gg.segment(), gg.offset(),
                            mm.precision(), mm.segment(), mm.offset(), vv.segment(), vv.offset(),
                            xx == null ? null : xx.segment(), xx == null ? 0 : xx.offset(), a.length());
                } else {
                    AdamKernels.step(h, t, gradScale, a.segment(), a.offset(), gg.segment(), gg.offset(),
                            mm.precision(), mm.segment(), mm.offset(), vv.segment(), vv.offset(),
                            xx == null ? null : xx.segment(), xx == null ? 0 : xx.offset(), a.length());
                }
            }
            case DataBuffer.Segment a -> {
                var gg = (DataBuffer.Segment) g;
                var mm = (DataBuffer.Segment) m;
                var vv = (DataBuffer.Segment) v;
                var xx = (DataBuffer.Segment) x;
                if (checkOnly) {
                    AdamKernels.validate(h, t, gradScale, a.precision(), a.segment(), a.offset(), gg.segment(),
                            gg.offset(), mm.segment(), mm.offset(), vv.segment(), vv.offset(),
                            xx == null ? null : xx.segment(), xx == null ? 0 : xx.offset(), a.length());
                } else {
                    AdamKernels.step(h, t, gradScale, a.precision(), a.segment(), a.offset(), gg.segment(),
                            gg.offset(), mm.segment(), mm.offset(), vv.segment(), vv.offset(),
                            xx == null ? null : xx.segment(), xx == null ? 0 : xx.offset(), a.length());
                }
            }
        }
    }

    /** Whether {@code b} starts right where {@code a} ends, in the same storage. Allocates nothing. */
    static boolean adjacent(DataBuffer a, DataBuffer b) {
        if (a == null || b == null) return false;
        if (a instanceof DataBuffer.F32Array x && b instanceof DataBuffer.F32Array y) {
            return x.array() == y.array() && x.offset() + x.count() == y.offset();
        }
        if (a instanceof DataBuffer.F64Array x && b instanceof DataBuffer.F64Array y) {
            return x.array() == y.array() && x.offset() + x.count() == y.offset();
        }
        if (a instanceof DataBuffer.HalfArray x && b instanceof DataBuffer.HalfArray y) {
            return x.array() == y.array() && x.precision() == y.precision() && x.offset() + x.count() == y.offset();
        }
        if (a instanceof DataBuffer.Segment x && b instanceof DataBuffer.Segment y) {
            return x.segment() == y.segment() && x.precision() == y.precision() && x.offset() + x.length() == y.offset();
        }
        return false;
    }

    /** {@code length} elements of {@code first}'s storage from {@code first}'s start (a run of adjacent views). */
    static DataBuffer span(DataBuffer first, long length) {
        return switch (first) {
            case DataBuffer.F32Array x -> new DataBuffer.F32Array(x.array(), x.offset(), (int) length);
            case DataBuffer.F64Array x -> new DataBuffer.F64Array(x.array(), x.offset(), (int) length);
            case DataBuffer.HalfArray x -> new DataBuffer.HalfArray(x.array(), x.precision(), x.offset(), (int) length);
            case DataBuffer.Segment x -> new DataBuffer.Segment(x.segment(), x.precision(), x.offset(), length);
        };
    }
}
