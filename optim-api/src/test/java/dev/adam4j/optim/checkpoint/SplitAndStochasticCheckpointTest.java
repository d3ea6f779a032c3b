package dev.adam4j.optim.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.Precision;
import dev.adam4j.kernels.ReducedFloats;
import dev.adam4j.optim.Adam;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.AdamState;
import dev.adam4j.optim.Configs;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.FlatParameters;
import dev.adam4j.optim.Param;
import dev.adam4j.optim.SplitMasterWeights;
import dev.adam4j.testing.NamedConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checkpoints of bf16 parameters with split master weights and with stochastic rounding: a run saved at
 * step 5, loaded into a fresh optimizer and fresh (zeroed) bf16 parameters and continued to step 12 ends
 * on exactly the uninterrupted run's bits (parameters, low halves, every moment), every named
 * configuration, separate and flat parameters. Split parameters are saved as the F32 tensors of the
 * master weights, their low halves as {@code state.<id>.master_weight} (F32), the moments F32; stochastic
 * rounding keeps BF16 tensors. A load without parameters restores the low halves from the state alone.
 */
class SplitAndStochasticCheckpointTest {
    static final int[] LENGTHS = {129, 5, 300};
    static final String[] NAMES = {"a.weight", "a.bias", "b"};

    @TempDir
    Path dir;

    enum Mode { SPLIT, STOCHASTIC }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (NamedConfig c : NamedConfig.ALL) {
            for (Mode m : Mode.values()) {
                for (boolean flat : new boolean[] {false, true}) out.add(Arguments.of(c, m, flat));
            }
        }
        return out.stream();
    }

    static List<Param> params(boolean flat) {
        List<Param> ps = new ArrayList<>();
        if (flat) {
            FlatParameters.Builder b = FlatParameters.builder(Precision.BF16);
            for (int k = 0; k < NAMES.length; k++) b.add(NAMES[k], LENGTHS[k]);
            ps.addAll(b.build().params());
        } else {
            for (int k = 0; k < NAMES.length; k++) ps.add(Param.of(NAMES[k], new short[LENGTHS[k]], Precision.BF16));
        }
        return ps;
    }

    static void init(List<Param> ps) {
        SplittableRandom r = new SplittableRandom(17);
        for (Param p : ps) for (int i = 0; i < p.length(); i++) p.data().set(i, r.nextGaussian());
    }

    static void steps(Adam opt, List<Param> ps, int from, int to, double gradScale) {
        for (int t = from; t <= to; t++) {
            for (int k = 0; k < ps.size(); k++) {
                SplittableRandom r = new SplittableRandom(t * 101L + k);
                DataBuffer g = ps.get(k).defineGrad();
                for (int i = 0; i < g.length(); i++) g.set(i, r.nextGaussian() * 0.1);
            }
            opt.step(gradScale);
        }
    }

    static AdamOptions options(NamedConfig c, Mode m) {
        AdamOptions o = Configs.options(c.h());
        return m == Mode.SPLIT ? o.splitMasterWeights(true) : o.stochasticRounding(5);
    }

    /** Every element of every parameter and state buffer, as f32 bits (the master weight for split), NaN canonical. */
    static List<Integer> bits(Adam opt, List<Param> ps) {
        List<Integer> out = new ArrayList<>();
        for (Param p : ps) {
            AdamState s = opt.state(p);
            DataBuffer value = s.masterWeightLow() != null ? SplitMasterWeights.join(p.data(), s.masterWeightLow()) : p.data();
            for (DataBuffer b : new DataBuffer[] {value, p.data(), s.expAvg(), s.expAvgSq(), s.maxExpAvgSq()}) {
                if (b == null) continue;
                for (int i = 0; i < b.length(); i++) out.add(Float.floatToIntBits((float) b.get(i)));
            }
            out.add((int) s.step());
        }
        return out;
    }

    @ParameterizedTest(name = "{0} | {1} | flat={2}")
    @MethodSource("cases")
    void resumingEqualsUninterruptedTraining(NamedConfig c, Mode mode, boolean flat) throws IOException {
        List<Param> straight = params(flat);
        init(straight);
        Adam s = new Adam(straight, options(c, mode));
        steps(s, straight, 1, 12, c.gradScale());

        List<Param> first = params(flat);
        init(first);
        Adam f = new Adam(first, options(c, mode));
        steps(f, first, 1, 5, c.gradScale());
        Path file = dir.resolve("run.safetensors");
        Checkpoint.save(f, file, Checkpoint.SaveOptions.defaults().withParams(true));
        try (SafetensorsFile sf = SafetensorsFile.openHeader(file)) {
            Dtype param = mode == Mode.SPLIT ? Dtype.F32 : Dtype.BF16;
            for (int id = 0; id < NAMES.length; id++) {
                assertEquals(param, sf.tensors().get(NAMES[id]).dtype(), NAMES[id]);
                assertEquals(param, sf.tensors().get("state." + id + ".exp_avg").dtype());
                SafetensorsFile.Tensor mw = sf.tensors().get("state." + id + ".master_weight");
                if (mode == Mode.SPLIT) assertEquals(Dtype.F32, mw.dtype());
                else assertNull(mw);
            }
        }
        List<Param> resumed = params(flat); // zeros: everything comes from the file
        Adam r = new Adam(resumed, options(c, mode));
        Checkpoint.load(r, file, true);
        steps(r, resumed, 6, 12, c.gradScale());
        assertEquals(bits(s, straight), bits(r, resumed));
    }

    /** The state alone restores the low halves: the model's bf16 weights come from elsewhere (here, copied). */
    @Test
    void splitStateLoadsWithoutParameters() throws IOException {
        AdamOptions o = AdamOptions.of().lr(1e-2).splitMasterWeights(true);
        List<Param> straight = params(false);
        init(straight);
        Adam s = new Adam(straight, o);
        steps(s, straight, 1, 8, 1.0);

        List<Param> first = params(false);
        init(first);
        Adam f = new Adam(first, o);
        steps(f, first, 1, 4, 1.0);
        Path file = dir.resolve("state-only.safetensors");
        Checkpoint.save(f, file);
        List<Param> resumed = params(false);
        for (int k = 0; k < resumed.size(); k++) resumed.get(k).data().copyFrom(first.get(k).data()); // the bf16 model weights
        Adam r = new Adam(resumed, o);
        Checkpoint.load(r, file);
        AdamState rs = r.state(resumed.get(0)), fs = f.state(first.get(0));
        DataBuffer a = SplitMasterWeights.join(resumed.get(0).data(), rs.masterWeightLow());
        DataBuffer b = SplitMasterWeights.join(first.get(0).data(), fs.masterWeightLow());
        for (int i = 0; i < a.length(); i++) assertEquals(Float.floatToIntBits((float) b.get(i)), Float.floatToIntBits((float) a.get(i)));
        steps(r, resumed, 5, 8, 1.0);
        assertEquals(bits(s, straight), bits(r, resumed));
        // the master weights differ from the bf16 values: the low halves are not all zero
        boolean anyLow = false;
        for (int i = 0; i < a.length(); i++) anyLow |= ReducedFloats.splitLow((float) a.get(i)) != 0;
        assertTrue(anyLow);
    }
}
