package dev.adam4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every bad argument of ./train gets one line naming it and exit code 2, through the real entry point. */
class TrainArgumentsTest {

    /** Runs {@code Train.main} in a JVM of its own (it calls System.exit); returns exit code and stderr. */
    static String[] runMain(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                Train.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8)
                .lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")) // the JVM's, not ours
                .reduce("", (a, b) -> a + b + "\n");
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return new String[] {String.valueOf(p.exitValue()), err};
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "--lr -1|--lr must be a finite number >= 0, got -1",
            "--lr nan|--lr needs a number, got 'nan'",
            "--lr Infinity|--lr must be a finite number >= 0, got Infinity",
            "--checkpoint-every -5|--checkpoint-every must be between 0 and",
            "--steps abc|--steps needs a whole number, got 'abc'",
            "--steps 0|--steps must be positive, got 0",
            "--resume --checkpoint /nonexistent/x.safetensors|--resume: there is no checkpoint at /nonexistent/x.safetensors",
            "--frobnicate|unknown option --frobnicate",
            "--precision fp8|--precision must be one of f32, bf16, f32-bf16-moments, bf16-split, bf16-sr, got 'fp8'",
            "--precision|--precision needs a value",
            "--precision bf16 --workers 2|--precision bf16 trains in one process: it cannot be combined with --workers",
            "--precision f32-bf16-moments --throughput|--precision f32-bf16-moments trains in one process: it cannot be combined with --throughput"})
    void aBadArgumentGetsOneLineAndExitCode2(String args, String expected) throws Exception {
        String[] r = runMain(args.split(" "));
        assertEquals("2", r[0], r[1]);
        assertEquals(1, r[1].strip().lines().count(), "one line: " + r[1]);
        assertTrue(r[1].contains(expected), r[1]);
    }

    @Test
    void resumingAFinishedRunSaysSoInsteadOfCountingBackwards(@TempDir Path dir) throws Exception {
        Path ck = dir.resolve("r.safetensors");
        Train.train(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), 50, 16, 64, Train.DEFAULT_LR, 7, ck, 0, -1, false);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Train.train(new PrintStream(bytes, true, StandardCharsets.UTF_8), 50, 16, 64, Train.DEFAULT_LR, 7, ck, 0, -1, true);
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("nothing to train: the checkpoint is at step 50"), out);
        assertFalse(out.contains("51..50") || out.matches("(?s).*-[0-9.]+ steps/s.*"), out);
    }
}
