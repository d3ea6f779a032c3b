package dev.adam4j.optim.amp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.optim.Adam;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.Param;
import dev.adam4j.optim.checkpoint.Checkpoint;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run with dynamic loss scaling and clipping, checkpointed mid-way (parameters, optimizer state and
 * the scaler's state dict as extra state) and resumed in fresh objects, ends bit-identical to the
 * uninterrupted run: parameters, moments, step counts and the scale.
 */
class GradScalerResumeTest {
    static final int STEPS = 40, STOP = 17;

    /** A model, its gradients drawn per step from a seeded stream; overflows at fixed steps. */
    static final class Run {
        final float[] w = new float[257], g = new float[257];
        final Param p = Param.of("w", w);
        final Adam opt;
        final GradScaler scaler = new GradScaler(1024.0, 2.0, 0.5, 3, true);

        Run() {
            for (int i = 0; i < w.length; i++) w[i] = (float) Math.sin(i + 1.0);
            p.setGrad(DataBuffer.of(g));
            opt = new Adam(List.of(p));
        }

        void step(int s) {
            SplittableRandom r = new SplittableRandom(1000L + s); // the batch of step s, whoever runs it
            for (int i = 0; i < g.length; i++) g[i] = (float) (scaler.getScale() * r.nextGaussian());
            if (s == 5 || s == 23) g[7] = Float.POSITIVE_INFINITY;
            scaler.clipGradNorm(opt, 1.0);
            scaler.step(opt);
            scaler.update();
        }
    }

    @Test
    void aResumedRunEndsOnTheUninterruptedRunsBits(@TempDir Path dir) throws Exception {
        Run straight = new Run();
        for (int s = 1; s <= STEPS; s++) straight.step(s);

        Run first = new Run();
        for (int s = 1; s <= STOP; s++) first.step(s);
        Path file = dir.resolve("run.safetensors");
        Checkpoint.save(first.opt, file, Checkpoint.SaveOptions.defaults().withParams(true)
                .withExtraState("grad_scaler", first.scaler.stateDict()));

        Run resumed = new Run();
        Map<String, Map<String, Object>> extras = Checkpoint.load(resumed.opt, file, true);
        resumed.scaler.loadStateDict(extras.get("grad_scaler"));
        assertEquals(first.scaler.stateDict(), resumed.scaler.stateDict());
        for (int s = STOP + 1; s <= STEPS; s++) resumed.step(s);

        assertArrayEquals(straight.w, resumed.w);
        assertArrayEquals(bits(straight.opt.state(straight.p).expAvg()), bits(resumed.opt.state(resumed.p).expAvg()));
        assertArrayEquals(bits(straight.opt.state(straight.p).expAvgSq()), bits(resumed.opt.state(resumed.p).expAvgSq()));
        assertEquals(straight.opt.state(straight.p).step(), resumed.opt.state(resumed.p).step());
        assertEquals(STEPS - 2, resumed.opt.state(resumed.p).step(), "the two overflows were skipped");
        assertEquals(straight.scaler.stateDict(), resumed.scaler.stateDict());
        assertTrue(straight.scaler.getScale() > 1024.0, "the scale grew during the run");
    }

    static long[] bits(DataBuffer b) {
        long[] out = new long[(int) b.length()];
        for (int i = 0; i < out.length; i++) out[i] = Double.doubleToRawLongBits(b.get(i));
        return out;
    }
}
