package dev.adam4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code ./train --workers N}: 2 processes over Gloo end on the single-process run's accuracy. */
class DataParallelTest {
    static final Pattern ACCURACY = Pattern.compile("final: step \\d+, loss [0-9.]+, accuracy ([0-9.]+)%");

    static double accuracy(String out) {
        Matcher m = ACCURACY.matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void twoWorkersEndOnTheSingleProcessAccuracy(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Train.train(new PrintStream(bytes, true, StandardCharsets.UTF_8), 600, 64, 128, Train.DEFAULT_LR, 7,
                dir.resolve("r.safetensors"), 0, -1, false);
        double single = accuracy(bytes.toString(StandardCharsets.UTF_8));

        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Train.class.getName(), "--workers", "2", "--steps", "600"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
            assertEquals(0, p.exitValue(), out);
            assertTrue(out.contains("batch 128 over 2 workers (64 each"), out);
            double parallel = accuracy(out);
            assertTrue(parallel >= 99.5 && Math.abs(parallel - single) <= 0.5, "2 workers " + parallel + "%, one process " + single + "%");
        } finally {
            p.destroyForcibly();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "--workers 0|--workers must be positive, got 0",
            "--workers 3|--workers 3 must divide the batch (128)",
            "--workers 2 --resume|--workers runs without checkpoints"})
    void badWorkerArgumentsGetOneLine(String args, String expected) throws Exception {
        String[] r = TrainArgumentsTest.runMain(args.split(" "));
        assertEquals("2", r[0], r[1]);
        assertTrue(r[1].contains(expected), r[1]);
    }
}
