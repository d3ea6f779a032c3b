package dev.adam4j.optim.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.testing.NamedConfig;
import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.AdamState;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.Param;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class CheckpointRoundTripTest {
    @TempDir
    Path dir;

    static AdamOptions options(NamedConfig c) {
        return dev.adam4j.optim.Configs.options(c.h());
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (NamedConfig c : NamedConfig.ALL) {
            for (Precision p : Precision.values()) {
                for (boolean flat : new boolean[] {false, true}) out.add(Arguments.of(c, p, flat));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} | {1} flat={2}")
    @MethodSource("cases")
    void saveThenLoadIsBitExactAndResumingEqualsUninterruptedTraining(NamedConfig c, Precision p, boolean flat) throws IOException {
        Trained straight = new Trained(p, flat, options(c), 1).steps(20);

        Trained first = new Trained(p, flat, options(c), 1).steps(10);
        Path file = dir.resolve("ckpt.safetensors");
        Checkpoint.save(first.opt, file, Checkpoint.SaveOptions.defaults().withParams(true));

        // a fresh process, in effect: new parameters (other values), a default optimizer
        Trained resumed = new Trained(p, flat, AdamOptions.of(), 2);
        Checkpoint.load(resumed.opt, file, true);
        assertEquals(first.fingerprint(), resumed.fingerprint(), "the loaded state equals the saved one");

        // same random gradient stream as the uninterrupted run from step 11 on
        Trained cont = new Trained(p, flat, options(c), 1).steps(10); // advances the generator identically
        Checkpoint.load(cont.opt, file, true);
        cont.steps(10);
        assertEquals(straight.fingerprint(), cont.fingerprint());
    }

    @ParameterizedTest
    @EnumSource(value = Dtype.class, names = {"BF16", "F16"})
    void reducedPrecisionStateRoundTripsToTheRoundedValues(Dtype d) throws IOException {
        Trained t = new Trained(Precision.F32, false, AdamOptions.of().amsgrad(true), 3).steps(5);
        Path a = dir.resolve("a.safetensors"), b = dir.resolve("b.safetensors");
        Checkpoint.save(t.opt, a, Checkpoint.SaveOptions.defaults().withStateDtype(d));
        Trained loaded = new Trained(Precision.F32, false, AdamOptions.of(), 3);
        Checkpoint.load(loaded.opt, a);
        for (int k = 0; k < t.params.size(); k++) {
            AdamState s = t.opt.state(t.params.get(k)), l = loaded.opt.state(loaded.params.get(k));
            for (int i = 0; i < s.expAvg().length(); i++) {
                float v = (float) s.expAvg().get(i);
                float rounded = d == Dtype.BF16 ? Dtype.fromBf16(Dtype.toBf16(v)) : Float.float16ToFloat(Float.floatToFloat16(v));
                assertEquals(rounded, (float) l.expAvg().get(i), 0f);
            }
        }
        // and saving the loaded state again gives the same bytes
        Checkpoint.save(loaded.opt, b, Checkpoint.SaveOptions.defaults().withStateDtype(d));
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals((short) 0x3F80, Dtype.toBf16(1.0f));
        assertEquals((short) 0x3F80, Dtype.toBf16(Float.intBitsToFloat(0x3F808000))); // tie → even
        assertEquals((short) 0x3F82, Dtype.toBf16(Float.intBitsToFloat(0x3F818000))); // tie → even (up)
        assertEquals((short) 0x3F81, Dtype.toBf16(Float.intBitsToFloat(0x3F808001)));
        assertTrue(Float.isNaN(Dtype.fromBf16(Dtype.toBf16(Float.NaN))));
        assertEquals(Float.POSITIVE_INFINITY, Dtype.fromBf16(Dtype.toBf16(Float.MAX_VALUE)));
    }

    @Test
    void nativeSegmentParametersRoundTrip() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            List<Param> ps = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                Param q = Param.of("p" + k, DataBuffer.of(arena.allocate(8L * (k + 2)), Precision.F64));
                for (int i = 0; i < q.length(); i++) q.data().set(i, k + i * 0.25);
                ps.add(q);
            }
            var opt = new dev.adam4j.optim.AdamW(ps, AdamOptions.of().amsgrad(true));
            for (int s = 0; s < 4; s++) {
                for (Param q : ps) for (int i = 0; i < q.length(); i++) q.defineGrad().set(i, Math.sin(s + i));
                opt.step();
            }
            Path f = dir.resolve("native.safetensors");
            Checkpoint.save(opt, f);
            List<Param> other = new ArrayList<>();
            for (Param q : ps) other.add(Param.of(q.name(), DataBuffer.of(arena.allocate(8L * q.length()), Precision.F64)));
            var opt2 = new dev.adam4j.optim.AdamW(other);
            Checkpoint.load(opt2, f);
            for (int k = 0; k < 3; k++) {
                assertEquals(Trained.bits(opt.state(ps.get(k)).maxExpAvgSq()), Trained.bits(opt2.state(other.get(k)).maxExpAvgSq()));
                assertEquals(opt.state(ps.get(k)).step(), opt2.state(other.get(k)).step());
            }
            assertEquals(opt.toString(), opt2.toString());
        }
    }

    @Test
    void aFailedSaveLeavesThePreviousCheckpointAndNoTemporaryFile() throws IOException {
        Trained t = new Trained(Precision.F32, false, AdamOptions.of(), 4).steps(2);
        Path f = dir.resolve("keep.safetensors");
        Checkpoint.save(t.opt, f);
        byte[] before = Files.readAllBytes(f);
        // a parameter whose memory is freed makes the save fail half-way through the tensors
        Arena arena = Arena.ofShared();
        Param doomed = Param.of("zz.doomed", DataBuffer.of(arena.allocate(4 * 1024 * 1024), Precision.F32));
        t.opt.addParamGroup(dev.adam4j.optim.ParamGroupSpec.of(List.of(doomed)));
        arena.close();
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> Checkpoint.save(t.opt, f, Checkpoint.SaveOptions.defaults().withParams(true)));
        assertTrue(e.getMessage().contains("cannot write"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(f));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void aLoadIntoAnotherOptimizerClassIsRefused() throws IOException {
        Trained t = new Trained(Precision.F32, false, AdamOptions.of(), 5).steps(1);
        Path f = dir.resolve("adam.safetensors");
        Checkpoint.save(t.opt, f);
        var w = new dev.adam4j.optim.AdamW(new Trained(Precision.F32, false, AdamOptions.of(), 5).params);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoint.load(w, f));
        assertTrue(e.getMessage().contains("written by optimizer 'Adam', loading into AdamW"), e.getMessage());
        assertNotEquals(0, Files.size(f));
    }
}
