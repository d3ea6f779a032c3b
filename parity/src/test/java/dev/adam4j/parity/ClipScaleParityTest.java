package dev.adam4j.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.Precision;
import dev.adam4j.kernels.WeightDecay;
import dev.adam4j.optim.Adam;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.Param;
import dev.adam4j.optim.amp.GradScaler;
import dev.adam4j.optim.clip.ClipGrad;
import dev.adam4j.testing.NamedConfig;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.LongArrayRefOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Gradient clipping and loss scaling against libtorch 2.10's own kernels: the total norm as
 * {@code clip_grad_norm_} computes it ({@code _foreach_norm}, then {@code linalg_vector_norm} of the
 * stacked norms), the clip coefficient ({@code reciprocal(total + 1e-6) · max_norm}, clamped), and
 * PyTorch's {@code GradScaler} protocol with its real kernels ({@code _amp_foreach_non_finite_check_and_unscale_},
 * {@code _amp_update_scale_}) around PyTorch's default Adam, against adam4j's {@link GradScaler} with the
 * unscale and the clip folded into the step. The measured agreement goes to docs/clipping-parity.md.
 */
class ClipScaleParityTest {
    static final List<String> ROWS = new ArrayList<>();

    static IValueVector call(String op, String overload, IValue... args) {
        IValueVector stack = new IValueVector(args);
        Dispatcher.singleton().callBoxed(Dispatcher.singleton().findSchemaOrThrow(op, overload), stack);
        return stack;
    }

    /** PyTorch 2.x's {@code _get_total_norm}: per-tensor norms in the tensors' dtype, then the norm of their stack. */
    static Tensor torchTotalNorm(Tensor[] grads, double p) {
        TensorVector norms = call("aten::_foreach_norm", "Scalar", Torch.tensorList(grads), new IValue(p), new IValue())
                .get(0).toTensorVector();
        return torch.linalg_vector_norm(torch.stack(norms), new Scalar(p), new LongArrayRefOptional(), false, new ScalarTypeOptional());
    }

    /** {@code torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)} as Python evaluates it. */
    static Tensor torchCoefficient(Tensor total, double maxNorm) {
        return total.add(new Scalar(1e-6)).reciprocal().mul(new Scalar(maxNorm)).clamp_max(new Scalar(1.0));
    }

    static double item(Tensor t, Precision p) {
        return p == Precision.F64 ? t.item_double() : t.item_float();
    }

    private static final List<Tensor> KEEP = new ArrayList<>();

    /** Keeps a tensor whose memory adam4j uses alive for the test's duration. */
    static Tensor keep(Tensor t) {
        KEEP.add(t);
        return t;
    }

