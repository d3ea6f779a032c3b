package dev.adam4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.Precision;
import dev.adam4j.kernels.ReducedFloats;
import dev.adam4j.testing.NamedConfig;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * bf16 parameters with split f32 master weights through the facade ({@link AdamOptions#splitMasterWeights}):
 * every named configuration × separate arrays, separate native segments, flat arrays, flat native × 1 and
 * 2 threads equals f32 {@link Adam} on the f32 values the halves represent, with the widened bf16
 * gradients, bit for bit (joined master weights and every f32 moment), over 6 steps with one parameter
 * skipping a step; the state dict carries the low halves and continues bit-identically; invalid
 * combinations are refused by name with nothing changed.
 */
class SplitMasterWeightsOptimizerTest {
    static final int[] LENGTHS = {301, 7, 640};
    static final String[] NAMES = {"fc.weight", "fc.bias", "out"};
    static final int STEPS = 6;

    enum Storage { ARRAYS, NATIVE, FLAT_ARRAYS, FLAT_NATIVE }

    /** Three bf16 parameters in {@code storage}, holding {@code init} (bf16 bits). */
    static List<Param> model(Storage storage, short[][] init, Arena arena) {
        List<Param> ps = new ArrayList<>();
        switch (storage) {
            case ARRAYS -> {
                for (int k = 0; k < NAMES.length; k++) ps.add(Param.of(NAMES[k], init[k].clone(), Precision.BF16));
            }
            case NATIVE -> {
                for (int k = 0; k < NAMES.length; k++) {
                    ps.add(Param.of(NAMES[k], DataBuffer.of(arena.allocate(2L * LENGTHS[k], 64), Precision.BF16)));
                }
            }
            case FLAT_ARRAYS, FLAT_NATIVE -> {
                FlatParameters.Builder b = FlatParameters.builder(Precision.BF16);
                for (int k = 0; k < NAMES.length; k++) b.add(NAMES[k], LENGTHS[k]);
                if (storage == Storage.FLAT_NATIVE) b.nativeMemory(arena);
                ps.addAll(b.build().params());
            }
        }
        for (int k = 0; k < ps.size(); k++) {
            for (int i = 0; i < LENGTHS[k]; i++) ps.get(k).data().set(i, ReducedFloats.bf16ToFloat(init[k][i]));
        }
        return ps;
    }

    static short[][] initial(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        short[][] init = new short[LENGTHS.length][];
        for (int k = 0; k < LENGTHS.length; k++) {
            init[k] = new short[LENGTHS[k]];
            for (int i = 0; i < LENGTHS[k]; i++) init[k][i] = ReducedFloats.floatToBf16((float) r.nextGaussian());
        }
        return init;
    }

    /** bf16 gradient bits of parameter {@code k} at step {@code t}, or null: "out" has none at step 2. */
    static short[] gradient(long seed, int k, int t) {
        if (k == 2 && t == 2) return null;
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + 31L * t + k);
        short[] g = new short[LENGTHS[k]];
        for (int i = 0; i < g.length; i++) g[i] = ReducedFloats.floatToBf16((float) (r.nextGaussian() * (i % 5 == 0 ? 1.0 : 1e-2)));
        return g;
    }

    static void setGradients(List<Param> ps, long seed, int t) {
        for (int k = 0; k < ps.size(); k++) {
            short[] g = gradient(seed, k, t);
            if (g == null) {
                ps.get(k).setGrad(null);
                continue;
            }
            DataBuffer gb = ps.get(k).defineGrad();
            for (int i = 0; i < g.length; i++) gb.set(i, ReducedFloats.bf16ToFloat(g[i])); // exact in bf16 and f32
        }
    }

    /** The f32 optimizer on the master weights: f32 parameters holding the bf16 values. */
    static List<Param> f32Model(short[][] init) {
        List<Param> ps = new ArrayList<>();
        for (int k = 0; k < NAMES.length; k++) {
            float[] p = new float[LENGTHS[k]];
            for (int i = 0; i < p.length; i++) p[i] = ReducedFloats.bf16ToFloat(init[k][i]);
            ps.add(Param.of(NAMES[k], p));
        }
        return ps;
    }

    static int bits(double f) {
        return Float.floatToIntBits((float) f);
    }

    /** The split optimizer's joined master weights and moments equal the f32 optimizer's, bit for bit. */
    static void assertSameAsF32(Adam split, List<Param> ps, Adam f32, List<Param> fs, boolean amsgrad, String what) {
        for (int k = 0; k < ps.size(); k++) {
            AdamState s = split.state(ps.get(k)), f = f32.state(fs.get(k));
            assertEquals(f.step(), s.step(), what + " step");
            assertEquals(Precision.F32, s.expAvg().precision());
            assertNotNull(s.masterWeightLow(), "split state has low halves");
            DataBuffer master = SplitMasterWeights.join(ps.get(k).data(), s.masterWeightLow());
            for (int i = 0; i < LENGTHS[k]; i++) {
                String at = what + " " + NAMES[k] + "[" + i + "]";
                assertEquals(bits(fs.get(k).data().get(i)), bits(master.get(i)), at + " master weight");
                assertEquals(ReducedFloats.splitHigh((float) fs.get(k).data().get(i)), SplitMasterWeights.bits(ps.get(k).data(), i),
                        at + " the bf16 is the master truncated");
                assertEquals(bits(f.expAvg().get(i)), bits(s.expAvg().get(i)), at + " exp_avg");
                assertEquals(bits(f.expAvgSq().get(i)), bits(s.expAvgSq().get(i)), at + " exp_avg_sq");
                if (amsgrad) assertEquals(bits(f.maxExpAvgSq().get(i)), bits(s.maxExpAvgSq().get(i)), at + " max_exp_avg_sq");
            }
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (NamedConfig c : NamedConfig.ALL) {
            for (Storage s : Storage.values()) {
                for (int threads : new int[] {1, 2}) out.add(Arguments.of(c, s, threads));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} | {1} | {2} thread(s)")
    @MethodSource("cases")
    void splitAdamIsF32AdamOnTheMasterWeights(NamedConfig c, Storage storage, int threads) {
        long seed = c.name().hashCode() * 11L + storage.ordinal();
        short[][] init = initial(seed);
        AtomicBoolean cut = new AtomicBoolean();
        try (Arena arena = Arena.ofShared()) {
            List<Param> ps = model(storage, init, arena), fs = f32Model(init);
            Adam opt = new Adam(ps, Configs.options(c.h()).splitMasterWeights(true));
            Adam ref = new Adam(fs, Configs.options(c.h()));
            if (threads > 1) {
                Executor pool = command -> {
                    cut.set(true);
                    ParallelSteps.defaultExecutor().execute(command);
                };
                opt.setParallelism(pool, threads, 64);
            }
            for (int t = 1; t <= STEPS; t++) {
                setGradients(ps, seed, t);
                setGradients(fs, seed, t);
                opt.step(c.gradScale());
                ref.step(c.gradScale());
                assertSameAsF32(opt, ps, ref, fs, c.h().amsgrad(), storage + " step " + t);
            }
            assertEquals(threads > 1, cut.get(), "the step was split across threads");
        }
    }

    @Test
    void theStateDictCarriesTheLowHalvesAndContinuesBitIdentically() {
        short[][] init = initial(3);
        AdamOptions o = AdamOptions.of().lr(3e-3).amsgrad(true).splitMasterWeights(true);
        List<Param> ps = model(Storage.ARRAYS, init, null), fs = f32Model(init);
        Adam opt = new Adam(ps, o), ref = new Adam(fs, AdamOptions.of().lr(3e-3).amsgrad(true));
        for (int t = 1; t <= 3; t++) {
            setGradients(ps, 3, t);
            setGradients(fs, 3, t);
            opt.step();
            ref.step();
        }
        StateDict sd = opt.stateDict();
        assertEquals(Boolean.TRUE, sd.paramGroups().get(0).options().get("split_master_weights"));
        assertEquals(Precision.BF16, sd.state().get(0).masterWeightLow().precision());
        assertTrue(sd.state().get(0).buffers().containsKey("master_weight_low"));
        assertTrue(opt.toString().contains("split_master_weights: True"), opt.toString());
        // a fresh optimizer on copies of the bf16 parameters, loaded, continues exactly
        List<Param> copies = new ArrayList<>();
        for (Param p : ps) {
            Param q = Param.of(p.name(), DataBuffer.allocate(Precision.BF16, (int) p.length()));
            q.data().copyFrom(p.data());
            copies.add(q);
        }
        Adam resumed = new Adam(copies, o);
        resumed.loadStateDict(sd);
        for (int t = 4; t <= 6; t++) {
            setGradients(copies, 3, t);
            setGradients(fs, 3, t);
            resumed.step();
            ref.step();
        }
        assertSameAsF32(resumed, copies, ref, fs, true, "resumed");
        // a plain bf16 optimizer refuses the split state (f32 moments, low halves), unchanged
        List<Param> plain = model(Storage.ARRAYS, init, null);
        Adam other = new Adam(plain, AdamOptions.of().lr(3e-3).amsgrad(true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> other.loadStateDict(sd));
        assertTrue(e.getMessage().contains("state 0"), e.getMessage());
        assertNull(other.state(plain.get(0)));
        // a plain bf16 run's state loads into a split optimizer: zero low halves, moments widened exactly
        Adam bf = new Adam(plain, AdamOptions.of().lr(3e-3));
        setGradients(plain, 3, 1);
        bf.step();
        Adam into = new Adam(model(Storage.ARRAYS, init, null), AdamOptions.of().lr(3e-3).splitMasterWeights(true));
        into.loadStateDict(bf.stateDict());
        AdamState s = into.state(into.paramGroups().get(0).params().get(0));
        for (int i = 0; i < LENGTHS[0]; i++) {
            assertEquals(0, SplitMasterWeights.bits(s.masterWeightLow(), i));
            assertEquals(bits(bf.state(plain.get(0)).expAvg().get(i)), bits(s.expAvg().get(i)));
        }
    }

    @Test
    void invalidCombinationsAreRefusedByNameWithNothingChanged() {
        Param f32 = Param.of("w", new float[4]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Adam(List.of(f32), AdamOptions.of().splitMasterWeights(true)));
        assertTrue(e.getMessage().contains("Invalid splitMasterWeights for parameter 'w', which is F32"), e.getMessage());
        Param bf = Param.of("b", new short[4], Precision.BF16);
        e = assertThrows(IllegalArgumentException.class,
                () -> new Adam(List.of(bf), AdamOptions.of().splitMasterWeights(true).stateDtype(Precision.BF16)));
        assertTrue(e.getMessage().contains("Invalid stateDtype BF16 with splitMasterWeights for parameter 'b'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Adam(List.of(bf), AdamOptions.of().splitMasterWeights(true).stochasticRounding(1)));
        assertTrue(e.getMessage().contains("Invalid stochasticRounding with splitMasterWeights for parameter 'b'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Adam(List.of(f32), AdamOptions.of().stochasticRounding(1)));
        assertTrue(e.getMessage().contains("Invalid stochasticRounding for parameter 'w', which is F32"), e.getMessage());
        Param f16 = Param.of("h", new short[4], Precision.F16);
        e = assertThrows(IllegalArgumentException.class, () -> new Adam(List.of(f16), AdamOptions.of().splitMasterWeights(true)));
        assertTrue(e.getMessage().contains("which is F16"), e.getMessage());
        // stateDtype(F32) on bf16 parameters names the option that gives them f32 moments
        e = assertThrows(IllegalArgumentException.class, () -> new Adam(List.of(bf), AdamOptions.of().stateDtype(Precision.F32)));
        assertTrue(e.getMessage().contains("splitMasterWeights(true)"), e.getMessage());
        // addParamGroup refuses before adding: the optimizer keeps its one group
        Adam opt = new Adam(List.of(bf), AdamOptions.of().splitMasterWeights(true));
        assertThrows(IllegalArgumentException.class, () -> opt.addParamGroup(ParamGroupSpec.of(List.of(f32))));
        assertEquals(1, opt.paramGroups().size());
        // views of one flat allocation share their state layout: split and plain views cannot mix
        FlatParameters flat = FlatParameters.builder(Precision.BF16).add("a", 4).add("c", 4).build();
        e = assertThrows(IllegalArgumentException.class, () -> new Adam(AdamOptions.of(), List.of(
                ParamGroupSpec.of(List.of(flat.param("a")), AdamOptions.of().splitMasterWeights(true)),
                ParamGroupSpec.of(List.of(flat.param("c"))))));
        assertTrue(e.getMessage().contains("FlatParameters"), e.getMessage());
    }
}
