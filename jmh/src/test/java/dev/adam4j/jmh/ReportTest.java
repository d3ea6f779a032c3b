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

    /** Forks of {@code ./bench targets}: each configuration several times, in run order. */
    static String targets() {
        List<String> rs = new java.util.ArrayList<>();
        String t1 = "\"threads\":\"1\"";
        double[][] peers = {{100e3, 80e3, 120e3}, {60e3, 62e3, 58e3}}; // 4K: adam4j 80..120 (spread 50%), PyTorch 58..62 (6.9%)
        for (int k = 0; k < 3; k++) {
            rs.add(result("PeerBench.step", "\"size\":\"4096\"," + t1 + ",\"impl\":\"ADAM4J\"", peers[0][k], 1, peers[0][k]));
            rs.add(result("PeerBench.step", "\"size\":\"4096\"," + t1 + ",\"impl\":\"TORCH_FUSED\"", peers[1][k], 1, peers[1][k]));
            rs.add(result("PeerBench.step", "\"size\":\"16777216\"," + t1 + ",\"impl\":\"ADAM4J\"", new double[] {10, 7, 11}[k], 1,
                    new double[] {10, 7, 11}[k]));
            rs.add(result("PeerBench.step", "\"size\":\"16777216\"," + t1 + ",\"impl\":\"TORCH_FUSED\"", 9, 1, 9));
            rs.add(result("OptimizerBench.manyTensors", "\"layout\":\"SINGLE\"", 100, 1, 100));
            rs.add(result("OptimizerBench.manyTensors", "\"layout\":\"FLAT\"", new double[] {95, 92, 90}[k], 1, new double[] {95, 92, 90}[k]));
            rs.add(result("OptimizerBench.manyTensors", "\"layout\":\"SEPARATE\"", new double[] {80, 85, 90}[k], 1, new double[] {80, 85, 90}[k]));
        }
        rs.add(result("Nd4jPeerBench.step", "\"size\":\"4096\"," + t1, 10e3, 1, 10e3));
        // 16M: 2 threads 3-3.4 steps/s against 1 thread's 2; the ceiling 4 at one thread, 12 at two (over half the size each): 1.5×
        for (int k = 0; k < 3; k++) {
            rs.add(result("OptimizerBench.threads", "\"size\":\"16777216\"," + t1, 2, 0.1, 2));
            rs.add(result("OptimizerBench.threads", "\"size\":\"16777216\",\"threads\":\"2\"", 3 + 0.2 * k, 0.1, 3 + 0.2 * k));
        }
        rs.add(result("CeilingBench.adamShaped", "\"size\":\"16777216\",\"precision\":\"F32\"", 4, 0.1, 4));
        rs.add(result("CeilingBench.adamShaped", "\"size\":\"8388608\",\"precision\":\"F32\",\"threads\":\"2\"", 12, 0.1, 12));
        // 2,048 elements a pass: 1e6 passes/s is 0.488 ns an element
        rs.add(result("DividerBench.adamChain", "", 1e6, 1, 1e6));
        rs.add(result("DividerBench.div", "", 4e6, 1, 4e6));
        return "[" + String.join(",", rs) + "]";
    }

    @Test
    void targetsAreDecidedByTheSlowestForkAgainstTheReferencesMedian(@TempDir Path dir) throws Exception {
        List<Result> rs = JmhJson.read(Files.writeString(dir.resolve("t.json"), targets()));
        StringBuilder md = new StringBuilder();
        Targets.verdicts(md, rs);
        String t = md.toString();
        // 4K: slowest adam4j fork 80 over PyTorch's median 60; 16M: 7 / 9
        assertTrue(t.contains("| never slower than PyTorch's fused Adam: slowest adam4j fork ≥ 0.95× PyTorch's median fork, 4K–64M, 1 thread "
                + "| 4K: 1.33×, 16M: 0.78× | **not met** |"), t);
        assertTrue(t.contains("| ≥ 1.25× PyTorch's fused Adam up to 64K, 1 thread | 4K: 1.33× | met |"), t);
        // PyTorch's 4K step (60,000 steps/s: 4.069 ns an element) is 8.3× the divider floor (0.488 ns): not out of reach;
        // with the floor at 3.5 ns, 1.16×: a miss is out of reach
        assertTrue(!t.contains("out of reach: at 4K"), t);
        List<Result> rs2 = new java.util.ArrayList<>(rs.stream().filter(r -> !r.benchmark().startsWith("DividerBench")).toList());
        rs2.add(new Result("DividerBench.adamChain", java.util.Map.of(), 1e9 / (3.5 * DividerBench.N), 1, 1, Double.NaN));
        rs2.replaceAll(r -> r.benchmark().equals("PeerBench.step") && r.p("impl").equals("ADAM4J") && r.size() == 4096
                ? new Result(r.benchmark(), r.params(), 70e3, r.score(), r.error(), Double.NaN) : r);
        StringBuilder md2 = new StringBuilder();
        Targets.verdicts(md2, rs2);
        assertTrue(md2.toString().contains("| ≥ 1.25× PyTorch's fused Adam up to 64K, 1 thread | 4K: 1.17× | **not met**; out of reach: at 4K the "
                + "divider allows 1.16× (PyTorch's median time an element over the divider floor's) |"), md2.toString());
        assertTrue(t.contains("| ≥ 1.25× PyTorch's fused Adam up to 64K, 2 threads | not in this run | – |"), t);
        // 50% against PyTorch's 6.9%: not met; 16M: 57% against 0%, not met either
        assertTrue(t.contains("| fork-to-fork spread no larger than PyTorch's (or 5%), 1 thread | 4K: 50% vs 7%, 16M: 57% vs 0% | **not met** |"), t);
        assertTrue(t.contains("| ≥ 5× ND4J at every size, 1 thread | 4K: 8.0× (3 vs 1 forks) | met |"), t);
        // the one tensor's median (100) over the slowest fork: flat 100/90 = 1.11 > 1.1, separate 100/80 = 1.25 ≤ 1.3
        assertTrue(t.contains("flat views: within 1.1× one 10M tensor's time (slowest fork / one tensor's median) | flat: 1.11× | **not met** |"), t);
        assertTrue(t.contains("separate arrays: within 1.3× one 10M tensor's time (slowest fork / one tensor's median) | separate: 1.25× | met |"), t);
        assertTrue(t.contains("| 2 threads ≥ 1.8× one thread from 256K up (slowest 2-thread fork / median 1-thread fork) | 16M: 1.50× | **not met**; "
                + "out of reach: at 16M memory allows 1.50× (the adam-shaped ceiling at 2 threads over 1) |"), t);
    }

    /** The section lists every fork, the ratio of medians and the per-fork ratios, and the other modes keep it. */
    @Test
    void theTargetsSectionListsForksAndSurvivesTheOtherModes(@TempDir Path dir) throws Exception {
        Path json = Files.writeString(dir.resolve("t.json"), targets());
        Path machine = Files.writeString(dir.resolve("m.txt"), "test machine\nL3: 32 MiB");
        Path docs = dir.resolve("docs");
        Report.main(new String[] {"--targets", json.toString(), docs.toString(), machine.toString(), "./bench targets"});
        Report.main(new String[] {"--targets", json.toString(), docs.toString(), machine.toString(), "./bench targets"});
        String md = Files.readString(docs.resolve("benchmarks.md"));
        assertEquals(md.indexOf(Targets.BEGIN), md.lastIndexOf(Targets.BEGIN), "one section, replaced in place");
        // medians 100 / 60; per fork 100/60, 80/62, 120/58. GB/s only where PeerBench (the peers profile) is on the
        // class path to declare its traffic: 100,000 steps/s × 4,096 × 28 B = 11.5 GB/s
        String gb = Result.traffic("PeerBench.step") == null ? "– / – / – | – / – / –"
                : "11.5 ± 0.00 / 9.18 ± 0.00 / 13.8 ± 0.00 | 6.88 ± 0.00 / 7.11 ± 0.00 / 6.65 ± 0.00";
        assertTrue(md.contains("| 4,096 | 1 | " + gb + " | 1.67× | 1.67×, 1.29×, 2.07× | 1.33× | 50% | 7% |"), md);
        assertTrue(md.contains("| separate | 22.4 ± 0.28 / 23.8 ± 0.28 / 25.2 ± 0.28 | 1.18× | 1.25× |"), md);
        assertTrue(md.contains("| 16,777,216 | 1.41 ± 0.05 / 1.50 ± 0.05 / 1.60 ± 0.05 | 0.94 ± 0.05 / 0.94 ± 0.05 / 0.94 ± 0.05 | 1.60× "
                + "| 1.50×, 1.60×, 1.70× | 1.50× | 1.50× |"), md);
        // adam4j at 4K: 100,000 steps/s is 2.441 ns an element, the floor 0.488: 20%; PyTorch's median 60,000: 4.069 ns, 12%
        assertTrue(md.contains("| `adamChain` | 0.488 | – |") && md.contains("| `div` | 0.122 | – |"), md);
        assertTrue(md.contains("| adam4j step, 4K | 2.441 / 3.052 / 2.035 | 20% |"), md);
        assertTrue(md.contains("| PyTorch fused step, 4K | 4.069 / 3.938 / 4.209 | 12% |"), md);
        String section = Targets.section(md);
        Report.main(new String[] {Files.writeString(dir.resolve("r.json"), JSON).toString(), docs.toString(), machine.toString(), "./bench test"});
        String full = Files.readString(docs.resolve("benchmarks.md"));
        assertTrue(full.contains(section) && full.contains("## One Adam step"), full);
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
        assertTrue(md.toString().contains("fused Adam (worst paired fork), 1 thread | 1M: 2.00×, 16M: 1.25× | **not met** |"), md.toString());
        assertTrue(md.toString().contains("fused Adam (worst paired fork), 2 threads | not in this run | – |"), md.toString());
    }

    /** Forks pair in run order; the verdict is the worst pair's; the section replaces itself and the full report keeps it. */
    @Test
    void theClipStepSectionPairsForksAndSurvivesTheFullReport(@TempDir Path dir) throws Exception {
        String at = "\"size\":\"1048576\",\"threads\":\"2\",\"impl\":";
        String json = "[" + String.join(",",
                result("ClipStepBench.clipAndStep", at + "\"ADAM4J\"", 300, 5, 300),
                result("ClipStepBench.clipAndStep", at + "\"TORCH\"", 100, 5, 100),
                result("ClipStepBench.clipAndStep", at + "\"TORCH\"", 200, 5, 200),
                result("ClipStepBench.clipAndStep", at + "\"ADAM4J\"", 280, 5, 280)) + "]";
        Path clip = Files.writeString(dir.resolve("clip.json"), json);
        Path machine = Files.writeString(dir.resolve("m.txt"), "test machine");
        Path docs = dir.resolve("docs");
        Report.main(new String[] {"--clip-step", clip.toString(), docs.toString(), machine.toString(), "./bench clip"});
        Report.main(new String[] {"--clip-step", clip.toString(), docs.toString(), machine.toString(), "./bench clip"});
        String md = Files.readString(docs.resolve("benchmarks.md"));
        assertEquals(md.indexOf(Report.CLIP_BEGIN), md.lastIndexOf(Report.CLIP_BEGIN), "one section, replaced in place");
        assertTrue(md.contains("| 1,048,576 | 2 | 300 ± 5.00 / 280 ± 5.00 | 100 ± 5.00 / 200 ± 5.00 | 3.00×, 1.40× |"), md);
        assertTrue(md.contains("2 threads | 1M: 1.40× (worst of 2 pairs) | **not met** |"), md);
        Report.main(new String[] {Files.writeString(dir.resolve("r.json"), JSON).toString(), docs.toString(), machine.toString(), "./bench test"});
        String full = Files.readString(docs.resolve("benchmarks.md"));
        assertTrue(full.contains("3.00×, 1.40×") && full.contains("## One Adam step"), full);
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

    // ------------------------------------------------------------------ framework adapters

    /** One single-fork adapter result (ms/op) of benchmark {@code bench} (fully qualified). */
    static String fork(String bench, String optimizer, String model, int threads, double ms) {
        return "{\"benchmark\":\"" + bench + "\",\"mode\":\"avgt\",\"params\":{\"optimizer\":\"" + optimizer + "\",\"threads\":\""
                + threads + "\",\"model\":\"" + model + "\"},\"primaryMetric\":{\"score\":" + ms + ",\"scoreError\":0.1,"
                + "\"scoreUnit\":\"ms/op\",\"rawData\":[[" + ms + "," + ms + "," + ms + "]]},\"secondaryMetrics\":{}}";
    }

    static final String DJL = "dev.adam4j.djl.bench.DjlOptimizerBench.step";
    static final String TRIBUO = "dev.adam4j.tribuo.bench.TribuoOptimiserBench.step";

    /** Forks in the order ./bench adapters runs them: adapter and framework alternating. */
    static String adapters(double djlSecondFork) {
        return "[" + String.join(",",
                fork(DJL, "adam4j", "12x512", 1, 2), fork(DJL, "djl", "12x512", 1, 9),
                fork(DJL, "djl", "12x512", 1, 7), fork(DJL, "adam4j", "12x512", 1, djlSecondFork),
                fork(DJL, "adam4j", "12x512", 1, 2), fork(DJL, "djl", "12x512", 1, 8),
                fork(DJL, "adam4j", "12x512", 2, 1), fork(DJL, "djl", "12x512", 2, 4),
                fork(DJL, "djl", "12x512", 2, 5), fork(DJL, "adam4j", "12x512", 2, 1),
                fork(TRIBUO, "adam4j", "12x512", 1, 10), fork(TRIBUO, "tribuo", "12x512", 1, 60),
                fork(TRIBUO, "adam4j", "12x512", 2, 9)) + "]";
    }

    @Test
    void adapterTargetsAreDecidedByTheWorstPairedFork(@TempDir Path dir) throws Exception {
        List<Result> rs = JmhJson.read(Files.writeString(dir.resolve("a.json"), adapters(2.5)));
        StringBuilder md = new StringBuilder();
        Goals.adapterTable(md, rs);
        String table = md.toString();
        // 9/2, 7/2.5, 8/2: the second fork decides, below 3
        assertTrue(table.contains("| ≥ 3× DJL's Adam, 1 thread | 3.15 M in 24 tensors: 2.80× (4.50, 2.80, 4.00) | **not met** |"), table);
        assertTrue(table.contains("| ≥ 3× DJL's Adam, 2 threads | 3.15 M in 24 tensors: 4.00× (4.00, 5.00) | met |"), table);
        assertTrue(table.contains("| ≥ 3× DL4J's Adam, 1 thread | not in this run | – |"), table);
        assertTrue(!table.contains("applyUpdater"), "a breakdown without a target has no target row: " + table);
        assertTrue(table.contains("| ≥ 5× Tribuo's Adam, 1 thread | 3.15 M in 24 tensors: 6.00× (6.00) | met |"), table);
        // Tribuo's Adam has no threads: adam4j at 2 is compared with its 1-thread fork
        assertTrue(table.contains("(adam4j at 2 against Tribuo's single thread) | 3.15 M in 24 tensors: 6.67× (6.67) | met |"), table);

        List<Result> fast = JmhJson.read(Files.writeString(dir.resolve("b.json"), adapters(2.0)));
        StringBuilder md2 = new StringBuilder();
        Goals.adapterTable(md2, fast);
        assertTrue(md2.toString().contains("| ≥ 3× DJL's Adam, 1 thread | 3.15 M in 24 tensors: 3.50× (4.50, 3.50, 4.00) | met |"), md2.toString());
    }

    /** The no-op optimizer's forks bound what any optimizer can gain; a target above that bound is said to be out of reach. */
    @Test
    void aTargetAboveWhatANoOpOptimizerAllowsIsOutOfReach(@TempDir Path dir) throws Exception {
        String dl4j = "dev.adam4j.dl4j.bench.Dl4jUpdaterBench.step";
        String json = "[" + String.join(",",
                fork(dl4j, "adam4j", "12x512", 1, 12), fork(dl4j, "dl4j", "12x512", 1, 24), fork(dl4j, "noop", "12x512", 1, 10),
                fork(dl4j, "noop", "12x512", 1, 11), fork(dl4j, "dl4j", "12x512", 1, 30), fork(dl4j, "adam4j", "12x512", 1, 13),
                fork(TRIBUO, "adam4j", "12x512", 1, 10), fork(TRIBUO, "tribuo", "12x512", 1, 60), fork(TRIBUO, "noop", "12x512", 1, 5)) + "]";
        List<Result> rs = JmhJson.read(Files.writeString(dir.resolve("n.json"), json));
        StringBuilder md = new StringBuilder();
        Goals.adapterTable(md, rs);
        String t = md.toString();
        // the best fork: 30 / 11 = 2.73× with no optimizer at all, below the 3× target
        assertTrue(t.contains("| ≥ 3× DL4J's Adam, 1 thread | 3.15 M in 24 tensors: 2.00× (2.00, 2.31) | **not met**; out of reach: with no optimizer "
                + "at all the step is at most 2.73× faster than with DL4J's Adam (3.15 M in 24 tensors, best fork) |"), t);
        // Tribuo: 60 / 5 = 12× is reachable, so the miss is not excused; met here anyway (6×)
        assertTrue(t.contains("| ≥ 5× Tribuo's Adam, 1 thread | 3.15 M in 24 tensors: 6.00× (6.00) | met |"), t);
        String section = Report.adapterSection(rs, "m", "./bench adapters");
        assertTrue(section.contains("| 3.15 M in 24 tensors | 1 | 12.0 ± 0.10 / 13.0 ± 0.10 | 24.0 ± 0.10 / 30.0 ± 0.10 | 2.00×, 2.31× | 2.00× "
                + "| 10.0 ± 0.10 / 11.0 ± 0.10 | 2.73× |"), section);
    }

    /**
     * An updater that only moves Adam's bytes ({@code floor}) bounds what any Adam can gain; a target above that
     * bound, though below the no-op bound, is out of reach, and the section shows the floor's forks.
     */
    @Test
    void aTargetAboveWhatAdamsBytesAllowIsOutOfReach(@TempDir Path dir) throws Exception {
        String dl4j = "dev.adam4j.dl4j.bench.Dl4jUpdaterBench.step";
        String json = "[" + String.join(",",
                fork(dl4j, "adam4j", "12x512", 2, 8), fork(dl4j, "dl4j", "12x512", 2, 16), fork(dl4j, "noop", "12x512", 2, 4),
                fork(dl4j, "floor", "12x512", 2, 6), fork(dl4j, "floor", "12x512", 2, 7), fork(dl4j, "noop", "12x512", 2, 5),
                fork(dl4j, "dl4j", "12x512", 2, 15), fork(dl4j, "adam4j", "12x512", 2, 7.5)) + "]";
        List<Result> rs = JmhJson.read(Files.writeString(dir.resolve("f.json"), json));
        StringBuilder md = new StringBuilder();
        Goals.adapterTable(md, rs);
        String t = md.toString();
        // no-op: best 16 / 4 = 4× (reachable); floor: best 16 / 6 = 2.67×, below 3×
        assertTrue(t.contains("| ≥ 3× DL4J's Adam, 2 threads | 3.15 M in 24 tensors: 2.00× (2.00, 2.00) | **not met**; out of reach: with an updater "
                + "that only moves Adam's bytes (reads the gradient and the moments, writes the moments and the update) the step is at most "
                + "2.67× faster than with DL4J's Adam (3.15 M in 24 tensors, best fork) |"), t);
        String section = Report.adapterSection(rs, "m", "./bench adapters");
        assertTrue(section.contains("| 3.15 M in 24 tensors | 2 | 8.00 ± 0.10 / 7.50 ± 0.10 | 16.0 ± 0.10 / 15.0 ± 0.10 | 2.00×, 2.00× | 2.00× "
                + "| 4.00 ± 0.10 / 5.00 ± 0.10 | 4.00× | 6.00 ± 0.10 / 7.00 ± 0.10 | 2.67× |"), section);

        // without floor forks, the bound is the no-op's alone: 4× > 3×, so the miss is not excused
        String noFloor = "[" + String.join(",", fork(dl4j, "adam4j", "12x512", 2, 8), fork(dl4j, "dl4j", "12x512", 2, 16),
                fork(dl4j, "noop", "12x512", 2, 4)) + "]";
        StringBuilder md2 = new StringBuilder();
        Goals.adapterTable(md2, JmhJson.read(Files.writeString(dir.resolve("g.json"), noFloor)));
        assertTrue(md2.toString().contains("| ≥ 3× DL4J's Adam, 2 threads | 3.15 M in 24 tensors: 2.00× (2.00) | **not met** |"), md2.toString());
    }

    @Test
    void theAdaptersSectionListsEveryForkInRunOrder(@TempDir Path dir) throws Exception {
        List<Result> rs = JmhJson.read(Files.writeString(dir.resolve("a.json"), adapters(2.5)));
        String section = Report.adapterSection(rs, "test machine", "./bench adapters");
        assertTrue(section.startsWith(Report.ADAPTERS_BEGIN) && section.endsWith(Report.ADAPTERS_END), section);
        assertTrue(section.contains("| 3.15 M in 24 tensors | 1 | 2.00 ± 0.10 / 2.50 ± 0.10 / 2.00 ± 0.10 | 9.00 ± 0.10 / 7.00 ± 0.10 / 8.00 ± 0.10 "
                + "| 4.50×, 2.80×, 4.00× | 2.80× |"), section);
        assertTrue(section.contains("| 3.15 M in 24 tensors | 2 | 9.00 ± 0.10 | 60.0 ± 0.10 (1 thread) | 6.67× | 6.67× |"), section);
        assertTrue(!section.contains("### Deeplearning4j"), "no section for a framework without results");
    }

    @Test
    void theAdaptersRunRewritesOnlyItsSectionAndTheFullRunKeepsIt(@TempDir Path dir) throws Exception {
        Path docs = Files.createDirectories(dir.resolve("docs"));
        String before = "# Benchmarks\n\nintro\n\n## Peers\n\n| a | b |\n\n";
        String chart = "\n## Chart\n\n![throughput against size](benchmarks.svg)\n";
        Files.writeString(docs.resolve("benchmarks.md"), before + chart);
        Path machine = Files.writeString(dir.resolve("m.txt"), "test machine\nL3: 32 MiB");
        Path slow = Files.writeString(dir.resolve("a.json"), adapters(2.5));
        Report.main(new String[] {"--adapters", slow.toString(), docs.toString(), machine.toString(), "./bench adapters"});
        String once = Files.readString(docs.resolve("benchmarks.md"));
        assertTrue(once.startsWith(before), once);
        assertTrue(once.endsWith(Report.ADAPTERS_END + "\n" + chart), once);
        assertTrue(once.contains("2.80×"), once);

        // a second adapters run replaces the section, once
        Path fast = Files.writeString(dir.resolve("b.json"), adapters(2.0));
        Report.main(new String[] {"--adapters", fast.toString(), docs.toString(), machine.toString(), "./bench adapters"});
        String twice = Files.readString(docs.resolve("benchmarks.md"));
        assertEquals(1, twice.split(java.util.regex.Pattern.quote(Report.ADAPTERS_BEGIN), -1).length - 1, twice);
        assertTrue(twice.startsWith(before) && twice.contains("3.50×") && !twice.contains("2.80×"), twice);
        String section = Report.adapterSection(twice);

        // the full report, from the kernel run's JSON, keeps the adapters' section as it was
        Path json = Files.writeString(dir.resolve("r.json"), JSON);
        Report.main(new String[] {json.toString(), docs.toString(), machine.toString(), "./bench test"});
        String full = Files.readString(docs.resolve("benchmarks.md"));
        assertTrue(full.contains("| F32 | 16,777,216 | ARRAY | ADAM | 23.5 ± 2.35 |"), full);
        assertTrue(full.contains(section), full);
        assertTrue(full.indexOf(section) < full.indexOf("## Chart"), full);
    }


    // ------------------------------------------------------------------ 16-bit layouts (./bench half)

    static String half(String layout, String impl, int size, int threads, double stepsPerSecond) {
        return result("HalfPeerBench.step", "\"size\":\"" + size + "\",\"threads\":\"" + threads + "\",\"layout\":\"" + layout
                + "\",\"impl\":\"" + impl + "\"", stepsPerSecond, 5, stepsPerSecond);
    }

    /** A ceiling fork as ./bench half runs it: at 2 threads JMH's -t 2, each thread over half the size. */
    static String ceiling(String precision, String stateDtype, int size, int threads, double opsPerSecond) {
        return result("CeilingBench.adamShaped", "\"size\":\"" + size / threads + "\",\"precision\":\"" + precision
                + "\",\"stateDtype\":\"" + stateDtype + "\"", opsPerSecond, 1, opsPerSecond).replace("{\"benchmark\"", "{\"threads\":" + threads + ",\"benchmark\"");
    }

    /**
     * Forks in the order ./bench half runs them (adam4j and PyTorch back to back, swapped every round): bf16
     * meets its target at 1 thread, misses it by one fork at 2; f16 has no PyTorch fork; f32 + bf16 moments
     * meets it at 16M and is information at 4K.
     */
    static final String HALF = "[" + String.join(",",
            half("BF16", "ADAM4J", 4096, 1, 300000), half("BF16", "TORCH", 4096, 1, 200000),
            half("BF16", "TORCH", 4096, 1, 215000), half("BF16", "ADAM4J", 4096, 1, 280000),
            half("BF16", "ADAM4J", 4096, 2, 300000), half("BF16", "TORCH", 4096, 2, 200000),
            half("BF16", "TORCH", 4096, 2, 250000), half("BF16", "ADAM4J", 4096, 2, 300000),
            half("F16", "ADAM4J", 4096, 1, 100000),
            half("F32_BF16_STATE", "ADAM4J", 16777216, 1, 20), half("F32_BF16_STATE", "TORCH", 16777216, 1, 10),
            half("F32_BF16_STATE", "ADAM4J", 4096, 1, 100000), half("F32_BF16_STATE", "TORCH", 4096, 1, 120000),
            ceiling("BF16", "SAME", 4096, 1, 1e6), ceiling("BF16", "SAME", 4096, 2, 1.5e6),
            ceiling("F32", "BF16", 4096, 1, 8e5), ceiling("F32", "SAME", 4096, 1, 6e5)) + "]";

    @Test
    void theCeilingMovesTheLayoutsBytesAndKnowsItsThreads(@TempDir Path dir) throws Exception {
        List<Result> rs = JmhJson.read(Files.writeString(dir.resolve("h.json"), HALF));
        List<Result> c = rs.stream().filter(r -> r.benchmark().equals("CeilingBench.adamShaped")).toList();
        assertEquals(4096.0 * 14, c.get(0).bytesPerOp(), "bf16: 7 streams of 2 bytes");
        assertEquals("", c.get(0).p("threads"));
        assertEquals(2048.0 * 14, c.get(1).bytesPerOp(), "-t 2: each thread half the size");
        assertEquals("2", c.get(1).p("threads"));
        assertEquals(4096.0 * 20, c.get(2).bytesPerOp(), "f32 p, g with bf16 m, v");
        assertEquals(4096.0 * 28, c.get(3).bytesPerOp());
        assertEquals(List.of(c.get(1)), Report.ceilingForks(rs, 14, "4096", "2"));
    }

    @Test
    void halfTargetsAreDecidedByTheWorstPairedFork(@TempDir Path dir) throws Exception {
        StringBuilder md = new StringBuilder();
        Goals.half(md, JmhJson.read(Files.writeString(dir.resolve("h.json"), HALF)));
        String t = md.toString();
        assertTrue(t.contains("| bf16 ≥ 1.25× PyTorch's fused bf16 at every size, 1 thread | 4K: 1.30× (1.50×, 1.30×) | met |"), t);
        // one fork of two below 1.25: not met, whatever the median
        assertTrue(t.contains("| bf16 ≥ 1.25× PyTorch's fused bf16 at every size, 2 threads | 4K: 1.20× (1.50×, 1.20×) | **not met** |"), t);
        assertTrue(t.contains("| f16 ≥ 1.25× PyTorch's fused f16 at every size, 1 thread | 4K: no PyTorch fork | not decided (a side is missing) |"), t);
        assertTrue(t.contains("| f16 ≥ 1.25× PyTorch's fused f16 at every size, 2 threads | not in this run | – |"), t);
        assertTrue(t.contains("| f32 + bf16 moments ≥ 1.3× PyTorch's fused f32 at 16M and 64M, 1 thread | 16M: 2.00× | met |"), t);
        assertTrue(t.contains("| f32 + bf16 moments vs PyTorch's fused f32 at the other sizes (information, no target), 1 thread | 4K: 0.83× | – |"), t);
        assertTrue(t.contains("| f32 + bf16 moments ≥ 1.3× PyTorch's fused f32 at 16M and 64M, 2 threads | not in this run | – |"), t);
    }

    /** Per-fork steps/s with half-widths, GB/s of the layout's bytes and its share of the same-bytes ceiling, ratios. */
    @Test
    void theHalfSectionListsForksGigabytesAndCeilingsAndSurvivesTheOtherModes(@TempDir Path dir) throws Exception {
        Path json = Files.writeString(dir.resolve("h.json"), HALF);
        Path machine = Files.writeString(dir.resolve("m.txt"), "test machine\nL3: 32 MiB");
        Path docs = dir.resolve("docs");
        Report.main(new String[] {"--half", json.toString(), docs.toString(), machine.toString(), "./bench half"});
        Report.main(new String[] {"--half", json.toString(), docs.toString(), machine.toString(), "./bench half"});
        String md = Files.readString(docs.resolve("benchmarks.md"));
        assertEquals(md.indexOf(Report.HALF_BEGIN), md.lastIndexOf(Report.HALF_BEGIN), "one section, replaced in place");
        assertTrue(md.contains("## 16-bit layouts: adam4j vs PyTorch's fused kernel"), md);
        // 290,000 steps/s × 14 B × 4,096 = 16.6 GB/s, 29% of 57.3; PyTorch 207,500: 11.9 GB/s, 21%
        assertTrue(md.contains("| 4,096 | 1 | 300000 ± 5.00 / 280000 ± 5.00 | 200000 ± 5.00 / 215000 ± 5.00 | 16.6 (29%) | 11.9 (21%) "
                + "| 57.3 | 1.50×, 1.30× | 1.40× | 1.30× |"), md);
        // 2 threads: the -t 2 ceiling, 1.5e6 × 2,048 × 14 = 43.0 GB/s
        assertTrue(md.contains("| 4,096 | 2 | 300000 ± 5.00 / 300000 ± 5.00 | 200000 ± 5.00 / 250000 ± 5.00 | 17.2 (40%) | 12.9 (30%) "
                + "| 43.0 | 1.50×, 1.20× | 1.33× | 1.20× |"), md);
        assertTrue(md.contains("| 4,096 | 1 | 100000 ± 5.00 | – | 5.73 (10%) | – | 57.3 | – | – | – |"), md);
        // f32 + bf16 moments: adam4j at 20 B against its ceiling (8e5 × 4,096 × 20 = 65.5 GB/s), PyTorch at 28 B against its own
        assertTrue(md.contains("| 4,096 | 1 | 100000 ± 5.00 | 120000 ± 5.00 | 8.19 (13%) | 13.8 (20%) | 65.5; 68.8 | 0.83× | 0.83× | 0.83× |"), md);
        assertTrue(md.contains("| 16,777,216 | 1 | 20.0 ± 5.00 | 10.0 ± 5.00 | 6.71 | 4.70 | –; – | 2.00× | 2.00× | 2.00× |"), md);
        String section = Report.halfSection(md);

        // the clip run and the full run keep it
        Report.main(new String[] {"--clip-step", Files.writeString(dir.resolve("c.json"), "[]").toString(), docs.toString(),
                machine.toString(), "./bench clip"});
        Report.main(new String[] {Files.writeString(dir.resolve("r.json"), JSON).toString(), docs.toString(), machine.toString(), "./bench test"});
        String full = Files.readString(docs.resolve("benchmarks.md"));
        assertTrue(full.contains(section) && full.contains("## One Adam step"), full);
    }
}
