package dev.adam4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.testing.NamedConfig;
import dev.adam4j.kernels.Precision;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** PyTorch's behaviour tests for Adam, ported as tables. */
class AdamBehaviourTest {

    static Stream<Arguments> cases() {
        return Configs.everyConfigPrecisionAndLayout().stream();
    }

    @ParameterizedTest(name = "{0} | {1} flat={2}")
    @MethodSource("cases")
    void lossMovesTheRightWayOver20Steps(NamedConfig c, Precision p, boolean flat) {
        LinearModel model = new LinearModel(p, flat, 42);
        Adam opt = new Adam(model.params(), Configs.options(c.h()));
        double initial = model.loss();
        long[] initialBits = model.bits();
        for (int i = 0; i < 20; i++) {
            opt.zeroGrad();
            model.backward();
            opt.step(c.gradScale());
        }
        double last = model.loss();
        boolean ascend = c.h().maximize() ^ (c.gradScale() < 0);
        if (c.h().lr() == 0) {
            assertArrayEquals(initialBits, model.bits(), "lr = 0 must not move the parameters");
        } else if (ascend) {
            assertTrue(last > initial, "loss should increase: " + initial + " -> " + last);
        } else {
            assertTrue(last < initial, "loss should decrease: " + initial + " -> " + last);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"F32", "F64"}) // 16-bit: their own tests
    void rosenbrockConvergesTowardTheMinimum(Precision p) {
        Param xy = Param.of("xy", p == Precision.F32 ? DataBuffer.of(new float[] {1.5f, 1.5f})
                : DataBuffer.of(new double[] {1.5, 1.5}));
        Adam opt = new Adam(List.of(xy), AdamOptions.of().lr(0.05));
        double start = distanceToMinimum(xy);
        for (int i = 0; i < 3000; i++) {
            double x = xy.data().get(0), y = xy.data().get(1);
            DataBuffer g = xy.defineGrad();
            g.set(0, -2 * (1 - x) - 400 * x * (y - x * x)); // d/dx of (1-x)² + 100(y-x²)²
            g.set(1, 200 * (y - x * x));
            opt.step();
        }
        double end = distanceToMinimum(xy);
        assertTrue(end < 1e-3, "distance to (1,1): " + start + " -> " + end);
    }

