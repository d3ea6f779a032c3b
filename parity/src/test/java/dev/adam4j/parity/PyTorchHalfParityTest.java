package dev.adam4j.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.AdamKernels;
import dev.adam4j.kernels.EpsilonMode;
import dev.adam4j.kernels.Precision;
import dev.adam4j.kernels.ReducedFloats;
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
import org.bytedeco.pytorch.DimnameListOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * adam4j's bf16 and f16 kernels against PyTorch's fused CPU kernel on {@code torch.bfloat16} and
 * {@code torch.float16} tensors ({@code aten::_fused_adam_} / {@code _fused_adamw_}, what
 * {@code torch.optim.Adam(fused=True)} runs): every named configuration PyTorch supports, 100 steps
 * from fixed random inputs, parameters and every state buffer compared bit for bit in the storage
 * type, at lengths that are and are not multiples of ATen's vector width. The measured table goes to
 * {@code docs/pytorch-parity-reduced.md}.
 *
 * <p>adam4j's {@code gradScale} multiplies the gradient; the fused kernel's {@code grad_scale}
 * divides it: the configuration with {@code gradScale} 0.5 passes {@code grad_scale} = 2, which is
 * the same f32 operation ({@code g/2 ≡ g·0.5}, exact).
 */
class PyTorchHalfParityTest {
    static final int STEPS = 100;
    static final int[] LENGTHS = {1, 17, 31, 32, 33, 1021, 4099, 65_537};
    static final List<String> ROWS = new ArrayList<>();
    static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT;

    /** Distance in units in the last place of the 16-bit type: the bit patterns in sign-magnitude order. */
    static long ulps16(short a, short b) {
        int x = a, y = b; // sign-extended: negative patterns are negative ints
        x = x < 0 ? (short) 0x8000 - x : x;
        y = y < 0 ? (short) 0x8000 - y : y;
        return Math.abs((long) x - y);
    }

    record Tally(long compared, long identical, long maxUlp, long vectorMismatches) {
        Tally plus(Tally o) {
            return new Tally(compared + o.compared, identical + o.identical, Math.max(maxUlp, o.maxUlp),
                    vectorMismatches + o.vectorMismatches);
        }
    }

    /** ATen's reduced-precision loop: 32 16-bit lanes (one AVX-512 vector of bf16/f16) per iteration, then scalar code. */
    static final int ATEN_BLOCK = 32;

    static Tally run(NamedConfig c, Precision p, int n) {
        AdamHyperparameters h = c.h();
        Tensor[] t = new Tensor[5];
        MemorySegment[] tm = new MemorySegment[5];
        short[][] a = new short[5][n];
        for (int b = 0; b < 5; b++) {
            t[b] = Torch.empty(p, n);
            tm[b] = Torch.memory(t[b]);
            tm[b].fill((byte) 0);
        }
        Tensor step = torch.zeros(new long[] {}, new DimnameListOptional(), new TensorOptions(torch.ScalarType.Float));
        Tensor gradScale = null;
        if (c.gradScale() != 1.0) {
            gradScale = torch.zeros(new long[] {}, new DimnameListOptional(), new TensorOptions(torch.ScalarType.Float));
            gradScale.add_(Torch.s(1.0 / c.gradScale()));
        }
        SplittableRandom r = new SplittableRandom(31L * n + c.name().hashCode() + p.ordinal());
        for (int i = 0; i < n; i++) {
            short v = ReducedFloats.fromFloat(p, (float) r.nextGaussian());
            a[0][i] = v;
            tm[0].setAtIndex(S, i, v);
        }
        for (int s = 1; s <= STEPS; s++) {
            for (int i = 0; i < n; i++) {
                short g = ReducedFloats.fromFloat(p, (float) (r.nextGaussian() * Math.pow(10, r.nextInt(-4, 2))));
                a[1][i] = g;
                tm[1].setAtIndex(S, i, g);
            }
            step.add_(Torch.s(1));
            Torch.fusedAdam(h, t[0], t[1], t[2], t[3], t[4], step, gradScale);
            AdamKernels.step(h, s, c.gradScale(), p, a[0], 0, a[1], 0, a[2], 0, a[3], 0, a[4], 0, n);
        }
        long compared = 0, identical = 0, maxUlp = 0, vector = 0;
        int tailStart = n - n % ATEN_BLOCK;
        for (int b : h.amsgrad() ? new int[] {0, 2, 3, 4} : new int[] {0, 2, 3}) {
            for (int i = 0; i < n; i++) {
                short x = tm[b].getAtIndex(S, i), y = a[b][i];
                boolean bothNaN = Float.isNaN(ReducedFloats.toFloat(p, x)) && Float.isNaN(ReducedFloats.toFloat(p, y));
                long u = bothNaN ? 0 : ulps16(x, y);
                compared++;
                if (u == 0) identical++;
                else if (i < tailStart) vector++;
                maxUlp = Math.max(maxUlp, u);
            }
        }
        return new Tally(compared, identical, maxUlp, vector);
    }

