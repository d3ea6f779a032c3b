package dev.adam4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.adam4j.optim.checkpoint.CheckpointException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The main job's promises: it learns, and an interrupted then resumed run equals an uninterrupted one, in
 * every {@code --precision}.
 */
class TrainTest {
    @TempDir
    Path dir;

    private static String run(Path checkpoint, int steps, int stopAt, boolean resume, Train.Layout precision) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Train.train(new PrintStream(bytes, true, StandardCharsets.UTF_8), steps, 32, 128, Train.DEFAULT_LR, 7, checkpoint, 100,
                stopAt, resume, precision);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static String run(Path checkpoint, int steps, int hidden, int stopAt, boolean resume) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Train.train(new PrintStream(bytes, true, StandardCharsets.UTF_8), steps, hidden, 128, Train.DEFAULT_LR, 7, checkpoint, 100, stopAt, resume);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static String digest(String out) {
        Matcher m = Pattern.compile("parameters sha256 ([0-9a-f]{64})").matcher(out);
        assertTrue(m.find(), out);
        return m.group(1);
    }

    @ParameterizedTest
    @EnumSource(Train.Layout.class)
    void resumingFromTheCheckpointMatchesTheUninterruptedRun(Train.Layout precision) throws Exception {
        String straight = run(dir.resolve("a.safetensors"), 600, -1, false, precision);
        String first = run(dir.resolve("b.safetensors"), 600, 250, false, precision);
        String resumed = run(dir.resolve("b.safetensors"), 600, -1, true, precision);
        assertTrue(first.contains("stopped at step 250"), first);
        assertTrue(resumed.contains("resumed from"), resumed);
        assertEquals(digest(straight), digest(resumed));
        assertTrue(!digest(first).equals(digest(straight)), "the interrupted run is not yet the final model");
        assertEquals(precision.description == null, !straight.contains("; "), "only other precisions say so: " + straight);
    }

    /** The precisions really differ (a bf16 run is not an f32 one), and a run resumes only in its own. */
    @Test
    void eachPrecisionTrainsItsOwnModelAndResumesOnlyAsItself() throws Exception {
        java.util.Set<String> digests = new java.util.HashSet<>();
        for (Train.Layout l : Train.Layout.values()) digests.add(digest(run(dir.resolve(l.flag + ".safetensors"), 50, -1, false, l)));
        assertEquals(Train.Layout.values().length, digests.size(), "one model per precision");
        CheckpointException e = org.junit.jupiter.api.Assertions.assertThrows(CheckpointException.class,
                () -> run(dir.resolve("bf16.safetensors"), 100, -1, true, Train.Layout.F32));
        assertTrue(e.getMessage().contains("was trained with --precision bf16, not f32"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(CheckpointException.class,
                () -> run(dir.resolve("f32.safetensors"), 100, -1, true, Train.Layout.F32_BF16_MOMENTS));
        assertTrue(e.getMessage().contains("was trained with --precision f32, not f32-bf16-moments"), e.getMessage());
    }

    @Test
    void theDefaultRunLearnsTheSpirals() throws Exception {
        String straight = run(dir.resolve("c.safetensors"), 1500, 64, -1, false);
        Matcher acc = Pattern.compile("final: .*accuracy ([0-9.]+)%").matcher(straight);
        assertTrue(acc.find());
        assertTrue(Double.parseDouble(acc.group(1)) > 90, "the MLP learns the spirals: " + straight);
    }

    @Test
    void gpt2SmallHasItsKnownSize() {
        java.util.List<String> names = new java.util.ArrayList<>();
        long total = 0;
        for (long[] s : Throughput.gpt2SmallShapes(names)) {
            long n = 1;
            for (long d : s) n *= d;
            total += n;
        }
        assertEquals(148, names.size());
        assertEquals(124_439_808L, total);
    }
}
