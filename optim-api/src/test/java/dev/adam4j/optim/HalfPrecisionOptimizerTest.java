package dev.adam4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.AdamKernels;
import dev.adam4j.kernels.Precision;
import dev.adam4j.kernels.ReducedFloats;
import dev.adam4j.optim.checkpoint.Checkpoint;
import dev.adam4j.testing.NamedConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * bf16 and f16 parameters through the optimizer facade: the state is 16-bit like the parameter, a step
 * equals the kernel called directly on the same bits (arrays and native segments), and bad
 * combinations are refused by name before anything is written.
 */
class HalfPrecisionOptimizerTest {
    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (NamedConfig c : NamedConfig.ALL) {
            for (Precision p : new Precision[] {Precision.BF16, Precision.F16}) out.add(Arguments.of(c, p));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} | {1}")
    @MethodSource("cases")
    void adamOnShortArraysAndSegmentsEqualsTheKernel(NamedConfig c, Precision p) {
        int n = 37;
        SplittableRandom r = new SplittableRandom(c.name().hashCode());
        short[] init = new short[n];
        for (int i = 0; i < n; i++) init[i] = ReducedFloats.fromFloat(p, (float) r.nextGaussian());
        short[] data = init.clone();
        Param q = Param.of("w", data, p, n);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(2L * n, 64);
            MemorySegment.copy(init, 0, seg, ValueLayout.JAVA_SHORT, 0, n);
            Param qs = Param.of("w", DataBuffer.of(seg, p), n);
            Adam opt = new Adam(List.of(q), Configs.options(c.h()));
            Adam opts = new Adam(List.of(qs), Configs.options(c.h()));
            short[] ep = init.clone(), em = new short[n], ev = new short[n], ex = new short[n];
            for (int t = 1; t <= 5; t++) {
                short[] g = new short[n];
                for (int i = 0; i < n; i++) g[i] = ReducedFloats.fromFloat(p, (float) (r.nextGaussian() * 1e-2));
                DataBuffer gb = q.defineGrad(), gs = qs.defineGrad();
                for (int i = 0; i < n; i++) {
                    gb.set(i, ReducedFloats.toFloat(p, g[i]));
                    gs.set(i, ReducedFloats.toFloat(p, g[i]));
                }
                opt.step(c.gradScale());
                opts.step(c.gradScale());
                AdamKernels.step(c.h(), t, c.gradScale(), p, ep, 0, g, 0, em, 0, ev, 0, ex, 0, n);
            }
            assertArrayEquals(ep, data, "param after 5 steps (arrays)");
            short[] fromSeg = seg.toArray(ValueLayout.JAVA_SHORT);
            assertArrayEquals(ep, fromSeg, "param after 5 steps (segment)");
            AdamState s = opt.state(q);
            assertEquals(p, s.expAvg().precision());
            assertEquals(p, s.expAvgSq().precision());
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToIntBits(ReducedFloats.toFloat(p, em[i])), Float.floatToIntBits((float) s.expAvg().get(i)), "exp_avg " + i);
                assertEquals(Float.floatToIntBits(ReducedFloats.toFloat(p, ev[i])), Float.floatToIntBits((float) s.expAvgSq().get(i)), "exp_avg_sq " + i);
                if (c.h().amsgrad()) {
                    assertEquals(Float.floatToIntBits(ReducedFloats.toFloat(p, ex[i])), Float.floatToIntBits((float) s.maxExpAvgSq().get(i)));
                }
            }
        }
    }

    @Test
    void aGradientOfAnotherPrecisionIsRefusedByName() {
        Param q = Param.of("w", new short[4], Precision.BF16, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> q.setGrad(DataBuffer.of(new short[4], Precision.F16)));
        assertTrue(e.getMessage().contains("BF16") && e.getMessage().contains("F16"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> q.setGrad(DataBuffer.of(new float[4])));
        IllegalArgumentException w = assertThrows(IllegalArgumentException.class, () -> DataBuffer.of(new short[4], Precision.F32));
        assertTrue(w.getMessage().contains("F32"), w.getMessage());
    }

    @Test
    void checkpointsHoldTheBitsAsTheirOwnDtype(@TempDir Path tmp) throws IOException {
        short[] data = new short[6];
        for (int i = 0; i < 6; i++) data[i] = ReducedFloats.floatToBf16(0.1f * (i - 2));
        Param q = Param.of("w", data, Precision.BF16, 2, 3);
        Adam opt = new Adam(List.of(q), AdamOptions.of());
        DataBuffer g = q.defineGrad();
        for (int i = 0; i < 6; i++) g.set(i, 0.01 * i);
        opt.step();
        Path f = tmp.resolve("c.safetensors");
        Checkpoint.save(opt, f, Checkpoint.SaveOptions.defaults().withParams(true));
        short[] other = new short[6];
        Param q2 = Param.of("w", other, Precision.BF16, 2, 3);
        Adam opt2 = new Adam(List.of(q2), AdamOptions.of());
        Checkpoint.load(opt2, f, true);
        assertArrayEquals(data, other, "parameter bits restored");
        for (int i = 0; i < 6; i++) {
            assertEquals(opt.state(q).expAvg().get(i), opt2.state(q2).expAvg().get(i));
            assertEquals(opt.state(q).expAvgSq().get(i), opt2.state(q2).expAvgSq().get(i));
        }
        assertEquals(Precision.BF16, opt2.state(q2).expAvg().precision());
    }
}