    /** Stores {@code v} rounded to {@code p}; returns the stored value. */
    static double put(MemorySegment s, Precision p, long i, double v) {
        switch (p) {
            case F32 -> s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, (float) v);
            case F64 -> s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, i, v);
            case BF16, F16 -> s.setAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, i, dev.adam4j.kernels.ReducedFloats.fromFloat(p, (float) v));
        }
        return switch (p) {
            case F32 -> s.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i);
            case F64 -> s.getAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, i);
            case BF16, F16 -> dev.adam4j.kernels.ReducedFloats.toFloat(p, s.getAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT, i));
        };
    }

    /** Distance in units in the last place of {@code p}. */
    static long ulps(double a, double b, Precision p) {
        if (!p.isReduced()) return PyTorchParityTest.ulps(a, b, p);
        if (Double.isNaN(a) && Double.isNaN(b)) return 0;
        int x = dev.adam4j.kernels.ReducedFloats.fromFloat(p, (float) a), y = dev.adam4j.kernels.ReducedFloats.fromFloat(p, (float) b);
        x = (x & 0x8000) != 0 ? 0x8000 - (x & 0xFFFF) : x & 0xFFFF;
        y = (y & 0x8000) != 0 ? 0x8000 - (y & 0xFFFF) : y & 0xFFFF;
        return Math.abs(x - y);
    }

    static Tensor zeros(torch.ScalarType type, long... shape) {
        return torch.zeros(shape, new org.bytedeco.pytorch.DimnameListOptional(), new TensorOptions(type));
    }

    /** Gradient values with magnitudes spread over 10^-6 .. 10^3, one scale per tensor. */
    static double grad(SplittableRandom r, double tensorScale) {
        return r.nextGaussian() * tensorScale * Math.pow(10, r.nextInt(-1, 2));
    }

    @Test
    void totalNormsAndCoefficientsAgainstClipGradNorm() {
        ROWS.add("## Total gradient norm and clip coefficient vs `torch.nn.utils.clip_grad_norm_`\n");
        ROWS.add("200 random sets of 1–6 gradients each (lengths from 1 to 150,001, magnitudes 10^-6 to 10^3 varying per "
                + "tensor, 10^-5 to 10^1 for bf16/f16; adam4j reads the tensors' memory); PyTorch's total is `linalg_vector_norm(stack(_foreach_norm(grads, p)), p)`, adam4j's "
                + "`ClipGrad.totalNorm`; the coefficient uses max_norm = total / 3 (so it clips).\n");
        ROWS.add("| precision | norm type | totals identical | max ulp between the totals | coefficients identical when totals are | coefficients identical | max ulp from the exact 2-norm: PyTorch / adam4j |");
        ROWS.add("|---|---|---:|---:|---:|---:|---|");
        int[] lengths = {1, 7, 100, 1021, 4099, 65_537, 150_001};
        for (Precision p : Precision.values()) {
            for (double normType : new double[] {2.0, 1.0, 3.0, Double.POSITIVE_INFINITY}) {
                int trials = 200, same = 0, coefSame = 0, coefSameWhenTotal = 0;
                long maxUlp = 0, theirExactUlp = 0, ourExactUlp = 0;
                SplittableRandom r = new SplittableRandom(p.ordinal() * 100 + (long) normType);
                for (int trial = 0; trial < trials; trial++) {
                    int count = r.nextInt(1, 7);
                    Tensor[] tg = new Tensor[count];
                    List<Param> params = new ArrayList<>();
                    double exactSum = 0, compensation = 0; // Neumaier: the f32 squares are exact doubles
                    for (int k = 0; k < count; k++) {
                        int n = lengths[r.nextInt(trial < 150 ? 5 : lengths.length)];
                        tg[k] = keep(Torch.empty(p, n)); // adam4j reads its memory after PyTorch's last use of it
                        MemorySegment tm = Torch.memory(tg[k]);
                        double tensorScale = Math.pow(10, p.isReduced() ? r.nextInt(-4, 1) : r.nextInt(-5, 3)); // f16 overflows past 65,504
                        for (int i = 0; i < n; i++) {
                            double x = put(tm, p, i, grad(r, tensorScale));
                            double sq = x * x, tsum = exactSum + sq;
                            compensation += Math.abs(exactSum) >= sq ? (exactSum - tsum) + sq : (sq - tsum) + exactSum;
                            exactSum = tsum;
                        }
                        // adam4j reads the tensor's own memory (zero copy); the parameter is another tensor's
                        Param param = Param.of("p" + k, new DataBuffer.Segment(Torch.memory(keep(Torch.empty(p, n))), p, 0, n));
                        param.setGrad(new DataBuffer.Segment(tm, p, 0, n));
                        params.add(param);
                    }
                    Adam opt = new Adam(params);
                    Tensor total = torchTotalNorm(tg, normType);
                    double theirs = item(total, p), ours = ClipGrad.totalNorm(ClipGrad.grads(opt), normType);
                    long u = ulps(theirs, ours, p);
                    maxUlp = Math.max(maxUlp, u);
                    if (p == Precision.F32 && normType == 2.0) {
                        float exact = (float) Math.sqrt(exactSum + compensation);
                        theirExactUlp = Math.max(theirExactUlp, ulps(exact, theirs, p));
                        ourExactUlp = Math.max(ourExactUlp, ulps(exact, ours, p));
                    }
                    double maxNorm = Double.isFinite(theirs) ? theirs / 3 : 1.0; // an f16 total can overflow
                    double theirCoef = item(torchCoefficient(total, maxNorm), p);
                    double ourCoef = ClipGrad.coefficient(ours, maxNorm, p);
                    if (u == 0) {
                        same++;
                        assertEquals(theirCoef, ourCoef, () -> "same total, other coefficient: " + theirs + " " + p);
                        coefSameWhenTotal++;
                    }
                    if (theirCoef == ourCoef) coefSame++;
                }
                boolean exactColumn = p == Precision.F32 && normType == 2.0;
                ROWS.add(String.format(Locale.ROOT, "| %s | %s | %d / %d | %d | %d / %d | %d / %d | %s |", p,
                        normType == Double.POSITIVE_INFINITY ? "inf" : String.valueOf(normType), same, trials, maxUlp,
                        coefSameWhenTotal, same, coefSame, trials, exactColumn ? theirExactUlp + " / " + ourExactUlp : "–"));
                // adam4j's double accumulation leaves only the per-gradient roundings PyTorch's data flow has too:
                // at most 1 ulp from the exact value, measured over these 200 sets
                if (exactColumn) assertTrue(ourExactUlp <= 1, "adam4j's f32 total is " + ourExactUlp + " ulp from the exact norm");
                // The max norm is exact in both; the sums differ by PyTorch's own rounding: in f32 it accumulates in
                // f32 (an error that grows with the length), in f64 both are within a few ulp of the exact sum.
                if (normType == Double.POSITIVE_INFINITY) assertEquals(trials, same, "the largest magnitude is exact");
                // PyTorch accumulates f32 in f32 (see the table for the measured maxima); bf16/f16 norms are
                // computed in f32 and rounded to 16 bits, where both sides agree within a few 16-bit ulp
                long bound = switch (p) { case F32 -> 2048; case F64 -> 256; case BF16, F16 -> 4; };
                assertTrue(maxUlp <= bound, p + " p=" + normType + ": " + maxUlp + " ulp");
            }
        }
    }

    static AdamOptions options(AdamHyperparameters h) {
        return AdamOptions.of().lr(h.lr()).betas(h.beta1(), h.beta2()).eps(h.eps()).weightDecay(h.weightDecay())
                .decoupledWeightDecay(h.weightDecayMode() == WeightDecay.DECOUPLED).amsgrad(h.amsgrad()).maximize(h.maximize());
    }

    /**
     * PyTorch's GradScaler protocol with its own kernels, around its default Adam (which adam4j matches
     * bit for bit), against adam4j's GradScaler with the unscale (and the clip) folded into the step:
     * 60 steps, overflows (inf and NaN) injected at fixed steps, growth interval 4, the default power-of-two
     * scale. Compared after every step: skipped or not, the scale, parameters and every moment.
     */
    @Test
    void gradScalerProtocolAgainstPyTorchsAmpKernels() {
        ROWS.add("\n## GradScaler vs PyTorch's `_amp_foreach_non_finite_check_and_unscale_` + `_amp_update_scale_` + Adam\n");
        ROWS.add("60 steps, 3 f32 tensors (17, 1,021 and 4,099 elements), gradients = the loss scale × N(0,1)·10^k, an inf or "
                + "NaN injected at steps 7, 8, 20 and 41, init_scale 2^16, growth_interval 4. PyTorch: `unscale_` (the real "
                + "AMP kernel), optionally `clip_grad_norm_(1.0)` (as above), skip or `_single_tensor_adam`'s ops, "
                + "`_amp_update_scale_`. adam4j: `GradScaler.step` (unscale folded into the step), optionally "
                + "`GradScaler.clipGradNorm(1.0)` (unscale and clip folded).\n");
        ROWS.add("| configuration | clip | steps skipped (both) | scale trajectory identical | steps with identical clip coefficient | parameters & moments bit-identical after 60 steps | max relative difference of the parameters |");
        ROWS.add("|---|---|---:|---|---:|---|---:|");
        int[] lengths = {17, 1021, 4099};
        java.util.Set<Integer> overflow = java.util.Set.of(7, 8, 20, 41);
        for (String name : List.of("default", "decoupled wd 0.01", "amsgrad + wd")) {
            AdamHyperparameters h = NamedConfig.ALL.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow().h();
            for (boolean clip : new boolean[] {false, true}) {
                SplittableRandom r = new SplittableRandom(name.hashCode() + (clip ? 1 : 0));
                Tensor[][] t = new Tensor[3][5];
                MemorySegment[][] tm = new MemorySegment[3][5];
                List<Param> params = new ArrayList<>();
                float[][] grads = new float[3][];
                for (int k = 0; k < 3; k++) {
                    for (int b = 0; b < 5; b++) {
                        t[k][b] = Torch.empty(Precision.F32, lengths[k]);
                        tm[k][b] = Torch.memory(t[k][b]);
                        tm[k][b].fill((byte) 0);
                    }
                    float[] w = new float[lengths[k]];
                    for (int i = 0; i < w.length; i++) {
                        w[i] = (float) r.nextGaussian();
                        PyTorchParityTest.set(tm[k][0], Precision.F32, i, w[i]);
                    }
                    Param p = Param.of("p" + k, w);
                    grads[k] = new float[lengths[k]];
                    p.setGrad(DataBuffer.of(grads[k]));
                    params.add(p);
                }
                Adam opt = new Adam(params, options(h));
                GradScaler scaler = new GradScaler(65536.0, 2.0, 0.5, 4, true);
                Tensor scale = zeros(torch.ScalarType.Float, 1).add_(new Scalar(65536.0));
                Tensor tracker = zeros(torch.ScalarType.Int, 1);
                int skipped = 0, coefSame = 0, clipSteps = 0;
                boolean scalesSame = true, identicalSoFar = true;
                long step = 0;
                for (int s = 1; s <= 60; s++) {
                    float sc = scale.item_float();
                    scalesSame &= sc == (float) scaler.getScale();
                    for (int k = 0; k < 3; k++) {
                        for (int i = 0; i < lengths[k]; i++) {
                            float g = (float) (sc * r.nextGaussian() * Math.pow(10, r.nextInt(-3, 1)));
                            grads[k][i] = g;
                            PyTorchParityTest.set(tm[k][1], Precision.F32, i, g);
                        }
                    }
                    if (overflow.contains(s)) {
                        float bad = s % 2 == 0 ? Float.NaN : Float.POSITIVE_INFINITY;
                        grads[1][5] = bad;
                        PyTorchParityTest.set(tm[1][1], Precision.F32, 5, bad);
                    }
                    // PyTorch: scaler.unscale_(opt); [clip_grad_norm_]; scaler.step(opt); scaler.update()
                    Tensor foundInf = zeros(torch.ScalarType.Float, 1);
                    Tensor inv = scale.to(torch.ScalarType.Double).reciprocal().to(torch.ScalarType.Float);
                    Tensor[] tgrads = {t[0][1], t[1][1], t[2][1]};
                    call("aten::_amp_foreach_non_finite_check_and_unscale_", "", Torch.tensorList(tgrads), new IValue(foundInf), new IValue(inv));
                    double theirCoef = 1, ourCoef = 1;
                    double ourNorm = clip ? scaler.clipGradNorm(opt, 1.0) : Double.NaN;
                    if (clip) {
                        Tensor coef = torchCoefficient(torchTotalNorm(tgrads, 2.0), 1.0);
                        theirCoef = coef.item_float();
                        for (Tensor g : tgrads) g.mul_(coef);
                        if (Double.isFinite(ourNorm)) {
                            ourCoef = ClipGrad.coefficient(ourNorm, 1.0, true);
                            clipSteps++;
                            if (theirCoef == ourCoef) coefSame++;
                            else identicalSoFar = false;
                        }
                    }
                    boolean theySkip = foundInf.item_float() != 0;
                    if (!theySkip) {
                        step++;
                        for (int k = 0; k < 3; k++) TorchAdam.step(h, step, 1.0, t[k][0], t[k][1], t[k][2], t[k][3], t[k][4]);
                    }
                    call("aten::_amp_update_scale_", "", new IValue(scale), new IValue(tracker), new IValue(foundInf),
                            new IValue(2.0), new IValue(0.5), new IValue(4L));
                    boolean weStepped = scaler.step(opt);
                    scaler.update();
                    assertEquals(theySkip, !weStepped, "step " + s + ": skip decisions differ");
                    assertEquals(overflow.contains(s), theySkip, "step " + s);
                    if (theySkip) skipped++;
                }
                scalesSame &= scale.item_float() == (float) scaler.getScale();
                assertTrue(scalesSame, "the scale trajectories differ");
                long maxUlp = 0;
                double maxRel = 0;
                for (int k = 0; k < 3; k++) {
                    Param p = params.get(k);
                    for (int i = 0; i < lengths[k]; i++) {
                        double x = PyTorchParityTest.get(tm[k][0], Precision.F32, i), y = p.data().get(i);
                        maxRel = Math.max(maxRel, Math.abs(x - y) / Math.max(1e-3, Math.abs(x)));
                    }
                    DataBuffer[] ours = {p.data(), null, opt.state(p).expAvg(), opt.state(p).expAvgSq(),
                            h.amsgrad() ? opt.state(p).maxExpAvgSq() : null};
                    assertEquals(step, opt.state(p).step());
                    for (int b : new int[] {0, 2, 3, 4}) {
                        if (ours[b] == null) continue;
                        for (int i = 0; i < lengths[k]; i++) {
                            maxUlp = Math.max(maxUlp, PyTorchParityTest.ulps(PyTorchParityTest.get(tm[k][b], Precision.F32, i),
                                    ours[b].get(i), Precision.F32));
                        }
                    }
                }
                if (identicalSoFar) assertEquals(0, maxUlp, name + " clip=" + clip + ": every coefficient agreed, so every bit must");
                ROWS.add(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %.1e |", name, clip ? "1.0" : "no", skipped,
                        scalesSame ? "yes" : "no", clip ? coefSame + " / " + clipSteps : "–", maxUlp == 0 ? "yes" : "no", maxRel));
                if (!clip) assertEquals(0, maxUlp, name + ": without clipping the scaled step must be PyTorch's bit for bit");
                // with clipping the coefficients differ where the f32 totals do (an ulp or a few): a bounded drift
                assertTrue(maxRel < 1e-4, name + ": parameters drift by " + maxRel);
            }
        }
    }

    /**
     * PyTorch's fused CPU kernel with its AMP arguments, as {@code GradScaler.step} drives a fused Adam:
     * {@code grad_scale} (the kernel divides the gradients by it) and {@code found_inf} (the kernel then
     * changes nothing, and torch.optim takes the step count back). adam4j's GradScaler skips the same
     * steps and leaves every bit as it was; the stepped values agree with the fused kernel as the unscaled
     * ones do (docs/pytorch-parity.md: its own order of operations).
     */
    @Test
    void fusedKernelsGradScaleAndFoundInf() {
        ROWS.add("\n## GradScaler vs PyTorch's fused kernel with `grad_scale` and `found_inf`\n");
        ROWS.add("40 steps, f32, 1,021 elements, init_scale 2^16 (growth_interval 10^6: the scale only backs off), an inf or NaN at "
                + "steps 5, 6 and 17: `_fused_adam_`/`_fused_adamw_` get `grad_scale` and `found_inf` as torch.optim passes "
                + "them, `_amp_update_scale_` follows.\n");
        ROWS.add("| configuration | skipped steps unchanged (both) | max ulp of the parameters after 40 steps |");
        ROWS.add("|---|---|---:|");
        int n = 1021;
        java.util.Set<Integer> overflow = java.util.Set.of(5, 6, 17);
        for (String name : List.of("default", "decoupled wd 0.01", "amsgrad + wd")) {
            AdamHyperparameters h = NamedConfig.ALL.stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow().h();
            SplittableRandom r = new SplittableRandom(name.hashCode());
            Tensor[] t = new Tensor[5];
            MemorySegment[] tm = new MemorySegment[5];
            for (int b = 0; b < 5; b++) {
                t[b] = Torch.empty(Precision.F32, n);
                tm[b] = Torch.memory(t[b]);
                tm[b].fill((byte) 0);
            }
            float[] w = new float[n], g = new float[n];
            for (int i = 0; i < n; i++) {
                w[i] = (float) r.nextGaussian();
                PyTorchParityTest.set(tm[0], Precision.F32, i, w[i]);
            }
            Param p = Param.of("w", w);
            p.setGrad(DataBuffer.of(g));
            Adam opt = new Adam(List.of(p), options(h));
            GradScaler scaler = new GradScaler(65536.0, 2.0, 0.5, 1_000_000, true);
            Tensor scale = zeros(torch.ScalarType.Float).add_(new Scalar(65536.0));
            Tensor step = zeros(torch.ScalarType.Float);
            Tensor tracker = zeros(torch.ScalarType.Int, 1);
            boolean unchanged = true;
            for (int s = 1; s <= 40; s++) {
                float sc = scale.item_float();
                assertEquals(sc, (float) scaler.getScale(), "step " + s + ": the scales differ");
                for (int i = 0; i < n; i++) {
                    g[i] = (float) (sc * r.nextGaussian() * Math.pow(10, r.nextInt(-3, 1)));
                    PyTorchParityTest.set(tm[1], Precision.F32, i, g[i]);
                }
                if (overflow.contains(s)) {
                    g[100] = s % 2 == 0 ? Float.NaN : Float.NEGATIVE_INFINITY;
                    PyTorchParityTest.set(tm[1], Precision.F32, 100, g[100]);
                }
                Tensor foundInf = zeros(torch.ScalarType.Float, 1);
                call("aten::_amp_foreach_non_finite_check_and_unscale_", "", Torch.tensorList(t[1]), new IValue(foundInf),
                        new IValue(zeros(torch.ScalarType.Float, 1).add_(new Scalar(1.0))));
                byte[] before = tm[0].toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                float[] ours = w.clone();
                step.add_(new Scalar(1));
                Torch.fusedAdam(h, t[0], t[1], t[2], t[3], t[4], step, scale, foundInf);
                step.sub_(foundInf.reshape(new long[] {}));
                call("aten::_amp_update_scale_", "", new IValue(scale), new IValue(tracker), new IValue(foundInf),
                        new IValue(2.0), new IValue(0.5), new IValue(1_000_000L));
                boolean stepped = scaler.step(opt);
                scaler.update();
                assertEquals(overflow.contains(s), !stepped, "step " + s);
                if (!stepped) {
                    unchanged &= java.util.Arrays.equals(before, tm[0].toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                    unchanged &= java.util.Arrays.equals(ours, w);
                }
            }
            assertTrue(unchanged, name + ": a skipped step changed something");
            assertEquals(40 - overflow.size(), (long) step.item_float());
            assertEquals(40 - overflow.size(), opt.state(p).step());
            long maxUlp = 0;
            for (int i = 0; i < n; i++) maxUlp = Math.max(maxUlp, PyTorchParityTest.ulps(PyTorchParityTest.get(tm[0], Precision.F32, i), w[i], Precision.F32));
            ROWS.add(String.format(Locale.ROOT, "| %s | %s | %d |", name, unchanged ? "yes" : "no", maxUlp));
            assertTrue(maxUlp <= 16, name + ": " + maxUlp + " ulp from the fused kernel");
        }
    }

    @AfterAll
    static void writeReport() throws IOException {
        KEEP.clear();
        String path = System.getProperty("parity.report");
        if (path == null || ROWS.isEmpty()) return;
        StringBuilder md = new StringBuilder("# Clipping and loss scaling vs PyTorch: measured agreement\n\n");
        md.append("Generated by `ClipScaleParityTest` (parity module, run by the README's test command) against libtorch ")
          .append("2.10.0's kernels (bytedeco `pytorch:2.10.0-1.5.13`, CPU, one intra-op thread). ulp are counted in the ")
          .append("gradients' precision.\n\n");
        ROWS.forEach(row -> md.append(row).append('\n'));
        Files.writeString(Path.of(path).resolveSibling("clipping-parity.md"), md);
    }
}
