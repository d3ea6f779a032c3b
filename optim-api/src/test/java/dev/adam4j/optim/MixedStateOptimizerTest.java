package dev.adam4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.AdamKernels;
import dev.adam4j.kernels.Precision;
import dev.adam4j.kernels.ReducedFloats;
import dev.adam4j.testing.NamedConfig;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * f32 parameters with bf16 or f16 moments through the facade ({@link AdamOptions#stateDtype}): every
 * named configuration, separate arrays, separate native segments and flat views of both, on 1 and 2
 * threads, equals {@link AdamKernels}' f32-parameter, 16-bit-moment step called directly, bit for bit,
 * parameters and every state buffer, over 6 steps with one parameter skipping a step; state dicts keep
 * the 16-bit dtype and continue bit-identically; state of another layout converts; bad combinations are
 * refused by name before anything is written.
 */
class MixedStateOptimizerTest {
    static final int[] LENGTHS = {301, 7, 640};
    static final String[] NAMES = {"fc.weight", "fc.bias", "out"};
    static final int STEPS = 6;

    enum Storage { ARRAYS, NATIVE, FLAT_ARRAYS, FLAT_NATIVE }

    /** The three parameters in {@code storage}, holding {@code init}. */
    static List<Param> model(Storage storage, float[][] init, Arena arena) {
        List<Param> ps = new ArrayList<>();
        switch (storage) {
            case ARRAYS -> {
                for (int k = 0; k < NAMES.length; k++) ps.add(Param.of(NAMES[k], init[k].clone()));
            }
            case NATIVE -> {
                for (int k = 0; k < NAMES.length; k++) {
                    ps.add(Param.of(NAMES[k], DataBuffer.of(arena.allocate(4L * LENGTHS[k], 64), Precision.F32)));
                }
            }
            case FLAT_ARRAYS, FLAT_NATIVE -> {
                FlatParameters.Builder b = FlatParameters.builder(Precision.F32);
                for (int k = 0; k < NAMES.length; k++) b.add(NAMES[k], LENGTHS[k]);
                if (storage == Storage.FLAT_NATIVE) b.nativeMemory(arena);
                ps.addAll(b.build().params());
            }
        }
        for (int k = 0; k < ps.size(); k++) {
            for (int i = 0; i < LENGTHS[k]; i++) ps.get(k).data().set(i, init[k][i]);
        }
        return ps;
    }

    static float[][] initial(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] init = new float[LENGTHS.length][];
        for (int k = 0; k < LENGTHS.length; k++) {
            init[k] = new float[LENGTHS[k]];
            for (int i = 0; i < LENGTHS[k]; i++) init[k][i] = (float) r.nextGaussian();
        }
        return init;
    }

    /** The gradient of parameter {@code k} at step {@code t}, or null: "out" has none at step 2 (its step count falls behind). */
    static float[] gradient(long seed, int k, int t) {
        if (k == 2 && t == 2) return null;
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + 31L * t + k);
        float[] g = new float[LENGTHS[k]];
        for (int i = 0; i < g.length; i++) g[i] = (float) (r.nextGaussian() * (i % 5 == 0 ? 1.0 : 1e-2));
        return g;
    }

    /** The kernels' mixed step called directly, one call per parameter and step. */
    static final class Reference {
        final float[][] p;
        final short[][] m = new short[LENGTHS.length][], v = new short[LENGTHS.length][], x = new short[LENGTHS.length][];
        final long[] t = new long[LENGTHS.length];

        Reference(float[][] init) {
            p = new float[init.length][];
            for (int k = 0; k < init.length; k++) {
                p[k] = init[k].clone();
                m[k] = new short[init[k].length];
                v[k] = new short[init[k].length];
                x[k] = new short[init[k].length];
            }
        }

        void step(NamedConfig c, Precision state, long seed, int step) {
            for (int k = 0; k < p.length; k++) {
                float[] g = gradient(seed, k, step);
                if (g == null) continue;
                t[k]++;
                AdamKernels.step(c.h(), t[k], c.gradScale(), p[k], 0, g, 0, state, m[k], 0, v[k], 0, x[k], 0, p[k].length);
            }
        }
    }

    static void setGradients(List<Param> ps, long seed, int step) {
        for (int k = 0; k < ps.size(); k++) {
            float[] g = gradient(seed, k, step);
            if (g == null) {
                ps.get(k).setGrad(null);
                continue;
            }
            DataBuffer gb = ps.get(k).defineGrad();
            for (int i = 0; i < g.length; i++) gb.set(i, g[i]);
        }
    }

    /** f32 bits, NaN canonical. */
    static int bits(float f) {
        return Float.floatToIntBits(f);
    }

    static void assertEqualsReference(Reference ref, Adam opt, List<Param> ps, Precision state, boolean amsgrad, String what) {
        for (int k = 0; k < ps.size(); k++) {
            Param q = ps.get(k);
            AdamState s = opt.state(q);
            assertEquals(ref.t[k], s.step(), what + " " + q.name() + " step");
            assertEquals(state, s.expAvg().precision(), what + " exp_avg dtype");
            assertEquals(state, s.expAvgSq().precision(), what + " exp_avg_sq dtype");
            if (amsgrad) assertEquals(state, s.maxExpAvgSq().precision(), what + " max_exp_avg_sq dtype");
            for (int i = 0; i < LENGTHS[k]; i++) {
                String at = what + " " + q.name() + "[" + i + "]";
                assertEquals(bits(ref.p[k][i]), bits((float) q.data().get(i)), at + " param");
                assertEquals(bits(ReducedFloats.toFloat(state, ref.m[k][i])), bits((float) s.expAvg().get(i)), at + " exp_avg");
                assertEquals(bits(ReducedFloats.toFloat(state, ref.v[k][i])), bits((float) s.expAvgSq().get(i)), at + " exp_avg_sq");
                if (amsgrad) {
                    assertEquals(bits(ReducedFloats.toFloat(state, ref.x[k][i])), bits((float) s.maxExpAvgSq().get(i)),
                            at + " max_exp_avg_sq");
                }
            }
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (NamedConfig c : NamedConfig.ALL) {
            for (Precision state : new Precision[] {Precision.BF16, Precision.F16}) {
                for (Storage s : Storage.values()) {
                    for (int threads : new int[] {1, 2}) out.add(Arguments.of(c, state, s, threads));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} | {1} moments | {2} | {3} thread(s)")
    @MethodSource("cases")
    void theFacadeEqualsTheKernelCalledDirectly(NamedConfig c, Precision state, Storage storage, int threads) {
        long seed = c.name().hashCode() * 7L + state.ordinal();
        float[][] init = initial(seed);
        AtomicBoolean split = new AtomicBoolean();
        try (Arena arena = Arena.ofShared()) {
            List<Param> ps = model(storage, init, arena);
            Adam opt = new Adam(ps, Configs.options(c.h()).stateDtype(state));
            if (threads > 1) {
                Executor pool = command -> {
                    split.set(true);
                    ParallelSteps.defaultExecutor().execute(command);
                };
                opt.setParallelism(pool, threads, 64); // every run of 128 elements or more is split
            }
            Reference ref = new Reference(init);
            for (int t = 1; t <= STEPS; t++) {
                setGradients(ps, seed, t);
                opt.step(c.gradScale());
                ref.step(c, state, seed, t);
            }
            assertEqualsReference(ref, opt, ps, state, c.h().amsgrad(), storage + " after " + STEPS + " steps");
            assertEquals(threads > 1, split.get(), "the step was split across threads");
        }
    }

    /** The state dtype is a group's: bf16 moments in one, the parameters' f32 in the other; only the first names it. */
    @Test
    void theStateDtypeIsPerGroup() {
        float[][] init = initial(5);
        List<Param> ps = model(Storage.ARRAYS, init, null);
        Adam opt = new Adam(AdamOptions.of().amsgrad(true), List.of(
                ParamGroupSpec.of(ps.subList(0, 2), AdamOptions.of().stateDtype(Precision.BF16)),
                ParamGroupSpec.of(ps.subList(2, 3))));
        setGradients(ps, 5, 1);
        opt.step();
        assertEquals(Precision.BF16, opt.state(ps.get(0)).expAvg().precision());
        assertEquals(Precision.BF16, opt.state(ps.get(1)).maxExpAvgSq().precision());
        assertEquals(Precision.F32, opt.state(ps.get(2)).expAvg().precision());
        assertEquals(Precision.BF16, opt.paramGroups().get(0).stateDtype());
        assertNull(opt.paramGroups().get(1).stateDtype());
        assertEquals(Precision.F32, opt.paramGroups().get(1).statePrecision(ps.get(2)));
        String repr = opt.toString();
        assertTrue(repr.contains("Parameter Group 0") && repr.contains("state_dtype: bfloat16"), repr);
        assertEquals(1, repr.split("state_dtype", -1).length - 1, "only the group that sets it shows it: " + repr);
        assertEquals("bfloat16", opt.stateDict().paramGroups().get(0).options().get("state_dtype"));
        assertTrue(!opt.stateDict().paramGroups().get(1).options().containsKey("state_dtype"));
    }

    static Stream<Arguments> roundTrips() {
        List<Arguments> out = new ArrayList<>();
        for (NamedConfig c : NamedConfig.ALL) {
            if (!c.h().amsgrad()) continue; // the configurations with every buffer
            for (Precision state : new Precision[] {Precision.BF16, Precision.F16}) {
                for (Storage s : Storage.values()) out.add(Arguments.of(c, state, s));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} | {1} moments | {2}")
    @MethodSource("roundTrips")
    void aStateDictKeepsTheDtypeAndContinuesBitIdentically(NamedConfig c, Precision state, Storage storage) {
        long seed = 11;
        float[][] init = initial(seed);
        try (Arena arena = Arena.ofShared()) {
            List<Param> ps = model(storage, init, arena);
            AdamOptions o = Configs.options(c.h()).stateDtype(state);
            Adam opt = new Adam(ps, o);
            Reference ref = new Reference(init);
            for (int t = 1; t <= 3; t++) {
                setGradients(ps, seed, t);
                opt.step(c.gradScale());
                ref.step(c, state, seed, t);
            }
            StateDict sd = opt.stateDict();
            for (StateDict.ParamState s : sd.state().values()) {
                for (DataBuffer b : s.buffers().values()) assertEquals(state, b.precision(), "the state dict keeps the moments' dtype");
            }
            // a new optimizer on other parameters with the same values, loaded, continues as the reference
            float[][] now = new float[ps.size()][];
            for (int k = 0; k < ps.size(); k++) {
                now[k] = new float[LENGTHS[k]];
                for (int i = 0; i < LENGTHS[k]; i++) now[k][i] = (float) ps.get(k).data().get(i);
            }
            List<Param> qs = model(storage, now, arena);
            Adam loaded = new Adam(qs, AdamOptions.of().stateDtype(state));
            loaded.loadStateDict(sd);
            assertEquals(opt.toString(), loaded.toString());
            for (int t = 4; t <= STEPS; t++) {
                setGradients(qs, seed, t);
                loaded.step(c.gradScale());
                ref.step(c, state, seed, t);
            }
            assertEqualsReference(ref, loaded, qs, state, true, "loaded " + storage);
        }
    }

    /**
     * A state dict of the f32 layout loads into bf16/f16 moments rounded to nearest even (and the step
     * continues from the rounded values); one of the 16-bit layout loads into f32 moments widened exactly.
     * Each optimizer keeps its own state dtype.
     */
    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"BF16", "F16"})
    void aStateDictOfTheOtherLayoutIsConverted(Precision state) {
        float[][] init = initial(3);
        List<Param> a = model(Storage.ARRAYS, init, null), b = model(Storage.ARRAYS, init, null);
        Adam f32 = new Adam(a, AdamOptions.of().amsgrad(true));
        for (int t = 1; t <= 3; t++) {
            setGradients(a, 3, t);
            f32.step();
        }
        Adam mixed = new Adam(b, AdamOptions.of().amsgrad(true).stateDtype(state));
        mixed.loadStateDict(f32.stateDict());
        assertEquals(state, mixed.paramGroups().get(0).stateDtype(), "the optimizer keeps its state dtype");
        Reference ref = new Reference(init);
        for (int k = 0; k < a.size(); k++) {
            AdamState s32 = f32.state(a.get(k)), s16 = mixed.state(b.get(k));
            assertEquals(s32.step(), s16.step());
            ref.t[k] = s32.step();
            ref.p[k] = ((DataBuffer.F32Array) a.get(k).data()).array().clone();
            for (int i = 0; i < LENGTHS[k]; i++) {
                ref.m[k][i] = ReducedFloats.fromFloat(state, (float) s32.expAvg().get(i));
                ref.v[k][i] = ReducedFloats.fromFloat(state, (float) s32.expAvgSq().get(i));
                ref.x[k][i] = ReducedFloats.fromFloat(state, (float) s32.maxExpAvgSq().get(i));
            }
        }
        assertEqualsReferenceState(ref, mixed, b, state);
        for (int k = 0; k < b.size(); k++) { // the parameters, not in a state dict, are copied by hand
            for (int i = 0; i < LENGTHS[k]; i++) b.get(k).data().set(i, a.get(k).data().get(i));
        }
        NamedConfig amsgrad = new NamedConfig("amsgrad", AdamHyperparameters.defaults().withAmsgrad(true), 1.0);
        for (int t = 4; t <= STEPS; t++) {
            setGradients(b, 3, t);
            mixed.step();
            ref.step(amsgrad, state, 3, t);
        }
        assertEqualsReference(ref, mixed, b, state, true, "after the converted load");

        // and back: the 16-bit moments widen exactly into an f32-moment optimizer
        List<Param> c = model(Storage.ARRAYS, init, null);
        Adam back = new Adam(c, AdamOptions.of().amsgrad(true));
        back.loadStateDict(mixed.stateDict());
        assertNull(back.paramGroups().get(0).stateDtype());
        for (int k = 0; k < c.size(); k++) {
            AdamState s16 = mixed.state(b.get(k)), s32 = back.state(c.get(k));
            assertEquals(Precision.F32, s32.expAvg().precision());
            assertArrayEquals(Bits.of(s16.expAvg(), s16.expAvgSq(), s16.maxExpAvgSq()),
                    Bits.of(s32.expAvg(), s32.expAvgSq(), s32.maxExpAvgSq()), "widened exactly");
        }
    }

    private static void assertEqualsReferenceState(Reference ref, Adam opt, List<Param> ps, Precision state) {
        for (int k = 0; k < ps.size(); k++) {
            AdamState s = opt.state(ps.get(k));
            for (int i = 0; i < LENGTHS[k]; i++) {
                assertEquals(ref.m[k][i], ReducedFloats.fromFloat(state, (float) s.expAvg().get(i)), "exp_avg rounded to nearest even");
                assertEquals(ref.v[k][i], ReducedFloats.fromFloat(state, (float) s.expAvgSq().get(i)));
                assertEquals(ref.x[k][i], ReducedFloats.fromFloat(state, (float) s.maxExpAvgSq().get(i)));
            }
        }
    }

    // ------------------------------------------------------------------ refusals

    static Stream<Arguments> badLayouts() {
        Param f64 = Param.of("w64", new double[4]);
        Param bf16 = Param.of("wbf", new short[4], Precision.BF16, 4);
        Param f16 = Param.of("wf16", new short[4], Precision.F16, 4);
        Param f32 = Param.of("w32", new float[4]);
        FlatParameters flat = FlatParameters.builder(Precision.F32).add("emb", 8).add("head", 4).build();
        return Stream.of(
                Arguments.of("f64 parameters with bf16 moments", (Runnable) () -> new Adam(List.of(f64),
                        AdamOptions.of().stateDtype(Precision.BF16)),
                        "Invalid stateDtype BF16 for parameter 'w64', which is F64: F64 parameters keep F64 moments"),
                Arguments.of("f64 parameters with f32 moments", (Runnable) () -> new Adam(List.of(f64),
                        AdamOptions.of().stateDtype(Precision.F32)), "Invalid stateDtype F32 for parameter 'w64', which is F64"),
                Arguments.of("bf16 parameters with f32 state", (Runnable) () -> new Adam(List.of(bf16),
                        AdamOptions.of().stateDtype(Precision.F32)),
                        "Invalid stateDtype F32 for parameter 'wbf', which is BF16: BF16 parameters keep BF16 moments"),
                Arguments.of("f16 parameters with bf16 state", (Runnable) () -> new Adam(List.of(f16),
                        AdamOptions.of().stateDtype(Precision.BF16)), "Invalid stateDtype BF16 for parameter 'wf16', which is F16"),
                Arguments.of("f32 parameters with f64 moments", (Runnable) () -> new Adam(List.of(f32),
                        AdamOptions.of().stateDtype(Precision.F64)),
                        "Invalid stateDtype F64 for parameter 'w32', which is F32: F32 parameters take F32, BF16 or F16 moments"),
                Arguments.of("the defaults' dtype reaches an f64 group", (Runnable) () -> new Adam(
                        AdamOptions.of().stateDtype(Precision.BF16), List.of(ParamGroupSpec.of(List.of(f32)),
                                ParamGroupSpec.of(List.of(f64)))), "Invalid stateDtype BF16 for parameter 'w64'"),
                Arguments.of("views of one flat allocation with two dtypes", (Runnable) () -> new Adam(AdamOptions.of(), List.of(
                        ParamGroupSpec.of(List.of(flat.param("emb"))),
                        ParamGroupSpec.of(List.of(flat.param("head")), AdamOptions.of().stateDtype(Precision.BF16)))),
                        "parameter 'head' would have BF16 moments, but other views of its FlatParameters have F32 moments"),
                Arguments.of("a null dtype", (Runnable) () -> AdamOptions.of().stateDtype(null), "stateDtype"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badLayouts")
    void aLayoutWithoutAKernelIsRefusedByName(String name, Runnable make, String message) {
        RuntimeException e = assertThrows(RuntimeException.class, make::run);
        assertTrue(e instanceof IllegalArgumentException || e instanceof NullPointerException, e.toString());
        assertTrue(e.getMessage().contains(message), "message was: " + e.getMessage());
    }

    @Test
    void addParamGroupRefusesBeforeAnythingChanges() {
        Param f32 = Param.of("w", new float[4]);
        Adam opt = new Adam(List.of(f32), AdamOptions.of().stateDtype(Precision.BF16));
        f32.defineGrad().set(0, 1.0);
        opt.step();
        String before = opt.toString();
        long[] bits = Bits.ofState(opt, List.of(f32));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> opt.addParamGroup(ParamGroupSpec.of(List.of(Param.of("v", new double[2])))));
        assertTrue(e.getMessage().contains("Invalid stateDtype BF16 for parameter 'v', which is F64"), e.getMessage());
        assertEquals(1, opt.paramGroups().size());
        assertEquals(before, opt.toString());
        assertArrayEquals(bits, Bits.ofState(opt, List.of(f32)));
    }

    /** Replaces parameter 0's exp_avg with {@code buffer} in a copy of {@code sd}. */
    static StateDict withExpAvg(StateDict sd, DataBuffer buffer) {
        TreeMap<Integer, StateDict.ParamState> s = new TreeMap<>(sd.state());
        StateDict.ParamState p = s.get(0);
        s.put(0, new StateDict.ParamState(p.step(), buffer, p.expAvgSq(), p.maxExpAvgSq()));
        return new StateDict(s, sd.paramGroups());
    }

    static StateDict withOption(StateDict sd, String key, Object value) {
        List<StateDict.Group> gs = new ArrayList<>();
        for (StateDict.Group g : sd.paramGroups()) {
            Map<String, Object> o = new LinkedHashMap<>(g.options());
            o.put(key, value);
            gs.add(new StateDict.Group(o, g.params(), g.paramNames()));
        }
        return new StateDict(sd.state(), gs);
    }

    static Stream<Arguments> badStateDicts() {
        return Stream.of(
                Arguments.of("f64 exp_avg into bf16 moments of f32 parameters", Precision.F32,
                        (Function<StateDict, StateDict>) sd -> withExpAvg(sd, DataBuffer.of(new double[4])),
                        "state 0 exp_avg is F64 x 4 but parameter 'w' is F32 x 4 with BF16 moments (F32, BF16 and F16 moments load into it, converted)"),
                Arguments.of("f32 exp_avg into bf16 parameters", Precision.BF16,
                        (Function<StateDict, StateDict>) sd -> withExpAvg(sd, DataBuffer.of(new float[4])),
                        "state 0 exp_avg is F32 x 4 but parameter 'w' is BF16 x 4 (its moments are BF16)"),
                Arguments.of("exp_avg of another length", Precision.F32,
                        (Function<StateDict, StateDict>) sd -> withExpAvg(sd, DataBuffer.of(new short[3], Precision.BF16)),
                        "state 0 exp_avg is BF16 x 3 but parameter 'w' is F32 x 4 with BF16 moments"),
                Arguments.of("an unknown state dtype", Precision.F32,
                        (Function<StateDict, StateDict>) sd -> withOption(sd, "state_dtype", "bf16"),
                        "param_groups[0].state_dtype 'bf16' is not one of float32, float64, bfloat16, float16"),
                Arguments.of("a state dtype that is not a string", Precision.F32,
                        (Function<StateDict, StateDict>) sd -> withOption(sd, "state_dtype", 16.0),
                        "param_groups[0].state_dtype must be a string, got 16.0"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badStateDicts")
    void aStateDictOfAnotherLayoutIsRefusedByNameAndNothingChanges(String name, Precision paramPrecision,
            Function<StateDict, StateDict> corrupt, String message) {
        Param w = switch (paramPrecision) {
            case F32 -> Param.of("w", new float[] {0.5f, -1f, 2f, 0.25f});
            case BF16 -> Param.of("w", new short[4], Precision.BF16, 4);
            case F64, F16 -> throw new AssertionError(paramPrecision);
        };
        Adam opt = new Adam(List.of(w), paramPrecision == Precision.F32 ? AdamOptions.of().stateDtype(Precision.BF16) : AdamOptions.of());
        for (int t = 0; t < 2; t++) {
            DataBuffer g = w.defineGrad();
            for (int i = 0; i < 4; i++) g.set(i, 0.1 * (i + 1 + t));
            opt.step();
        }
        StateDict good = opt.stateDict();
        w.defineGrad().set(0, 3.0);
        opt.step(); // one more step, so that a partial load would show
        long[] before = Bits.ofState(opt, List.of(w));
        String repr = opt.toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(corrupt.apply(good)));
        assertTrue(e.getMessage().contains(message), "message was: " + e.getMessage());
        assertArrayEquals(before, Bits.ofState(opt, List.of(w)));
        assertEquals(repr, opt.toString());
    }

    /** A saved state_dtype names the saved layout; the loading optimizer keeps its own. */
    @Test
    void aSavedStateDtypeDoesNotChangeTheOptimizers() {
        Param a = Param.of("w", new float[] {1f, 2f}), b = Param.of("w", new float[] {1f, 2f});
        Adam mixed = new Adam(List.of(a), AdamOptions.of().stateDtype(Precision.F16));
        a.defineGrad().set(0, 0.5);
        mixed.step();
        Adam plain = new Adam(List.of(b));
        plain.loadStateDict(mixed.stateDict());
        assertNull(plain.paramGroups().get(0).stateDtype());
        assertEquals(Precision.F32, plain.state(b).expAvg().precision());
        assertTrue(!plain.toString().contains("state_dtype"), plain.toString());
        assertEquals((float) mixed.state(a).expAvg().get(0), (float) plain.state(b).expAvg().get(0));
    }
}