    private static double distanceToMinimum(Param xy) {
        return Math.hypot(xy.data().get(0) - 1, xy.data().get(1) - 1);
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"F32", "F64"}) // 16-bit: their own tests
    void zeroGradientWithoutWeightDecayLeavesParamsBitIdentical(Precision p) {
        LinearModel model = new LinearModel(p, false, 3);
        Adam opt = new Adam(model.params());
        long[] before = model.bits();
        for (int i = 0; i < 5; i++) {
            model.weight.defineGrad().fillZero();
            model.bias.defineGrad().fillZero();
            opt.step();
        }
        assertArrayEquals(before, model.bits());
        assertEquals(5, opt.state(model.weight).step());
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"F32", "F64"}) // 16-bit: their own tests
    void aGroupWithATinyLearningRateStaysBitIdentical(Precision p) {
        LinearModel model = new LinearModel(p, false, 4);
        Adam opt = new Adam(AdamOptions.of(), List.of(ParamGroupSpec.of(List.of(model.weight)),
                ParamGroupSpec.of(List.of(model.bias), AdamOptions.of().lr(1e-28))));
        long[] biasBefore = Bits.of(model.bias.data());
        long[] weightBefore = Bits.of(model.weight.data());
        for (int i = 0; i < 5; i++) {
            opt.zeroGrad();
            model.backward();
            opt.step();
        }
        assertArrayEquals(biasBefore, Bits.of(model.bias.data()), "lr 1e-28 group must not move");
        assertTrue(!java.util.Arrays.equals(weightBefore, Bits.of(model.weight.data())), "the other group moves");
    }

    @Test
    void parametersWithoutGradientAreSkipped() {
        LinearModel model = new LinearModel(Precision.F32, true, 5);
        Adam opt = new Adam(model.params());
        model.backward();
        model.bias.setGrad(null);
        long[] biasBefore = Bits.of(model.bias.data());
        opt.step();
        assertNull(opt.state(model.bias), "no state for a parameter without gradient");
        assertArrayEquals(biasBefore, Bits.of(model.bias.data()));
        assertEquals(1, opt.state(model.weight).step());
        model.backward();
        opt.step();
        assertEquals(2, opt.state(model.weight).step());
        assertEquals(1, opt.state(model.bias).step(), "each parameter keeps its own step count");
    }

    @ParameterizedTest(name = "{0} | {1} flat={2}")
    @MethodSource("cases")
    void gradientsAreNeverWritten(NamedConfig c, Precision p, boolean flat) {
        LinearModel model = new LinearModel(p, flat, 6);
        Adam opt = new Adam(model.params(), Configs.options(c.h()));
        model.backward();
        long[] grads = Bits.of(model.weight.grad(), model.bias.grad());
        for (int i = 0; i < 3; i++) opt.step(c.gradScale());
        assertArrayEquals(grads, Bits.of(model.weight.grad(), model.bias.grad()));
    }

    @ParameterizedTest(name = "{0} | {1} flat={2}")
    @MethodSource("cases")
    void resumingFromAStateDictIsBitIdenticalToUninterruptedTraining(NamedConfig c, Precision p, boolean flat) {
        LinearModel straight = new LinearModel(p, flat, 7);
        Adam a = new Adam(straight.params(), Configs.options(c.h()));
        for (int i = 0; i < 20; i++) {
            straight.backward();
            a.step(c.gradScale());
        }

        LinearModel first = new LinearModel(p, flat, 7);
        Adam b = new Adam(first.params(), Configs.options(c.h()));
        for (int i = 0; i < 10; i++) {
            first.backward();
            b.step(c.gradScale());
        }
        StateDict saved = b.stateDict();
        // A fresh model holding the same parameter values and a fresh optimizer with default options:
        // the state dict carries the hyperparameters.
        LinearModel resumed = new LinearModel(p, flat, 7); // same input x; parameters copied below
        resumed.weight.data().copyFrom(first.weight.data());
        resumed.bias.data().copyFrom(first.bias.data());
        Adam r = new Adam(resumed.params());
        r.loadStateDict(saved);
        for (int i = 0; i < 10; i++) {
            resumed.backward();
            r.step(c.gradScale());
        }
        assertArrayEquals(Bits.ofState(a, straight.params()), Bits.ofState(r, resumed.params()));
    }

    @Test
    void learningRateCanChangeBetweenStepsAndGroupsCanBeAdded() {
        LinearModel model = new LinearModel(Precision.F64, false, 8);
        Adam opt = new Adam(List.of(model.weight), AdamOptions.of().lr(0.1));
        model.backward();
        opt.step();
        opt.paramGroups().get(0).setLr(0.05);
        opt.addParamGroup(ParamGroupSpec.of(List.of(model.bias), AdamOptions.of().betas(0.5, 0.9)));
        ParamGroup added = opt.paramGroups().get(1);
        assertEquals(0.1, added.lr(), "the new group inherits the optimizer's defaults");
        assertEquals(0.5, added.beta1());
        model.backward();
        opt.step();
        assertEquals(2, opt.state(model.weight).step());
        assertEquals(1, opt.state(model.bias).step());
        assertEquals(0.05, opt.stateDict().paramGroups().get(0).options().get("lr"));
    }

    @Test
    void adamWDefaultsAndAlwaysDecouples() {
        LinearModel model = new LinearModel(Precision.F32, false, 9);
        AdamW w = new AdamW(model.params());
        ParamGroup g = w.paramGroups().get(0);
        assertEquals(1e-2, g.weightDecay());
        assertTrue(g.decoupledWeightDecay());
        // a state that says otherwise still loads as decoupled
        StateDict sd = w.stateDict();
        java.util.Map<String, Object> o = new java.util.LinkedHashMap<>(sd.paramGroups().get(0).options());
        o.put("decoupled_weight_decay", false);
        w.loadStateDict(new StateDict(sd.state(), List.of(new StateDict.Group(o, sd.paramGroups().get(0).params(),
                sd.paramGroups().get(0).paramNames()))));
        assertTrue(w.paramGroups().get(0).decoupledWeightDecay());
        // and AdamW is Adam with those options, bit for bit
        LinearModel m1 = new LinearModel(Precision.F32, false, 9), m2 = new LinearModel(Precision.F32, false, 9);
        AdamW aw = new AdamW(m1.params());
        Adam a = new Adam(m2.params(), AdamOptions.of().weightDecay(1e-2).decoupledWeightDecay(true));
        for (int i = 0; i < 5; i++) {
            m1.backward();
            m2.backward();
            aw.step();
            a.step();
        }
        assertArrayEquals(m2.bits(), m1.bits());
    }

    @Test
    void toStringShowsTheGroupsLikePyTorchsRepr() {
        LinearModel model = new LinearModel(Precision.F32, false, 10);
        Adam opt = new Adam(model.params());
        assertEquals("""
                Adam (
                Parameter Group 0
                    amsgrad: False
                    betas: (0.9, 0.999)
                    capturable: False
                    decoupled_weight_decay: False
                    differentiable: False
                    eps: 1e-08
                    eps_mode: pytorch
                    foreach: None
                    fused: None
                    lr: 0.001
                    maximize: False
                    weight_decay: 0.0
                )""", opt.toString());
        assertEquals("0.0001", PyRepr.ofDouble(1e-4));
        assertEquals("1e+16", PyRepr.ofDouble(1e16));
        assertEquals("1.5e-05", PyRepr.ofDouble(1.5e-5));
        assertEquals("123.0", PyRepr.ofDouble(123));
    }

    @Test
    void closureLossIsReturnedAndRunsBeforeTheUpdate() {
        LinearModel model = new LinearModel(Precision.F64, false, 11);
        Adam opt = new Adam(model.params());
        double before = model.loss();
        double loss = opt.step(model::backward);
        assertEquals(before, loss, 0.0);
        assertEquals(1, opt.state(model.weight).step());
    }
}
