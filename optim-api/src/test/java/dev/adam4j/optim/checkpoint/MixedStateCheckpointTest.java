package dev.adam4j.optim.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.Precision;
import dev.adam4j.kernels.ReducedFloats;
import dev.adam4j.optim.Adam;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.AdamState;
import dev.adam4j.optim.Configs;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.Param;
import dev.adam4j.testing.NamedConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Checkpoints of f32 parameters with bf16/f16 moments ({@link AdamOptions#stateDtype}): the moments are
 * safetensors BF16/F16 tensors holding the optimizer's bits, the parameters F32; a resumed run ends on
 * exactly the uninterrupted run's bits, every named configuration, separate and flat; a file of the
 * f32 layout resumes in the 16-bit one (rounded to nearest even) and the other way round (exact).
 */
class MixedStateCheckpointTest {
    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (NamedConfig c : NamedConfig.ALL) {
            for (Precision d : new Precision[] {Precision.BF16, Precision.F16}) {
                for (boolean flat : new boolean[] {false, true}) out.add(Arguments.of(c, d, flat));
            }
        }
        return out.stream();
    }

    static Dtype dtype(Precision p) {
        return switch (p) {
            case F32 -> Dtype.F32;
            case F64 -> Dtype.F64;
            case BF16 -> Dtype.BF16;
            case F16 -> Dtype.F16;
        };
    }

    @ParameterizedTest(name = "{0} | {1} moments | flat={2}")
    @MethodSource("cases")
    void resumingEqualsUninterruptedTrainingAndTheFileHoldsTheDtypes(NamedConfig c, Precision d, boolean flat) throws IOException {
        AdamOptions o = Configs.options(c.h()).stateDtype(d);
        Trained straight = new Trained(Precision.F32, flat, o, 1).steps(20);

        Trained first = new Trained(Precision.F32, flat, o, 1).steps(10);
        Path file = dir.resolve("mixed.safetensors");
        Checkpoint.save(first.opt, file, Checkpoint.SaveOptions.defaults().withParams(true));
        try (SafetensorsFile f = SafetensorsFile.openHeader(file)) {
            for (SafetensorsFile.Tensor t : f.tensors().values()) {
                Dtype expected = t.name().endsWith(".step") ? Dtype.I64 : t.name().startsWith("state.") ? dtype(d) : Dtype.F32;
                assertEquals(expected, t.dtype(), t.name());
            }
            assertTrue(f.metadata().get("param_groups").contains("\"state_dtype\":\"" + (d == Precision.BF16 ? "bfloat16" : "float16") + "\""),
                    f.metadata().get("param_groups"));
        }

        // a fresh process, in effect: other parameter values, an optimizer built with the same layout
        Trained resumed = new Trained(Precision.F32, flat, AdamOptions.of().stateDtype(d), 2);
        Checkpoint.load(resumed.opt, file, true);
        assertEquals(first.fingerprint(), resumed.fingerprint(), "the loaded state equals the saved one");

        Trained cont = new Trained(Precision.F32, flat, o, 1).steps(10); // advances the gradient generator identically
        Checkpoint.load(cont.opt, file, true);
        cont.steps(10);
        assertEquals(straight.fingerprint(), cont.fingerprint());
    }

    /** The tensor bits are the optimizer's, unchanged: what PyTorch reads as torch.bfloat16 / torch.float16. */
    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"BF16", "F16"})
    void theMomentTensorsHoldTheOptimizersBits(Precision d) throws IOException {
        Trained t = new Trained(Precision.F32, false, AdamOptions.of().amsgrad(true).stateDtype(d), 4).steps(3);
        Path file = dir.resolve("bits.safetensors");
        Checkpoint.save(t.opt, file);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (int id = 0; id < t.params.size(); id++) {
                AdamState s = t.opt.state(t.params.get(id));
                Map<String, DataBuffer> buffers = Map.of("exp_avg", s.expAvg(), "exp_avg_sq", s.expAvgSq(), "max_exp_avg_sq",
                        s.maxExpAvgSq());
                for (Map.Entry<String, DataBuffer> e : buffers.entrySet()) {
                    SafetensorsFile.Tensor tensor = f.tensors().get("state." + id + "." + e.getKey());
                    short[] bits = f.bytes(tensor).toArray(SafetensorsFile.LE_I16);
                    DataBuffer.HalfArray live = (DataBuffer.HalfArray) e.getValue();
                    assertArrayEquals(java.util.Arrays.copyOfRange(live.array(), live.offset(), live.offset() + live.count()), bits,
                            tensor.name()); // a view: the states of one step share an array per moment
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"BF16", "F16"})
    void aFileOfTheOtherLayoutResumesConverted(Precision d) throws IOException {
        Trained f32 = new Trained(Precision.F32, false, AdamOptions.of().amsgrad(true), 5).steps(4);
        Path file = dir.resolve("f32.safetensors");
        Checkpoint.save(f32.opt, file, Checkpoint.SaveOptions.defaults().withParams(true));
        Trained mixed = new Trained(Precision.F32, false, AdamOptions.of().stateDtype(d), 6);
        Checkpoint.load(mixed.opt, file, true);
        assertEquals(d, mixed.opt.paramGroups().get(0).stateDtype(), "the optimizer keeps its layout");
        for (int k = 0; k < f32.params.size(); k++) {
            AdamState a = f32.opt.state(f32.params.get(k)), b = mixed.opt.state(mixed.params.get(k));
            assertEquals(d, b.expAvg().precision());
            for (int i = 0; i < a.expAvg().length(); i++) {
                assertEquals(ReducedFloats.fromFloat(d, (float) a.expAvg().get(i)), ((DataBuffer.HalfArray) b.expAvg()).array()[i]);
                assertEquals(ReducedFloats.fromFloat(d, (float) a.maxExpAvgSq().get(i)), ((DataBuffer.HalfArray) b.maxExpAvgSq()).array()[i]);
            }
        }
        // and back: a 16-bit file into the f32 layout, widened exactly
        Path back = dir.resolve("mixed.safetensors");
        Checkpoint.save(mixed.opt, back, Checkpoint.SaveOptions.defaults().withParams(true));
        Trained plain = new Trained(Precision.F32, false, AdamOptions.of(), 7);
        Checkpoint.load(plain.opt, back, true);
        for (int k = 0; k < mixed.params.size(); k++) {
            AdamState a = mixed.opt.state(mixed.params.get(k)), b = plain.opt.state(plain.params.get(k));
            assertEquals(Precision.F32, b.expAvg().precision());
            assertEquals(Trained.bits(a.expAvgSq()), Trained.bits(b.expAvgSq()));
            assertEquals(Trained.bits(a.maxExpAvgSq()), Trained.bits(b.maxExpAvgSq()));
        }
    }

    @Test
    void nativeSegmentsRoundTrip() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            List<Param> ps = new ArrayList<>(), other = new ArrayList<>();
            for (int k = 0; k < 2; k++) {
                Param q = Param.of("p" + k, DataBuffer.of(arena.allocate(4L * (k + 5), 64), Precision.F32));
                for (int i = 0; i < q.length(); i++) q.data().set(i, k - i * 0.25);
                ps.add(q);
                other.add(Param.of("p" + k, DataBuffer.of(arena.allocate(4L * (k + 5), 64), Precision.F32)));
            }
            Adam opt = new Adam(ps, AdamOptions.of().amsgrad(true).stateDtype(Precision.BF16));
            for (int s = 0; s < 3; s++) {
                for (Param q : ps) for (int i = 0; i < q.length(); i++) q.defineGrad().set(i, Math.cos(s + i));
                opt.step();
            }
            Path f = dir.resolve("native.safetensors");
            Checkpoint.save(opt, f, Checkpoint.SaveOptions.defaults().withParams(true));
            Adam opt2 = new Adam(other, AdamOptions.of().stateDtype(Precision.BF16));
            Checkpoint.load(opt2, f, true);
            assertEquals(opt.toString(), opt2.toString());
            for (int k = 0; k < 2; k++) {
                AdamState a = opt.state(ps.get(k)), b = opt2.state(other.get(k));
                assertTrue(b.expAvg() instanceof DataBuffer.Segment, "native parameters get native state");
                assertEquals(Trained.bits(ps.get(k).data()), Trained.bits(other.get(k).data()));
                assertEquals(Trained.bits(a.expAvg()) + Trained.bits(a.expAvgSq()) + Trained.bits(a.maxExpAvgSq()),
                        Trained.bits(b.expAvg()) + Trained.bits(b.expAvgSq()) + Trained.bits(b.maxExpAvgSq()));
            }
        }
    }

    /**
     * Files convert any floating-point dtype to the optimizer's state precision, as they always have
     * (an F64 tensor to BF16 through F32, as PyTorch's cast does), while an in-memory state dict refuses
     * F64 moments for F32 parameters: a file's dtype is a storage choice ({@link Checkpoint.SaveOptions#withStateDtype}).
     */
    @Test
    void aFileWithF64MomentsLoadsIntoBf16MomentsThroughF32() throws IOException {
        Trained f64 = new Trained(Precision.F64, false, AdamOptions.of(), 8).steps(2);
        Path g = dir.resolve("f64.safetensors");
        Checkpoint.save(f64.opt, g);
        Trained target = new Trained(Precision.F32, false, AdamOptions.of().stateDtype(Precision.BF16), 8);
        Checkpoint.load(target.opt, g);
        for (int k = 0; k < f64.params.size(); k++) {
            AdamState a = f64.opt.state(f64.params.get(k)), b = target.opt.state(target.params.get(k));
            assertEquals(Precision.BF16, b.expAvg().precision());
            for (int i = 0; i < a.expAvg().length(); i++) {
                assertEquals(ReducedFloats.floatToBf16((float) a.expAvg().get(i)), ((DataBuffer.HalfArray) b.expAvg()).array()[i]);
            }
        }
    }
}
