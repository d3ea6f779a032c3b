package dev.adam4j.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.AdamKernels;
import dev.adam4j.kernels.EpsilonMode;
import dev.adam4j.kernels.Precision;
import dev.adam4j.testing.NamedConfig;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * adam4j against libtorch's default CPU path over 100 steps from fixed random inputs, for every named
 * configuration PyTorch supports, f32 and f64, at lengths that are and are not multiples of the
 * vector widths. Params and every state buffer are compared; the measured table goes to
 * docs/pytorch-parity.md.
 */
class PyTorchParityTest {
    static final int STEPS = 100;
    static final int[] LENGTHS = {1, 15, 16, 17, 33, 1021, 4099, 100_003};
    static final List<String> ROWS = new ArrayList<>();
    static final List<String> NOTES = new ArrayList<>();

    /** Per (config, precision): elements compared, bit-identical, max ulp, mismatches outside ATen's scalar tail. */
    record Tally(long compared, long identical, long maxUlp, long outsideTail) {}

    static long ulps(double a, double b, Precision p) {
        if (Double.isNaN(a) && Double.isNaN(b)) return 0;
        if (p == Precision.F32) {
            int x = Float.floatToIntBits((float) a), y = Float.floatToIntBits((float) b);
            x = x < 0 ? Integer.MIN_VALUE - x : x;
            y = y < 0 ? Integer.MIN_VALUE - y : y;
            return Math.abs((long) x - y);
        }
        long x = Double.doubleToLongBits(a), y = Double.doubleToLongBits(b);
        x = x < 0 ? Long.MIN_VALUE - x : x;
        y = y < 0 ? Long.MIN_VALUE - y : y;
        return Math.abs(x - y);
    }

    static double get(MemorySegment s, Precision p, long i) {
        return p == Precision.F32 ? s.getAtIndex(ValueLayout.JAVA_FLOAT, i) : s.getAtIndex(ValueLayout.JAVA_DOUBLE, i);
    }

