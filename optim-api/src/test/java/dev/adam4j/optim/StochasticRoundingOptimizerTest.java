package dev.adam4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.AdamKernels;
import dev.adam4j.kernels.Precision;
import dev.adam4j.kernels.ReducedFloats;
import dev.adam4j.optim.SplitMasterWeightsOptimizerTest.Storage;
import dev.adam4j.testing.NamedConfig;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Stochastic rounding of bf16 parameters through the facade ({@link AdamOptions#stochasticRounding}):
 * every named configuration × separate arrays, native segments, flat arrays, flat native equals the
 * kernel called directly per parameter (seed {@code seed + id}, index base 0) on 1 thread and, cut into
 * chunks, on 2 threads, bit for bit; it differs from round to nearest; on average it follows an update
 * that round to nearest loses entirely; the seed travels in the state dict and {@code toString}.
 */
class StochasticRoundingOptimizerTest {
    static final long SEED = 1234;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (NamedConfig c : NamedConfig.ALL) {
            for (Storage s : Storage.values()) out.add(Arguments.of(c, s));
        }
        return out.stream();
    }

    /** Six steps of {@code threads} threads (chunks of at least 64 elements); the parameters' and moments' bits. */
    static List<short[]> run(NamedConfig c, Storage storage, int threads, AdamOptions o, long seed) {
        short[][] init = SplitMasterWeightsOptimizerTest.initial(seed);
        try (Arena arena = Arena.ofShared()) {
            List<Param> ps = SplitMasterWeightsOptimizerTest.model(storage, init, arena);
            Adam opt = new Adam(ps, o);
            if (threads > 1) opt.setParallelism(ParallelSteps.defaultExecutor(), threads, 64);
            for (int t = 1; t <= SplitMasterWeightsOptimizerTest.STEPS; t++) {
                SplitMasterWeightsOptimizerTest.setGradients(ps, seed, t);
                opt.step(c.gradScale());
            }
            List<short[]> out = new ArrayList<>();
            for (Param p : ps) {
                AdamState s = opt.state(p);
                for (DataBuffer b : new DataBuffer[] {p.data(), s.expAvg(), s.expAvgSq(), s.maxExpAvgSq()}) {
                    if (b == null) continue;
                    short[] bits = new short[(int) b.length()];
                    for (int i = 0; i < bits.length; i++) bits[i] = SplitMasterWeights.bits(b, i);
                    out.add(bits);
                }
            }
            return out;
        }
    }

    /** The kernel called directly, one call per parameter and step, seed {@code SEED + id}. */
    static List<short[]> reference(NamedConfig c, long seed) {
        short[][] p = SplitMasterWeightsOptimizerTest.initial(seed);
        int n = p.length;
        short[][] m = new short[n][], v = new short[n][], x = new short[n][];
        long[] t = new long[n];
        for (int k = 0; k < n; k++) {
            m[k] = new short[p[k].length];
            v[k] = new short[p[k].length];
            x[k] = new short[p[k].length];
        }
        for (int step = 1; step <= SplitMasterWeightsOptimizerTest.STEPS; step++) {
            for (int k = 0; k < n; k++) {
                short[] g = SplitMasterWeightsOptimizerTest.gradient(seed, k, step);
                if (g == null) continue;
                t[k]++;
                AdamKernels.stepStochastic(c.h(), t[k], c.gradScale(), SEED + k, 0, p[k], 0, g, 0, m[k], 0, v[k], 0, x[k], 0,
                        p[k].length);
            }
        }
        List<short[]> out = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            out.add(p[k]);
            out.add(m[k]);
            out.add(v[k]);
            if (c.h().amsgrad()) out.add(x[k]);
        }
        return out;
    }

    static void assertSame(List<short[]> expected, List<short[]> actual, String what) {
        assertEquals(expected.size(), actual.size(), what);
        for (int b = 0; b < expected.size(); b++) {
            for (int i = 0; i < expected.get(b).length; i++) {
                assertEquals(canonical(expected.get(b)[i]), canonical(actual.get(b)[i]), what + " buffer " + b + " [" + i + "]");
            }
        }
    }

    static int canonical(short s) {
        return Float.floatToIntBits(ReducedFloats.bf16ToFloat(s));
    }

    @ParameterizedTest(name = "{0} | {1}")
    @MethodSource("cases")
    void reproducibleForAnyThreadCountAndEqualToTheKernel(NamedConfig c, Storage storage) {
        long seed = c.name().hashCode() * 13L + storage.ordinal();
        AdamOptions o = Configs.options(c.h()).stochasticRounding(SEED);
        List<short[]> ref = reference(c, seed);
        assertSame(ref, run(c, storage, 1, o, seed), storage + ", 1 thread");
        assertSame(ref, run(c, storage, 2, o, seed), storage + ", 2 threads");
        // round to nearest gives other parameters (the moments are the same arithmetic, but follow them)
        List<short[]> nearest = run(c, storage, 1, Configs.options(c.h()), seed);
        boolean differs = false;
        for (int k = 0; k < ref.size() && !differs; k++) differs = !Arrays.equals(ref.get(k), nearest.get(k));
        assertTrue(differs || c.h().lr() == 0, "stochastic rounding changed nothing");
    }

    /**
     * An update far below half a bf16 ulp: decoupled decay by 1 − 10^-4 a step with zero gradients, from
     * 1.0. Round to nearest never moves (0.9999 rounds back to 1); stochastic rounding follows the f32
     * decay on average: each step's expected value is the unrounded product, so after T = 300 steps the
     * mean of n = 4096 elements is 0.9999^300 up to a random error whose per-element variance is at most
     * T·(ulp/2)² (ulp = 2^-8 below 1): 5 standard deviations of the mean are 5·√300·2^-9/64 ≈ 0.0026.
     */
    @Test
    void followsUpdatesThatRoundToNearestLoses() {
        int n = 4096, steps = 300;
        AdamOptions base = AdamOptions.of().lr(1e-3).weightDecay(0.1).decoupledWeightDecay(true);
        double[] mean = new double[2];
        for (int sr = 0; sr < 2; sr++) {
            short[] w = new short[n];
            Arrays.fill(w, ReducedFloats.floatToBf16(1f));
            Param p = Param.of("w", w, Precision.BF16);
            Adam opt = new Adam(List.of(p), sr == 1 ? base.stochasticRounding(99) : base);
            p.defineGrad(); // zero
            for (int t = 0; t < steps; t++) opt.step();
            for (short s : w) mean[sr] += ReducedFloats.bf16ToFloat(s) / n;
        }
        double expected = Math.pow(1 - 1e-4, steps);
        assertEquals(1.0, mean[0], 0.0, "round to nearest loses every update");
        double bound = 5 * Math.sqrt(steps) * Math.pow(2, -9) / Math.sqrt(n);
        assertEquals(expected, mean[1], bound, "stochastic rounding is unbiased on average");
    }

    @Test
    void theSeedTravelsInTheStateDictAndToString() {
        Param p = Param.of("w", new short[8], Precision.BF16);
        Adam opt = new Adam(List.of(p), AdamOptions.of().stochasticRounding(-7_000_000_000_123L));
        assertEquals(-7_000_000_000_123L, opt.stateDict().paramGroups().get(0).options().get("stochastic_rounding_seed"));
        assertEquals(-7_000_000_000_123L, opt.paramGroups().get(0).stochasticRoundingSeed());
        assertTrue(opt.toString().contains("stochastic_rounding_seed: -7000000000123"), opt.toString());
        // the seed is how the optimizer was built: a load keeps it (and a state dict without one does not turn it off)
        Adam plain = new Adam(List.of(Param.of("w", new short[8], Precision.BF16)), AdamOptions.of());
        opt.loadStateDict(plain.stateDict());
        assertEquals(-7_000_000_000_123L, opt.paramGroups().get(0).stochasticRoundingSeed());
        AdamHyperparameters h = opt.paramGroups().get(0).hyperparameters();
        assertEquals(1e-3, h.lr());
    }
}
