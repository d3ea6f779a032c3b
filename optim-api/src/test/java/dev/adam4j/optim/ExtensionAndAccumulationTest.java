package dev.adam4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.AdamKernels;
import dev.adam4j.kernels.Precision;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ExtensionAndAccumulationTest {

    @Test
    void aWarmupVariantReusesGroupsStateAndStateDict() {
        float[] w = {1f, -2f, 3f}, g = {0.5f, 0.25f, -1f};
        Param p = Param.of("w", w);
        p.setGrad(DataBuffer.of(g));
        WarmupAdam opt = new WarmupAdam(AdamOptions.of().lr(0.1).extra("warmup", 4), List.of(ParamGroupSpec.of(List.of(p))));
        // the same three steps through the kernel, with lr·min(1, t/4)
        float[] rw = w.clone(), m = new float[3], v = new float[3];
        for (int t = 1; t <= 3; t++) {
            opt.step();
            AdamHyperparameters h = AdamHyperparameters.defaults().withLr(0.1 * Math.min(1.0, t / 4.0));
            AdamKernels.step(h, t, 1.0, rw, g, m, v, null);
        }
        assertArrayEquals(rw, w);
        StateDict sd = opt.stateDict();
        assertEquals(4.0, sd.paramGroups().get(0).options().get("warmup"));
        WarmupAdam fresh = new WarmupAdam(AdamOptions.of().extra("warmup", 100), List.of(ParamGroupSpec.of(List.of(p))));
        fresh.loadStateDict(sd);
        assertEquals(4.0, fresh.paramGroups().get(0).extra("warmup"));
        assertEquals(3, fresh.state(p).step());
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void accumulatedGradientsStepOnTheirSumOrMean(boolean mean) {
        LinearModel acc = new LinearModel(Precision.F32, true, 21);
        LinearModel manual = new LinearModel(Precision.F32, false, 21);
        Adam a = new Adam(acc.params());
        Adam b = new Adam(manual.params());
        for (int round = 0; round < 3; round++) {
            float[] sumW = new float[50], sumB = new float[10];
            for (int micro = 0; micro < 3; micro++) {
                acc.x[0] = manual.x[0] = micro + 0.5; // a different "batch" each time
                acc.backward();
                a.accumulateGrad();
                manual.backward();
                for (int i = 0; i < 50; i++) sumW[i] += (float) manual.weight.grad().get(i);
                for (int i = 0; i < 10; i++) sumB[i] += (float) manual.bias.grad().get(i);
            }
            assertEquals(3, a.accumulatedMicroBatches());
            a.stepAccumulated(mean);
            manual.weight.setGrad(DataBuffer.of(sumW));
            manual.bias.setGrad(DataBuffer.of(sumB));
            b.step(mean ? 1.0 / 3 : 1.0);
            assertArrayEquals(manual.bits(), acc.bits(), "round " + round);
            assertEquals(0, a.accumulatedMicroBatches());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"F32", "F64"})
    void flatViewsStepExactlyLikeSeparateBuffers(String precision) {
        Precision p = Precision.valueOf(precision);
        FlatParameters.Builder builder = FlatParameters.builder(p);
        int count = 300;
        for (int i = 0; i < count; i++) builder.add("p" + i, 1 + (i * 7) % 23);
        FlatParameters flat = builder.build();
        List<Param> separate = new java.util.ArrayList<>();
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);
        for (Param fp : flat.params()) {
            DataBuffer d = p == Precision.F32 ? DataBuffer.of(new float[(int) fp.length()]) : DataBuffer.of(new double[(int) fp.length()]);
            for (int i = 0; i < fp.length(); i++) {
                double v = r.nextGaussian();
                fp.data().set(i, v);
                d.set(i, v);
            }
            separate.add(Param.of(fp.name(), d));
        }
        Adam af = new Adam(flat.params(), AdamOptions.of().amsgrad(true).weightDecay(0.1));
        Adam as = new Adam(separate, AdamOptions.of().amsgrad(true).weightDecay(0.1));
        for (int step = 0; step < 5; step++) {
            for (int k = 0; k < count; k++) {
                Param fp = flat.params().get(k), sp = separate.get(k);
                // every 7th parameter has no gradient on odd steps: runs break and step counts diverge
                boolean has = !(k % 7 == 0 && step % 2 == 1);
                if (!has) {
                    fp.setGrad(null);
                    sp.setGrad(null);
                    continue;
                }
                DataBuffer fg = fp.defineGrad(), sg = sp.defineGrad();
                for (int i = 0; i < fp.length(); i++) {
                    double gv = r.nextGaussian();
                    fg.set(i, gv);
                    sg.set(i, gv);
                }
            }
            af.step();
            as.step();
            assertArrayEquals(Bits.ofState(as, separate), Bits.ofState(af, flat.params()), "step " + step);
        }
    }
}
