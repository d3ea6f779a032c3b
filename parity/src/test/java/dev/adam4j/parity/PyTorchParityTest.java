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
            for (Precision p : Precision.values()) {
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
