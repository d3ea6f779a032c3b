package dev.adam4j.parity;

import static dev.adam4j.parity.Torch.s;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.adam4j.kernels.Precision;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.function.IntToDoubleFunction;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The order-of-operations contract, checked op by op against libtorch: each ATen operation that
 * {@code _single_tensor_adam} runs equals, bit for bit on 4,096 elements (vector lanes only: no
 * scalar tail), the formula adam4j's kernels use. This is how the FMA policy was established, and it
 * fails if a libtorch upgrade changes one of them.
 */
class AtenOpsTest {
    static final int N = 4096;

    static double[] rnd(long seed, double scale, boolean positive) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] a = new double[N];
        for (int i = 0; i < N; i++) a[i] = positive ? Math.abs(r.nextGaussian() * scale) : r.nextGaussian() * scale;
        return a;
    }

    static Tensor t(double[] a, Precision p) {
        Tensor x = Torch.empty(p, N);
        MemorySegment m = Torch.memory(x);
        for (int i = 0; i < N; i++) PyTorchParityTest.set(m, p, i, a[i]);
        return x;
    }

    static double[] read(Tensor x, Precision p) {
        MemorySegment m = Torch.memory(x);
        double[] out = new double[N];
        for (int i = 0; i < N; i++) out[i] = PyTorchParityTest.get(m, p, i);
        return out;
    }

    /** Rounds to the precision: the value of a float or double in that precision's arithmetic. */
    static double r(Precision p, double x) {
        return p == Precision.F32 ? (float) x : x;
    }

    static double fma(Precision p, double a, double b, double c) {
        return p == Precision.F32 ? Math.fma((float) a, (float) b, (float) c) : Math.fma(a, b, c);
    }

    static void same(String op, double[] aten, IntToDoubleFunction ours, Precision p) {
        int bad = 0;
        for (int i = 0; i < N; i++) if (PyTorchParityTest.ulps(aten[i], ours.applyAsDouble(i), p) != 0) bad++;
        assertEquals(0, bad, op + ": elements where ATen differs from adam4j's formula");
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"F32", "F64"}) // 16-bit: their own tests
    void eachAtenOperationIsTheFormulaTheKernelUses(Precision p) {
        double[] m = rnd(1, 1e-2, false), g = rnd(2, 1e-1, false), v = rnd(3, 1e-3, true), q = rnd(4, 1, false);
        for (int i = 0; i < N; i++) { m[i] = r(p, m[i]); g[i] = r(p, g[i]); v[i] = r(p, v[i]); q[i] = r(p, q[i]); }
        double w = r(p, 1 - 0.9), b2 = r(p, 0.999), omb2 = r(p, 1 - 0.999), wd = r(p, 0.1);

        Tensor tm = t(m, p);
        tm.lerp_(t(g, p), s(1 - 0.9));
        double[] lerp = read(tm, p);
        same("lerp_ (|w| < 0.5)", lerp, i -> fma(p, w, r(p, g[i] - m[i]), m[i]), p);

        Tensor tl = t(m, p);
        tl.lerp_(t(g, p), s(1 - 0.2));
        double w2 = r(p, 1 - 0.2);
        same("lerp_ (|w| >= 0.5)", read(tl, p), i -> fma(p, -r(p, g[i] - m[i]), r(p, 1 - w2), g[i]), p);

        Tensor tv = t(v, p);
        tv.mul_(s(0.999));
        double[] mul = read(tv, p);
        same("mul_", mul, i -> r(p, v[i] * b2), p);
        tv.addcmul_(t(g, p), t(g, p), s(1 - 0.999));
        double[] addcmul = read(tv, p);
        same("addcmul_ (fused)", addcmul, i -> fma(p, r(p, omb2 * g[i]), g[i], mul[i]), p);

        double bc2 = 0.0547;
        Tensor sq = t(addcmul, p).sqrt();
        double[] sqrt = read(sq, p);
        same("sqrt", sqrt, i -> r(p, Math.sqrt(addcmul[i])), p);
        Tensor dv = sq.div(s(bc2));
        double[] div = read(dv, p);
        same("div by a scalar (true division)", div, i -> r(p, sqrt[i] / r(p, bc2)), p);
        dv.add_(s(1e-8));
        double[] denom = read(dv, p);
        same("add_ eps", denom, i -> r(p, div[i] + r(p, 1e-8)), p);

        double step = -1e-3 / 0.271;
        Tensor tp = t(q, p);
        tp.addcdiv_(t(lerp, p), t(denom, p), s(step));
        same("addcdiv_", read(tp, p), i -> r(p, q[i] + r(p, r(p, r(p, step) * lerp[i]) / denom[i])), p);

        same("add with alpha (L2)", read(t(g, p).add(t(q, p), s(0.1)), p), i -> fma(p, q[i], wd, g[i]), p);
        Tensor dec = t(q, p);
        dec.mul_(s(1 - 1e-3 * 0.01));
        same("mul_ (decoupled decay)", read(dec, p), i -> r(p, q[i] * r(p, 1 - 1e-3 * 0.01)), p);
        Tensor mx = t(v, p);
        torch.maximum_out(mx, mx, t(addcmul, p));
        same("maximum", read(mx, p), i -> Math.max(v[i], addcmul[i]), p);
        same("neg", read(t(g, p).neg(), p), i -> -g[i], p);
        same("mul (gradScale)", read(t(g, p).mul(s(0.5)), p), i -> r(p, r(p, 0.5) * g[i]), p);
    }
}
