package dev.adam4j.optim.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.optim.Adam;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a process that is saving large checkpoints at random moments (SIGKILL: no cleanup runs)
 * and checks that the target file always loads and equals one of the two versions being written.
 */
class CrashSafetyTest {
    static final int KILLS = Integer.getInteger("adam4j.crash.kills", 8);

    @TempDir
    Path dir;

    @Test
    void aKilledSaveNeverTearsTheCheckpoint() throws Exception {
        String a = CrashSaver.digest(CrashSaver.build(1));
        String b = CrashSaver.digest(CrashSaver.build(2));
        Path target = dir.resolve("run.safetensors");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        SplittableRandom r = new SplittableRandom(2026);
        int sawA = 0, sawB = 0;
        for (int k = 0; k < KILLS; k++) {
            Process child = new ProcessBuilder(java, "-Dadam4j.kernel=scalar", "-cp", System.getProperty("java.class.path"),
                    CrashSaver.class.getName(), target.toString())
                    .redirectErrorStream(true).start();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()))) {
                String line;
                while ((line = out.readLine()) != null && !line.equals("ready")) { /* log lines */ }
                assertEquals("ready", line, "the child did not start saving");
                Thread.sleep(r.nextInt(20, 1500));
                child.destroyForcibly(); // SIGKILL
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            }
            Adam loaded = CrashSaver.build(3); // same shape, a third state: a load must replace all of it
            Checkpoint.load(loaded, target, true);
            String got = CrashSaver.digest(loaded);
            assertTrue(got.equals(a) || got.equals(b), "kill " + k + ": the checkpoint is neither version");
            if (got.equals(a)) sawA++;
            else sawB++;
        }
        System.out.println("crash test: " + KILLS + " kills, the file held version A " + sawA + " times and B " + sawB + " times");
        try (var files = Files.list(dir)) {
            System.out.println("crash test: temporary files left by killed saves: " + (files.count() - 1));
        }
        // the next successful save clears what the killed ones left behind
        Thread.sleep(20);
        Checkpoint.save(CrashSaver.build(1), target, Checkpoint.SaveOptions.defaults().withParams(true));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(target), files.toList(), "stale temporary files are removed by the next save");
        }
    }
}
