package dev.adam4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.AdamKernels;
import dev.adam4j.kernels.EpsilonMode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Random group layouts and hyperparameters give exactly what calling the kernel directly per
 * parameter gives: the optimizer adds bookkeeping, never arithmetic.
 */
class OptimizerPropertiesTest {

    @Property(tries = 150)
    void groupsAndRunsEqualDirectKernelCalls(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int groupCount,
            @ForAll boolean flat, @ForAll @IntRange(min = 1, max = 6) int steps) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 1 + r.nextInt(12);
        List<Param> params = new ArrayList<>();
        FlatParameters.Builder b = FlatParameters.builder(dev.adam4j.kernels.Precision.F32);
        int[] sizes = new int[n];
        for (int i = 0; i < n; i++) {
            sizes[i] = r.nextInt(0, 70);
            b.add("p" + i, sizes[i]);
        }
        FlatParameters f = b.build();
        for (int i = 0; i < n; i++) params.add(flat ? f.params().get(i) : Param.of("p" + i, new float[sizes[i]]));
        // the reference: plain arrays stepped by the kernel directly
        float[][] rp = new float[n][], rm = new float[n][], rv = new float[n][], rx = new float[n][];
        long[] rt = new long[n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < sizes[i]; k++) params.get(i).data().set(k, r.nextGaussian());
            rp[i] = new float[sizes[i]];
            for (int k = 0; k < sizes[i]; k++) rp[i][k] = (float) params.get(i).data().get(k);
            rm[i] = new float[sizes[i]];
            rv[i] = new float[sizes[i]];
            rx[i] = new float[sizes[i]];
        }
        // random contiguous groups with random hyperparameters
        List<ParamGroupSpec> specs = new ArrayList<>();
        List<AdamHyperparameters> hs = new ArrayList<>();
        int[] groupOf = new int[n];
        int start = 0;
        for (int g = 0; g < groupCount && start < n; g++) {
            int end = g == groupCount - 1 ? n : Math.min(n, start + 1 + r.nextInt(n - start));
            AdamOptions o = AdamOptions.of().lr(r.nextDouble() * 0.1).betas(r.nextDouble() * 0.99, 0.9 + r.nextDouble() * 0.0999)
                    .eps(r.nextBoolean() ? 1e-8 : 1e-3).weightDecay(r.nextBoolean() ? 0 : r.nextDouble())
                    .amsgrad(r.nextBoolean()).maximize(r.nextBoolean()).decoupledWeightDecay(r.nextBoolean())
                    .epsMode(r.nextBoolean() ? EpsilonMode.PYTORCH : EpsilonMode.EPS_HAT);
            specs.add(ParamGroupSpec.of(params.subList(start, end), o));
            for (int i = start; i < end; i++) groupOf[i] = specs.size() - 1;
            start = end;
        }
        Adam opt = new Adam(AdamOptions.of(), specs);
        for (ParamGroup g : opt.paramGroups()) hs.add(g.hyperparameters());
        for (int s = 0; s < steps; s++) {
            float[][] grads = new float[n][];
            for (int i = 0; i < n; i++) {
                if (r.nextInt(4) == 0) {
                    params.get(i).setGrad(null);
                    continue;
                }
                DataBuffer g = params.get(i).defineGrad();
                grads[i] = new float[sizes[i]];
                for (int k = 0; k < sizes[i]; k++) {
                    grads[i][k] = (float) r.nextGaussian();
                    g.set(k, grads[i][k]);
                }
            }
            opt.step();
            for (int i = 0; i < n; i++) {
                if (grads[i] == null) continue;
                AdamKernels.step(hs.get(groupOf[i]), ++rt[i], 1.0, rp[i], grads[i], rm[i], rv[i], rx[i]);
            }
            for (int i = 0; i < n; i++) {
                assertArrayEquals(rp[i], toFloats(params.get(i).data()), "param " + i + " step " + s);
                AdamState st = opt.state(params.get(i));
                if (st == null) continue;
                assertArrayEquals(rm[i], toFloats(st.expAvg()), "exp_avg " + i);
                assertArrayEquals(rv[i], toFloats(st.expAvgSq()), "exp_avg_sq " + i);
                if (st.maxExpAvgSq() != null) assertArrayEquals(rx[i], toFloats(st.maxExpAvgSq()), "max " + i);
                org.junit.jupiter.api.Assertions.assertEquals(rt[i], st.step());
            }
        }
    }

    private static float[] toFloats(DataBuffer b) {
        float[] out = new float[(int) b.length()];
        for (int i = 0; i < out.length; i++) out[i] = (float) b.get(i);
        return out;
    }
}