    @Test
    void bf16AndF16AreBitIdenticalToPyTorchsFusedKernel() {
        ROWS.add("| configuration | storage | elements compared | bit-identical | max ulp (storage type) | mismatches in ATen's vector lanes |");
        ROWS.add("|---|---|---:|---:|---:|---:|");
        List<String> failures = new ArrayList<>();
        long all = 0, same = 0;
        for (NamedConfig c : NamedConfig.ALL) {
            if (c.h().epsilonMode() != EpsilonMode.PYTORCH) continue; // adam4j's own; no PyTorch counterpart
            for (Precision p : new Precision[] {Precision.BF16, Precision.F16}) {
                Tally tally = new Tally(0, 0, 0, 0);
                for (int n : LENGTHS) tally = tally.plus(run(c, p, n));
                ROWS.add(String.format(Locale.ROOT, "| %s | %s | %,d | %.4f%% | %d | %d |", c.name(), p, tally.compared(),
                        100.0 * tally.identical() / tally.compared(), tally.maxUlp(), tally.vectorMismatches()));
                all += tally.compared();
                same += tally.identical();
                if (tally.identical() != tally.compared()) failures.add(c.name() + " " + p + ": " + (tally.compared() - tally.identical())
                        + " elements differ, max " + tally.maxUlp() + " ulp");
            }
        }
        ROWS.add("");
        ROWS.add(String.format(Locale.ROOT, "In all: %,d of %,d elements bit-identical (%.4f%%).", same, all, 100.0 * same / all));
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        assertEquals(all, same);
    }

    @AfterAll
    static void writeReport() throws IOException {
        String path = System.getProperty("parity.report");
        if (path == null || ROWS.isEmpty()) return;
        StringBuilder md = new StringBuilder("# adam4j bf16/f16 vs PyTorch's fused CPU kernel: measured parity\n\n");
        md.append("Generated by `PyTorchHalfParityTest` (parity module, run by the README's test command) against libtorch ")
          .append("2.10.0 (bytedeco `pytorch:2.10.0-1.5.13`, CPU, one intra-op thread). Reference: `aten::_fused_adam_` / ")
          .append("`_fused_adamw_` (what `torch.optim.Adam(fused=True)` / `AdamW(fused=True)` run) on `torch.bfloat16` and ")
          .append("`torch.float16` tensors, parameters, gradients and every moment in the 16-bit type. For each configuration: ")
          .append(STEPS).append(" steps from fixed random inputs at lengths ").append(java.util.Arrays.toString(LENGTHS))
          .append("; parameters, `exp_avg`, `exp_avg_sq` and (amsgrad) `max_exp_avg_sq` compared bit for bit (two NaNs count ")
          .append("as equal). adam4j runs its Vector API kernel (").append(AdamKernels.vectorBitSize()).append("-bit f32 lanes) ")
          .append("through `AdamKernels.step` on `short[]`. The step scalars are adam4j's (`Math.pow`) against ATen's `std::pow`. ")
          .append("ATen finishes the last `n mod 32` elements of a tensor in scalar code; the last column counts mismatches ")
          .append("before that tail. EPS_HAT configurations have no PyTorch counterpart.\n\n");
        ROWS.forEach(r -> md.append(r).append('\n'));
        Path out = Path.of(path).resolveSibling("pytorch-parity-reduced.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, md.toString());
    }
}
