package dev.adam4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.Precision;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * PyTorch's error table for Adam, as Java exceptions naming the value; after each, the optimizer
 * and the parameters are bit-identical to before.
 */
class ErrorsTest {

    static Param named(String name, int n) {
        return Param.of(name, new float[n]);
    }

    static Stream<Arguments> constructionErrors() {
        Param a = named("a", 3), b = named("b", 4);
        Param unnamed = Param.of(DataBuffer.of(new float[2]));
        return Stream.of(
                Arguments.of("lr -1", (Runnable) () -> new Adam(List.of(a), AdamOptions.of().lr(-1)), "Invalid learning rate: -1.0"),
                Arguments.of("eps -1", (Runnable) () -> new Adam(List.of(a), AdamOptions.of().eps(-1)), "Invalid epsilon value: -1.0"),
                Arguments.of("beta1 1", (Runnable) () -> new Adam(List.of(a), AdamOptions.of().betas(1.0, 0.999)),
                        "Invalid beta parameter at index 0: 1.0"),
                Arguments.of("beta2 -0.5", (Runnable) () -> new Adam(List.of(a), AdamOptions.of().betas(0.9, -0.5)),
                        "Invalid beta parameter at index 1: -0.5"),
                Arguments.of("weight decay -1", (Runnable) () -> new Adam(List.of(a), AdamOptions.of().weightDecay(-1)),
                        "Invalid weight_decay value: -1.0"),
                Arguments.of("empty parameter list", (Runnable) () -> new Adam(List.of()), "optimizer got an empty parameter list"),
                Arguments.of("parameter in two groups", (Runnable) () -> new Adam(AdamOptions.of(),
                        List.of(ParamGroupSpec.of(List.of(a, b)), ParamGroupSpec.of(List.of(b)))),
                        "some parameters appear in more than one parameter group: parameter 'b'"),
                Arguments.of("duplicate inside a group", (Runnable) () -> new Adam(List.of(a, b, a)),
                        "optimizer contains a parameter group with duplicate parameters: parameter 'a'"),
                Arguments.of("names for some parameters only", (Runnable) () -> new Adam(List.of(a, unnamed)),
                        "all optimizer params should be with/without names"),
                Arguments.of("AdamW without decoupling", (Runnable) () -> new AdamW(List.of(a),
                        AdamOptions.of().decoupledWeightDecay(false)), "AdamW always decouples weight decay"),
                Arguments.of("group missing a required value", (Runnable) () -> new WarmupAdam(AdamOptions.of(),
                        List.of(ParamGroupSpec.of(List.of(a)))),
                        "parameter group didn't specify a value of required optimization parameter warmup"),
                Arguments.of("grad of other length", (Runnable) () -> a.setGrad(DataBuffer.of(new float[4])),
                        "gradient of parameter 'a' has 4 elements, data has 3"),
                Arguments.of("grad of other precision", (Runnable) () -> a.setGrad(DataBuffer.of(new double[3])),
                        "gradient of parameter 'a' must be F32"),
                Arguments.of("shape that does not match", (Runnable) () -> Param.of("c", new float[6], 4, 2),
                        "shape [4, 2] has 8 elements but the data buffer has 6"),
                Arguments.of("stepAccumulated with nothing accumulated", (Runnable) () -> new Adam(List.of(a)).stepAccumulated(true),
                        "no gradients were accumulated"),
                Arguments.of("non-finite gradScale", (Runnable) () -> new Adam(List.of(a)).step(Double.NaN), "Invalid gradScale: NaN"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("constructionErrors")
    void invalidInputIsRefusedWithItsValue(String name, Runnable call, String message) {
        RuntimeException e = assertThrows(RuntimeException.class, call::run);
        assertTrue(e instanceof IllegalArgumentException || e instanceof IllegalStateException, e.toString());
        assertTrue(e.getMessage().contains(message), "message was: " + e.getMessage());
    }

    /** An optimizer trained 3 steps, amsgrad on, two groups. */
    static Adam trained(LinearModel m) {
        Adam opt = new Adam(AdamOptions.of().amsgrad(true), List.of(ParamGroupSpec.of(List.of(m.weight)),
                ParamGroupSpec.of(List.of(m.bias), AdamOptions.of().lr(0.01))));
        for (int i = 0; i < 3; i++) {
            m.backward();
            opt.step();
        }
        return opt;
    }

    static StateDict edit(StateDict sd, Consumer<Map<String, Object>> group0, Consumer<TreeMap<Integer, StateDict.ParamState>> state) {
        TreeMap<Integer, StateDict.ParamState> s = new TreeMap<>(sd.state());
        state.accept(s);
        List<StateDict.Group> groups = new java.util.ArrayList<>(sd.paramGroups());
        Map<String, Object> o = new LinkedHashMap<>(groups.get(0).options());
        group0.accept(o);
        groups.set(0, new StateDict.Group(o, groups.get(0).params(), groups.get(0).paramNames()));
        return new StateDict(s, groups);
    }

    static Stream<Arguments> badStateDicts() {
        return Stream.of(
                Arguments.of("one group fewer", (java.util.function.UnaryOperator<StateDict>) sd ->
                        new StateDict(sd.state(), sd.paramGroups().subList(0, 1)), "has 1 parameter groups, the optimizer has 2"),
                Arguments.of("group of other size", (java.util.function.UnaryOperator<StateDict>) sd -> new StateDict(sd.state(),
                        List.of(new StateDict.Group(sd.paramGroups().get(0).options(), List.of(0, 5), null), sd.paramGroups().get(1))),
                        "doesn't match the size of optimizer's group"),
                Arguments.of("exp_avg of other length", (java.util.function.UnaryOperator<StateDict>) sd -> edit(sd, o -> { }, s -> {
                    var p = s.get(1);
                    s.put(1, new StateDict.ParamState(p.step(), DataBuffer.of(new float[3]), p.expAvgSq(), p.maxExpAvgSq()));
                }), "state 1 exp_avg is F32 x 3 but parameter 'bias' is F32 x 10"),
                Arguments.of("exp_avg_sq of other precision", (java.util.function.UnaryOperator<StateDict>) sd -> edit(sd, o -> { }, s -> {
                    var p = s.get(0);
                    s.put(0, new StateDict.ParamState(p.step(), p.expAvg(), DataBuffer.of(new double[50]), p.maxExpAvgSq()));
                }), "state 0 exp_avg_sq is F64 x 50 but parameter 'weight' is F32 x 50"),
                Arguments.of("state for an unknown id", (java.util.function.UnaryOperator<StateDict>) sd -> edit(sd, o -> { },
                        s -> s.put(7, s.get(0))), "state for parameter id 7"),
                Arguments.of("negative step", (java.util.function.UnaryOperator<StateDict>) sd -> edit(sd, o -> { }, s -> {
                    var p = s.get(0);
                    s.put(0, new StateDict.ParamState(-1, p.expAvg(), p.expAvgSq(), p.maxExpAvgSq()));
                }), "step -1 is negative"),
                Arguments.of("lr out of range", (java.util.function.UnaryOperator<StateDict>) sd -> edit(sd, o -> o.put("lr", -0.5), s -> { }),
                        "param_groups[0]: Invalid learning rate: -0.5"),
                Arguments.of("betas not a pair", (java.util.function.UnaryOperator<StateDict>) sd -> edit(sd, o -> o.put("betas", List.of(0.9)), s -> { }),
                        "param_groups[0].betas must be a list of two numbers"),
                Arguments.of("amsgrad not a boolean", (java.util.function.UnaryOperator<StateDict>) sd -> edit(sd, o -> o.put("amsgrad", "yes"), s -> { }),
                        "param_groups[0].amsgrad must be a boolean, got yes"),
                Arguments.of("unknown eps mode", (java.util.function.UnaryOperator<StateDict>) sd -> edit(sd, o -> o.put("eps_mode", "tiny"), s -> { }),
                        "param_groups[0].eps_mode 'tiny' is not one of pytorch, eps_hat"),
                Arguments.of("parameter names differ", (java.util.function.UnaryOperator<StateDict>) sd -> new StateDict(sd.state(),
                        List.of(new StateDict.Group(sd.paramGroups().get(0).options(), List.of(0), List.of("fc.weight")),
                                sd.paramGroups().get(1))), "names parameter 0 'fc.weight' but the optimizer's is 'weight'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badStateDicts")
    void aBadStateDictIsRefusedAndNothingChanges(String name, java.util.function.UnaryOperator<StateDict> corrupt, String message) {
        LinearModel m = new LinearModel(Precision.F32, false, 1);
        Adam opt = trained(m);
        StateDict good = opt.stateDict();
        // move on one step so that a partial load would be visible
        m.backward();
        opt.step();
        long[] before = Bits.ofState(opt, m.params());
        String groupsBefore = opt.toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(corrupt.apply(good)));
        assertTrue(e.getMessage().contains(message), "message was: " + e.getMessage());
        assertArrayEquals(before, Bits.ofState(opt, m.params()));
        assertEquals(groupsBefore, opt.toString());
    }

    @org.junit.jupiter.api.Test
    void aStateSavedBeforeNewerFlagsExistedLoadsWithTheirDefaults() {
        LinearModel m = new LinearModel(Precision.F32, false, 1);
        Adam opt = trained(m);
        StateDict sd = opt.stateDict();
        StateDict old = edit(sd, o -> {
            o.remove("maximize");
            o.remove("decoupled_weight_decay");
            o.remove("eps_mode");
            o.remove("foreach");
            o.remove("capturable");
            o.remove("differentiable");
            o.remove("fused");
        }, s -> { });
        opt.paramGroups().get(0).setMaximize(true);
        opt.loadStateDict(old);
        assertTrue(!opt.paramGroups().get(0).maximize());
        assertTrue(!opt.paramGroups().get(0).decoupledWeightDecay());
        assertEquals(dev.adam4j.kernels.EpsilonMode.PYTORCH, opt.paramGroups().get(0).epsMode());
    }

    @org.junit.jupiter.api.Test
    void aClosedArenaIsRefusedBeforeAnyParameterMoves() {
        LinearModel m = new LinearModel(Precision.F32, false, 2);
        java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined();
        Param nat = Param.of("native", DataBuffer.of(arena.allocate(16), Precision.F32));
        nat.defineGrad();
        Adam opt = new Adam(List.of(m.weight, m.bias, nat));
        m.backward();
        arena.close();
        long[] before = m.bits();
        IllegalStateException e = assertThrows(IllegalStateException.class, opt::step);
        assertTrue(e.getMessage().contains("the memory of parameter 'native' was freed"), e.getMessage());
        assertArrayEquals(before, m.bits());
        assertEquals(null, opt.state(m.weight));
    }
}
