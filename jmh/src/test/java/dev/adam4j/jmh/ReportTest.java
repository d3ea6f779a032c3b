package dev.adam4j.jmh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The report's parts on a small JMH result file: parsing, declared traffic, goal verdicts, Markdown and SVG. */
class ReportTest {
    static String result(String bench, String params, double score, double error, double... raw) {
        StringBuilder r = new StringBuilder();
        for (double x : raw) r.append(r.isEmpty() ? "" : ",").append(x);
        return "{\"benchmark\":\"dev.adam4j.jmh." + bench + "\",\"params\":{" + params + "},\"primaryMetric\":{\"score\":" + score
                + ",\"scoreError\":" + error + ",\"rawData\":[[" + r + "]]},\"secondaryMetrics\":{}}";
    }

    static final String JSON = "[" + String.join(",",
            result("KernelBench.Vector.step", "\"size\":\"16777216\",\"precision\":\"F32\",\"storage\":\"ARRAY\",\"variant\":\"ADAM\"", 50, 5, 40, 60, 50),
            result("KernelBench.Vector.step", "\"size\":\"16777216\",\"precision\":\"F64\",\"storage\":\"ARRAY\",\"variant\":\"AMSGRAD\"", 10, 1, 10),
            result("CeilingBench.adamShaped", "\"size\":\"16777216\",\"precision\":\"F32\"", 60, 3, 60),
            result("OptimizerBench.manyTensors", "\"layout\":\"SINGLE\"", 200, 5, 200),
            result("OptimizerBench.manyTensors", "\"layout\":\"FLAT\"", 190, 5, 190),
            result("OptimizerBench.manyTensors", "\"layout\":\"SEPARATE\"", 80, 5, 80)) + "]";

    @Test
    void parsesTheMedianAndTurnsOpsIntoBytesWithTheBenchmarksOwnTraffic(@TempDir Path dir) throws Exception {
        Path json = Files.writeString(dir.resolve("r.json"), JSON);
        List<Result> rs = JmhJson.read(json);
        assertEquals(6, rs.size());
        Result v = rs.get(0);
        assertEquals(50, v.median(), "median of 40, 60, 50");
        assertEquals(16777216.0 * 28, v.bytesPerOp());
        assertEquals(16777216.0 * 72, rs.get(1).bytesPerOp(), "f64 amsgrad: 36 bytes doubled");
        assertEquals(10_000_000.0 * 28, rs.get(3).bytesPerOp());
        assertTrue(Double.isNaN(new Result("NoSuchBench.x", java.util.Map.of(), 1, 1, 0, Double.NaN).bytesPerOp()));
    }

    @Test
    void goalsAreDecidedByEveryMeasuredRatio(@TempDir Path dir) throws Exception {
        List<Result> rs = JmhJson.read(Files.writeString(dir.resolve("r.json"), JSON));
        StringBuilder md = new StringBuilder();
        Goals.table(md, rs, "L3: 32 MiB");
        String table = md.toString();
        assertTrue(table.contains("| ≥ 90% of the adam-shaped ceiling at 16M and above (f32 float[]) | 16M: 83% (23.5 ± 2.35 vs 28.2 ± 1.41 GB/s) | **not met** |"), table);
        assertTrue(table.contains("flat: 1.05×, separate: 2.50× | **not met** |"), table);
        assertTrue(table.contains("PyTorch fused up to 1M, 1 thread | not in this run | – |"), table);
    }

    @Test
    void theClipStepGoalIsAdam4jsStepsPerSecondOverPyTorchs(@TempDir Path dir) throws Exception {
        String json = "[" + String.join(",",
                result("ClipStepBench.clipAndStep", "\"size\":\"1048576\",\"threads\":\"1\",\"impl\":\"ADAM4J\"", 300, 5, 300),
                result("ClipStepBench.clipAndStep", "\"size\":\"1048576\",\"threads\":\"1\",\"impl\":\"TORCH\"", 150, 5, 150),
                result("ClipStepBench.clipAndStep", "\"size\":\"16777216\",\"threads\":\"1\",\"impl\":\"ADAM4J\"", 20, 1, 20),
                result("ClipStepBench.clipAndStep", "\"size\":\"16777216\",\"threads\":\"1\",\"impl\":\"TORCH\"", 16, 1, 16)) + "]";
        StringBuilder md = new StringBuilder();
        Goals.clipStep(md, JmhJson.read(Files.writeString(dir.resolve("r.json"), json)));
        assertTrue(md.toString().contains("fused Adam, 1 thread | 1M: 2.00×, 16M: 1.25× | **not met** |"), md.toString());
        assertTrue(md.toString().contains("fused Adam, 2 threads | not in this run | – |"), md.toString());
    }

    @Test
    void writesMarkdownAndAWellFormedChart(@TempDir Path dir) throws Exception {
        Path json = Files.writeString(dir.resolve("r.json"), JSON);
        Path machine = Files.writeString(dir.resolve("m.txt"), "test machine\nL3: 32 MiB");
        Report.main(new String[] {json.toString(), dir.resolve("docs").toString(), machine.toString(), "./bench test"});
        String md = Files.readString(dir.resolve("docs/benchmarks.md"));
        assertTrue(md.contains("| F32 | 16,777,216 | ARRAY | ADAM | 23.5 ± 2.35 |"), md);
        String svg = Files.readString(dir.resolve("docs/benchmarks.svg"));
        javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new java.io.ByteArrayInputStream(svg.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertTrue(svg.contains("adam4j vector"));
    }
}