    static void set(MemorySegment s, Precision p, long i, double v) {
        if (p == Precision.F32) s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) v);
        else s.setAtIndex(ValueLayout.JAVA_DOUBLE, i, v);
    }

    /** Runs one configuration at one length; adds into the tally. {@code tail}: elements ATen finishes in scalar code. */
    static Tally run(NamedConfig c, Precision p, int n, Tally acc, int tailBlock, boolean pythonScalars) {
        AdamHyperparameters h = c.h();
        Tensor[] t = new Tensor[5];
        MemorySegment[] tm = new MemorySegment[5];
        for (int b = 0; b < 5; b++) {
            t[b] = Torch.empty(p, n);
            tm[b] = Torch.memory(t[b]);
            tm[b].fill((byte) 0);
        }
        // adam4j's own buffers: plain arrays
        MemorySegment[] a = new MemorySegment[5];
        Object[] arrays = new Object[5];
        for (int b = 0; b < 5; b++) {
            arrays[b] = p == Precision.F32 ? new float[n] : new double[n];
            a[b] = p == Precision.F32 ? MemorySegment.ofArray((float[]) arrays[b]) : MemorySegment.ofArray((double[]) arrays[b]);
        }
        SplittableRandom r = new SplittableRandom(31L * n + c.name().hashCode());
        for (int i = 0; i < n; i++) {
            double v = r.nextGaussian();
            set(tm[0], p, i, v);
            set(a[0], p, i, v);
        }
        for (int step = 1; step <= STEPS; step++) {
            for (int i = 0; i < n; i++) {
                double g = r.nextGaussian() * Math.pow(10, r.nextInt(-4, 2));
                set(tm[1], p, i, g);
                set(a[1], p, i, g);
            }
            TorchAdam.step(h, step, c.gradScale(), t[0], t[1], t[2], t[3], t[4], pythonScalars);
            if (p == Precision.F32) {
                AdamKernels.step(h, step, c.gradScale(), (float[]) arrays[0], (float[]) arrays[1], (float[]) arrays[2],
                        (float[]) arrays[3], (float[]) arrays[4]);
            } else {
                AdamKernels.step(h, step, c.gradScale(), (double[]) arrays[0], (double[]) arrays[1], (double[]) arrays[2],
                        (double[]) arrays[3], (double[]) arrays[4]);
            }
        }
        long compared = acc.compared(), identical = acc.identical(), maxUlp = acc.maxUlp(), outside = acc.outsideTail();
        int tailStart = n - n % tailBlock;
        for (int b : h.amsgrad() ? new int[] {0, 2, 3, 4} : new int[] {0, 2, 3}) {
            for (int i = 0; i < n; i++) {
                long u = ulps(get(tm[b], p, i), get(a[b], p, i), p);
                compared++;
                if (u == 0) identical++;
                else if (i < tailStart) outside++;
                maxUlp = Math.max(maxUlp, u);
            }
        }
        return new Tally(compared, identical, maxUlp, outside);
    }

    static List<NamedConfig> supported() {
        return NamedConfig.ALL.stream().filter(c -> c.h().epsilonMode() == EpsilonMode.PYTORCH).toList();
    }

    @Test
    void theElementwiseArithmeticIsBitIdenticalToAtens() {
        table("Element-wise parity: ATen's operations with adam4j's step scalars", false, true);
    }

    @Test
    void endToEndAgainstPyTorchWithPythonsStepScalars() {
        table("End to end: ATen's operations with Python's step scalars (what PyTorch computes)", true, false);
    }

    /**
     * One table; with {@code strict}, any mismatch at a position ATen computes in its vector lanes
     * fails the test (differences are allowed only in the scalar tail ATen runs for the last
     * elements of a tensor).
     */
    static void table(String title, boolean pythonScalars, boolean strict) {
        ROWS.add("\n### " + title + "\n");
        ROWS.add("| configuration | precision | elements compared | bit-identical | max ulp | mismatches outside ATen's scalar tail |");
        ROWS.add("|---|---|---:|---:|---:|---:|");
        List<String> failures = new ArrayList<>();
        List<String> f32NotIdentical = new ArrayList<>();
        for (NamedConfig c : supported()) {
            for (Precision p : new Precision[] {Precision.F32, Precision.F64}) {
                Tally tally = new Tally(0, 0, 0, 0);
                // ATen's vectorized loops step 2 vectors at a time and finish the rest in scalar code:
                // with 512-bit vectors that is the last n mod 32 (f32) or n mod 16 (f64) elements.
                int tailBlock = p == Precision.F32 ? 32 : 16;
                for (int n : LENGTHS) tally = run(c, p, n, tally, tailBlock, pythonScalars);
                ROWS.add(String.format(Locale.ROOT, "| %s | %s | %,d | %.4f%% | %d | %d |", c.name(), p, tally.compared(),
                        100.0 * tally.identical() / tally.compared(), tally.maxUlp(), tally.outsideTail()));
                if (tally.outsideTail() != 0) failures.add(c.name() + " " + p + ": " + tally.outsideTail() + " mismatches in vectorized positions");
                if (p == Precision.F32 && tally.identical() != tally.compared()) f32NotIdentical.add(c.name());
            }
        }
        if (strict) assertTrue(failures.isEmpty(), String.join("\n", failures));
        if (!pythonScalars) return;
        // End to end, f32 is bit-identical to PyTorch (the float rounding of the step scalars
        // absorbs their last-bit differences from Python's): asserted.
        assertTrue(f32NotIdentical.isEmpty(), "f32 must be bit-identical to PyTorch end to end: " + f32NotIdentical);
    }

    /**
     * libtorch's C++ frontend optimizer, {@code torch::optim::Adam}, on the configurations it supports
     * (no maximize, no decoupled decay). It updates {@code exp_avg} with {@code mul_} and
     * {@code add_(alpha)} instead of {@code lerp_}, so it is a different order of operations: the table
     * reports how close it is, and the test asserts that the parameters agree to a stated relative bound.
     */
    @Test
    void comparedWithTorchOptimAdam() {
        ROWS.add("\n### `torch::optim::Adam` (libtorch's C++ frontend) vs adam4j\n");
        ROWS.add("| configuration | precision | elements compared | bit-identical | max ulp | max relative difference of params |");
        ROWS.add("|---|---|---:|---:|---:|---:|");
        List<NamedConfig> configs = NamedConfig.ALL.stream().filter(c -> c.h().epsilonMode() == EpsilonMode.PYTORCH
                && !c.h().maximize() && c.h().weightDecayMode() != dev.adam4j.kernels.WeightDecay.DECOUPLED && c.gradScale() == 1.0).toList();
        double worst = 0;
        for (NamedConfig c : configs) {
            for (Precision p : new Precision[] {Precision.F32, Precision.F64}) {
                long compared = 0, identical = 0, maxUlp = 0;
                double maxRel = 0;
                for (int n : new int[] {17, 1021, 4099}) {
                    AdamHyperparameters h = c.h();
                    Tensor param = Torch.empty(p, n);
                    MemorySegment pm = Torch.memory(param);
                    Object ours = p == Precision.F32 ? new float[n] : new double[n];
                    Object m = p == Precision.F32 ? new float[n] : new double[n];
                    Object v = p == Precision.F32 ? new float[n] : new double[n];
                    Object x = p == Precision.F32 ? new float[n] : new double[n];
                    MemorySegment om = p == Precision.F32 ? MemorySegment.ofArray((float[]) ours) : MemorySegment.ofArray((double[]) ours);
                    SplittableRandom r = new SplittableRandom(7L * n + c.name().hashCode());
                    for (int i = 0; i < n; i++) {
                        double val = r.nextGaussian();
                        set(pm, p, i, val);
                        set(om, p, i, val);
                    }
                    param.set_requires_grad(true);
                    org.bytedeco.pytorch.AdamOptions o = new org.bytedeco.pytorch.AdamOptions(h.lr());
                    o.betas().put(0, h.beta2()).put(1, h.beta1()); // bytedeco exposes the tuple reversed
                    o.eps().put(h.eps());
                    o.weight_decay().put(h.weightDecay());
                    o.amsgrad().put(h.amsgrad());
                    org.bytedeco.pytorch.Adam adam = new org.bytedeco.pytorch.Adam(new org.bytedeco.pytorch.TensorVector(param), o);
                    Tensor g = Torch.empty(p, n);
                    MemorySegment gm = Torch.memory(g);
                    Object grad = p == Precision.F32 ? new float[n] : new double[n];
                    MemorySegment ogm = p == Precision.F32 ? MemorySegment.ofArray((float[]) grad) : MemorySegment.ofArray((double[]) grad);
                    for (int step = 1; step <= STEPS; step++) {
                        for (int i = 0; i < n; i++) {
                            double gv = r.nextGaussian() * Math.pow(10, r.nextInt(-4, 2));
                            set(gm, p, i, gv);
                            set(ogm, p, i, gv);
                        }
                        adam.zero_grad();
                        param.mul(g).sum().backward(); // d/dp sum(p·g) = g exactly
                        adam.step();
                        if (p == Precision.F32) {
                            AdamKernels.step(h, step, 1.0, (float[]) ours, (float[]) grad, (float[]) m, (float[]) v, (float[]) x);
                        } else {
                            AdamKernels.step(h, step, 1.0, (double[]) ours, (double[]) grad, (double[]) m, (double[]) v, (double[]) x);
                        }
                    }
                    for (int i = 0; i < n; i++) {
                        double a = get(pm, p, i), b = get(om, p, i);
                        long u = ulps(a, b, p);
                        compared++;
                        if (u == 0) identical++;
                        maxUlp = Math.max(maxUlp, u);
                        maxRel = Math.max(maxRel, Math.abs(a - b) / Math.max(1e-12, Math.abs(b)));
                    }
                }
                worst = Math.max(worst, maxRel);
                ROWS.add(String.format(Locale.ROOT, "| %s | %s | %,d | %.4f%% | %d | %.2e |", c.name(), p, compared,
                        100.0 * identical / compared, maxUlp, maxRel));
            }
        }
        // Different arithmetic, same algorithm: parameters of order 1 after 100 steps agree closely.
        assertTrue(worst < 1e-3, "torch::optim::Adam and adam4j diverge: max relative difference " + worst);
    }

    /**
     * PyTorch's fused CPU kernel ({@code Adam(fused=True)}): its own order of operations, so reported
     * with a stated bound rather than bit-identity.
     */
    @Test
    void comparedWithPyTorchsFusedKernel() {
        ROWS.add("\n### PyTorch's fused CPU kernel (`aten::_fused_adam_` / `_fused_adamw_`) vs adam4j\n");
        ROWS.add("| configuration | precision | elements compared | bit-identical | max ulp | max relative difference of params |");
        ROWS.add("|---|---|---:|---:|---:|---:|");
        double worst = 0;
        for (NamedConfig c : supported()) {
            if (c.gradScale() != 1.0) continue;
            for (Precision p : new Precision[] {Precision.F32, Precision.F64}) {
                long compared = 0, identical = 0, maxUlp = 0;
                double maxRel = 0;
                for (int n : new int[] {17, 1021, 4099}) {
                    AdamHyperparameters h = c.h();
                    Tensor[] t = new Tensor[5];
                    MemorySegment[] tm = new MemorySegment[5];
                    MemorySegment[] a = new MemorySegment[5];
                    Object[] arrays = new Object[5];
                    for (int b = 0; b < 5; b++) {
                        t[b] = Torch.empty(p, n);
                        tm[b] = Torch.memory(t[b]);
                        tm[b].fill((byte) 0);
                        arrays[b] = p == Precision.F32 ? new float[n] : new double[n];
                        a[b] = p == Precision.F32 ? MemorySegment.ofArray((float[]) arrays[b]) : MemorySegment.ofArray((double[]) arrays[b]);
                    }
                    Tensor step = org.bytedeco.pytorch.global.torch.zeros(new long[] {}, new org.bytedeco.pytorch.DimnameListOptional(),
                            new org.bytedeco.pytorch.TensorOptions(org.bytedeco.pytorch.global.torch.ScalarType.Float));
                    SplittableRandom r = new SplittableRandom(13L * n + c.name().hashCode());
                    for (int i = 0; i < n; i++) {
                        double val = r.nextGaussian();
                        set(tm[0], p, i, val);
                        set(a[0], p, i, val);
                    }
                    for (int s = 1; s <= STEPS; s++) {
                        for (int i = 0; i < n; i++) {
                            double gv = r.nextGaussian() * Math.pow(10, r.nextInt(-4, 2));
                            set(tm[1], p, i, gv);
                            set(a[1], p, i, gv);
                        }
                        step.add_(Torch.s(1));
                        Torch.fusedAdam(h, t[0], t[1], t[2], t[3], t[4], step);
                        if (p == Precision.F32) {
                            AdamKernels.step(h, s, 1.0, (float[]) arrays[0], (float[]) arrays[1], (float[]) arrays[2], (float[]) arrays[3], (float[]) arrays[4]);
                        } else {
                            AdamKernels.step(h, s, 1.0, (double[]) arrays[0], (double[]) arrays[1], (double[]) arrays[2], (double[]) arrays[3], (double[]) arrays[4]);
                        }
                    }
                    for (int i = 0; i < n; i++) {
                        double x = get(tm[0], p, i), y = get(a[0], p, i);
                        long u = ulps(x, y, p);
                        compared++;
                        if (u == 0) identical++;
                        maxUlp = Math.max(maxUlp, u);
                        maxRel = Math.max(maxRel, Math.abs(x - y) / Math.max(1e-12, Math.abs(y)));
                    }
                }
                worst = Math.max(worst, maxRel);
                ROWS.add(String.format(Locale.ROOT, "| %s | %s | %,d | %.4f%% | %d | %.2e |", c.name(), p, compared,
                        100.0 * identical / compared, maxUlp, maxRel));
            }
        }
        assertTrue(worst < 1e-3, "PyTorch's fused kernel and adam4j diverge: max relative difference " + worst);
    }

    /**
     * Our step scalars against Python's over a million (beta, t) pairs: {@code beta^t} (Java's
     * {@code Math.pow} vs glibc's {@code pow}) and the square root of the same input ({@code Math.sqrt}
     * vs glibc's {@code pow(x, 0.5)}, which Python's {@code ** 0.5} calls).
     */
    @Test
    void stepScalarsAgreeWithPythons() {
        double[] betas = {0.0, 0.5, 0.6, 0.9, 0.95, 0.999, 0.99999};
        int powMismatch = 0, sqrtMismatch = 0, total = 0;
        for (double b : betas) {
            for (long t = 1; t <= 100_000; t++) {
                total++;
                double python = Torch.pow(b, t);
                if (Math.pow(b, t) != python) powMismatch++;
                double bc2 = 1 - python;
                if (Math.sqrt(bc2) != Torch.pow(bc2, 0.5)) sqrtMismatch++;
            }
        }
        NOTES.add(String.format(Locale.ROOT, "Step scalars, over %,d (beta, t) pairs (t = 1..100,000, beta in %s): "
                + "`beta^t` by Java's `Math.pow` differs from glibc's `pow` (Python's `**`) in %d; for the same input, "
                + "`Math.sqrt(x)` differs from glibc's `pow(x, 0.5)` (Python's `** 0.5`) in %d (%.2f%%). glibc's `pow` is not "
                + "correctly rounded and has no Java equivalent, so these are the only source of the f64 differences in the "
                + "end-to-end table: with adam4j's scalars, the element-wise table is bit-identical. In f32 the scalars are "
                + "rounded to float, which absorbs the last-bit differences.", total, java.util.Arrays.toString(betas),
                powMismatch, sqrtMismatch, 100.0 * sqrtMismatch / total));
        assertTrue(powMismatch < total / 1000, "beta^t differs from Python's in " + powMismatch + " of " + total);
        assertTrue(sqrtMismatch < total / 100, "sqrt differs from Python's pow(x, 0.5) in " + sqrtMismatch + " of " + total);
    }

    @AfterAll
    static void writeReport() throws IOException {
        String path = System.getProperty("parity.report");
        if (path == null || ROWS.isEmpty()) return;
        StringBuilder md = new StringBuilder("# adam4j vs PyTorch: measured parity\n\n");
        md.append("Generated by `PyTorchParityTest` (parity module, run by the README's test command) against libtorch ")
          .append("2.10.0 (bytedeco `pytorch:2.10.0-1.5.13`, CPU, one intra-op thread). For each configuration: ")
          .append(STEPS).append(" steps from fixed random inputs at lengths ").append(java.util.Arrays.toString(LENGTHS))
          .append("; parameters, `exp_avg`, `exp_avg_sq` and (amsgrad) `max_exp_avg_sq` compared element by element. ")
          .append("The reference is PyTorch's default path, `_single_tensor_adam`, executed as its sequence of ATen ops ")
          .append("with the step scalars computed as Python does. adam4j runs its Vector API kernel (")
          .append(AdamKernels.vectorBitSize()).append("-bit). EPS_HAT configurations have no PyTorch counterpart.\n\n");
        ROWS.forEach(r -> md.append(r).append('\n'));
        md.append("\n");
        NOTES.forEach(n -> md.append(n).append("\n\n"));
        Files.createDirectories(Path.of(path).getParent());
        Files.writeString(Path.of(path), md.toString());
    }
}
