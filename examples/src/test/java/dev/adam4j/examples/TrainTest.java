package dev.adam4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The main job's promises: it learns, and an interrupted then resumed run equals an uninterrupted one. */
class TrainTest {
    @TempDir
    Path dir;

    private static String run(Path checkpoint, int steps, int stopAt, boolean resume) throws Exception {
        return run(checkpoint, steps, 32, stopAt, resume);
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

    @Test
    void resumingFromTheCheckpointMatchesTheUninterruptedRun() throws Exception {
        String straight = run(dir.resolve("a.safetensors"), 600, -1, false);
        String first = run(dir.resolve("b.safetensors"), 600, 250, false);
        String resumed = run(dir.resolve("b.safetensors"), 600, -1, true);
        assertTrue(first.contains("stopped at step 250"), first);
        assertTrue(resumed.contains("resumed from"), resumed);
        assertEquals(digest(straight), digest(resumed));
        assertTrue(!digest(first).equals(digest(straight)), "the interrupted run is not yet the final model");
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
