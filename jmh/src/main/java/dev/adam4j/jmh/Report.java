package dev.adam4j.jmh;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Turns JMH's JSON results into {@code docs/benchmarks.md} (tables of GB/s with error bars,
 * fraction of the ceiling measured in the same run, ratios) and {@code docs/benchmarks.svg}
 * (throughput against size, one line per implementation, the ceiling drawn in).
 *
 * <p>Usage: {@code Report <jmh.json> <docs-dir> <machine.txt> <command>}.
 */
public final class Report {
    private Report() {}

    /** One benchmark result: its name, parameters, median of iterations (ops/s), JMH's ±error, alloc. */
    record Result(String benchmark, Map<String, String> params, double median, double score, double error, double allocBytesPerOp) {
        String p(String k) {
            return params.getOrDefault(k, "");
        }

        int size() {
            return Integer.parseInt(params.getOrDefault("size", "0"));
        }

        /** Bytes moved by one operation (the memory traffic of Adam: 7 or 9 streams of elements). */
        double bytesPerOp() {
            int elem = p("precision").equals("F64") ? 8 : 4;
            String b = benchmark;
            if (b.contains("KernelBench")) return (double) size() * elem * (p("variant").equals("AMSGRAD") ? 9 : 7);
            if (b.endsWith("adamShaped")) return (double) size() * elem * 7;
            if (b.endsWith("copy")) return (double) size() * elem * 2;
            if (b.contains("Polluted")) return 2.0 * size() * 28;
            if (b.endsWith("manyTensors") || b.endsWith("manyCalls")) return 10_000_000.0 * 28;
            if (b.endsWith("threads")) return (double) size() * 28;
            if (b.contains("Peer")) return (double) size() * 28 * (p("variant").equals("AMSGRAD") ? 9.0 / 7 : 1);
            return Double.NaN;
        }

        double gbps() {
            return median * bytesPerOp() / 1e9;
        }

        double gbpsError() {
            return error * bytesPerOp() / 1e9;
        }
    }

    static List<Result> read(Path json) throws IOException {
        List<Result> out = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(json.toFile())) {
            if (p.nextToken() != JsonToken.START_ARRAY) throw new IOException("not a JMH result list");
            while (p.nextToken() == JsonToken.START_OBJECT) {
                String bench = null;
                Map<String, String> params = new LinkedHashMap<>();
                double score = Double.NaN, error = Double.NaN, alloc = Double.NaN;
                List<Double> raw = new ArrayList<>();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String f = p.currentName();
                    p.nextToken();
                    switch (f) {
                        case "benchmark" -> bench = p.getText();
                        case "params" -> {
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String k = p.currentName();
                                p.nextToken();
                                params.put(k, p.getText());
                            }
                        }
                        case "primaryMetric" -> {
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String k = p.currentName();
                                JsonToken t = p.nextToken();
                                switch (k) {
                                    case "score" -> score = p.getDoubleValue();
                                    case "scoreError" -> error = t == JsonToken.VALUE_STRING ? Double.NaN : p.getDoubleValue();
                                    case "rawData" -> {
                                        while (p.nextToken() == JsonToken.START_ARRAY) {
                                            while (p.nextToken() != JsonToken.END_ARRAY) raw.add(p.getDoubleValue());
                                        }
                                    }
                                    default -> p.skipChildren();
                                }
                            }
                        }
                        case "secondaryMetrics" -> {
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String k = p.currentName();
                                p.nextToken();
                                if (k.equals("gc.alloc.rate.norm") || k.equals("·gc.alloc.rate.norm")) {
                                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                                        String kk = p.currentName();
                                        p.nextToken();
                                        if (kk.equals("score")) alloc = p.getDoubleValue();
                                        else p.skipChildren();
                                    }
                                } else {
                                    p.skipChildren();
                                }
                            }
                        }
                        default -> p.skipChildren();
                    }
                }
                double median = raw.isEmpty() ? score : median(raw);
                out.add(new Result(bench.replace("dev.adam4j.jmh.", ""), params, median, score, error, alloc));
            }
        }
        return out;
    }

    static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    static Result find(List<Result> rs, String bench, Predicate<Result> where) {
        return rs.stream().filter(r -> r.benchmark().equals(bench) && where.test(r)).findFirst().orElse(null);
    }

    static String gb(Result r) {
        if (r == null) return "–";
        return Double.isNaN(r.gbpsError()) ? fmt(r.gbps()) : fmt(r.gbps()) + " ± " + fmt(r.gbpsError());
    }

    static String fmt(double x) {
        return Double.isNaN(x) ? "–" : String.format(Locale.ROOT, x >= 100 ? "%.0f" : x >= 10 ? "%.1f" : "%.2f", x);
    }

    static String ratio(Result a, Result b) {
        return a == null || b == null ? "–" : String.format(Locale.ROOT, "%.2f", a.gbps() / b.gbps());
    }

    public static void main(String[] args) throws IOException {
        List<Result> rs = read(Path.of(args[0]));
        Path docs = Path.of(args[1]);
        String machine = Files.readString(Path.of(args[2])).strip();
        String command = args[3];
        Files.createDirectories(docs);
        StringBuilder md = new StringBuilder();
        md.append("# Benchmarks\n\n");
        md.append("Generated by `").append(command).append("` from JMH's JSON (`jmh/target/jmh-result.json`) by `dev.adam4j.jmh.Report`.\n");
        md.append("Throughput is the **median** of the measured iterations, in GB/s of Adam's memory traffic (f32: 28 bytes an element, ")
          .append("36 with AMSGrad; f64 twice that); `±` is JMH's 99.9% confidence half-width. The ceiling is measured in the same run: ")
          .append("`adamShaped` reads 4 streams and writes 3 like Adam, with trivial arithmetic. One fork per configuration on a shared ")
          .append("2-core machine: read ratios within a table, not absolute figures across runs.\n\n");
        md.append("## Machine\n\n```\n").append(machine).append("\n```\n\n");

        // ---- Adam step vs ceiling, per size
        md.append("## One Adam step vs the machine's ceiling\n\n");
        md.append("| precision | size | storage | variant | vector GB/s | scalar GB/s | adam-shaped ceiling GB/s | copy GB/s | vector / ceiling | vector / scalar |\n");
        md.append("|---|---:|---|---|---:|---:|---:|---:|---:|---:|\n");
        List<Result> vec = rs.stream().filter(r -> r.benchmark().equals("KernelBench.Vector.step"))
                .sorted(Comparator.comparing((Result r) -> r.p("precision")).thenComparingInt(Result::size)
                        .thenComparing(r -> r.p("storage")).thenComparing(r -> r.p("variant"))).toList();
        for (Result v : vec) {
            Result s = find(rs, "KernelBench.Scalar.step", r -> r.params().equals(v.params()));
            Result c = find(rs, "CeilingBench.adamShaped", r -> r.size() == v.size() && r.p("precision").equals(v.p("precision")));
            Result cp = find(rs, "CeilingBench.copy", r -> r.size() == v.size() && r.p("precision").equals(v.p("precision")));
            md.append(String.format(Locale.ROOT, "| %s | %,d | %s | %s | %s | %s | %s | %s | %s | %s |\n", v.p("precision"), v.size(),
                    v.p("storage"), v.p("variant") + (Double.isNaN(v.allocBytesPerOp()) ? "" : " (under -prof gc)"), gb(v), gb(s), gb(c), gb(cp), ratio(v, c), ratio(v, s)));
        }

        // ---- allocation
        List<Result> alloc = rs.stream().filter(r -> !Double.isNaN(r.allocBytesPerOp())).toList();
        if (!alloc.isEmpty()) {
            md.append("\n## Allocation per step (JMH `-prof gc`, `gc.alloc.rate.norm`)\n\n| benchmark | parameters | bytes / step |\n|---|---|---:|\n");
            for (Result r : alloc) {
                md.append("| ").append(r.benchmark()).append(" | ").append(r.params()).append(" | ")
                        .append(String.format(Locale.ROOT, "%.3f", r.allocBytesPerOp())).append(" |\n");
            }
        }

        // ---- polluted call site
        List<Result> polluted = rs.stream().filter(r -> r.benchmark().startsWith("PollutedBench")).toList();
        if (!polluted.isEmpty()) {
            md.append("\n## A call site that sees heap and native segments alternately\n\n");
            md.append("| size | polluted GB/s | heap segment alone GB/s | native segment alone GB/s |\n|---:|---:|---:|---:|\n");
            for (Result r : polluted) {
                Result h = find(rs, "KernelBench.Vector.step", x -> x.size() == r.size() && x.p("precision").equals("F32")
                        && x.p("storage").equals("HEAP_SEGMENT") && x.p("variant").equals("ADAM"));
                Result n = find(rs, "KernelBench.Vector.step", x -> x.size() == r.size() && x.p("precision").equals("F32")
                        && x.p("storage").equals("NATIVE_SEGMENT") && x.p("variant").equals("ADAM"));
                md.append(String.format(Locale.ROOT, "| %,d | %s | %s | %s |\n", r.size(), gb(r), gb(h), gb(n)));
            }
        }

        // ---- many tensors
        List<Result> many = rs.stream().filter(r -> r.benchmark().endsWith("manyTensors") || r.benchmark().endsWith("manyCalls")).toList();
        if (!many.isEmpty()) {
            Result single = find(rs, "OptimizerBench.manyTensors", r -> r.p("layout").equals("SINGLE"));
            md.append("\n## 10,000 tensors × 1,000 elements through `Adam` vs one 10M-element tensor\n\n");
            md.append("`manyCalls` takes the facade away: 10,000 direct kernel calls on separate arrays (ARRAYS) or on consecutive ")
              .append("slices of one 10M buffer per stream (SLICES).\n\n");
            md.append("| benchmark | layout | steps/s | GB/s | time vs one tensor |\n|---|---|---:|---:|---:|\n");
            for (Result r : many) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %.1f ± %.1f | %s | %s |\n", r.benchmark().replace("OptimizerBench.", ""),
                        r.p("layout"), r.median(), r.error(), gb(r),
                        single == null ? "–" : String.format(Locale.ROOT, "%.2f×", single.median() / r.median())));
            }
        }

        // ---- threads
        List<Result> threads = rs.stream().filter(r -> r.benchmark().endsWith("threads")).toList();
        if (!threads.isEmpty()) {
            md.append("\n## Threads (f32, one flat parameter through `Adam`)\n\n")
              .append("`setParallelism(2)`: a run of fewer than 2 × 16,384 elements stays on the caller's thread, so at 4,096 both ")
              .append("columns measure one thread.\n\n| size | 1 thread GB/s | 2 threads GB/s | speed-up |\n|---:|---:|---:|---:|\n");
            for (String size : sizes(threads)) {
                Result one = find(rs, "OptimizerBench.threads", r -> r.p("size").equals(size) && r.p("threads").equals("1"));
                Result two = find(rs, "OptimizerBench.threads", r -> r.p("size").equals(size) && r.p("threads").equals("2"));
                md.append(String.format(Locale.ROOT, "| %,d | %s | %s | %s |\n", Integer.parseInt(size), gb(one), gb(two), ratio(two, one)));
            }
        }

        // ---- peers: same sizes and threads, same run
        List<Result> peers = rs.stream().filter(r -> r.benchmark().contains("PeerBench")).toList();
        if (!peers.isEmpty()) {
            md.append("\n## Peers, same run (f32, default hyperparameters, through each system's optimizer API)\n\n");
            md.append("ND4J's `AdamUpdater` step is `applyUpdater` + `params.subi(update)`, as Deeplearning4j takes it; its gradient is ")
              .append("restored outside the timed region (`@Setup(Level.Invocation)`), its threads set by `OMP_NUM_THREADS`.\n\n");
            md.append("| size | threads | adam4j GB/s | PyTorch fused GB/s | torch::optim::Adam GB/s | ND4J GB/s | adam4j / fused | adam4j / torch::optim::Adam | adam4j / ND4J |\n");
            md.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (String size : sizes(peers)) {
                for (String th : List.of("1", "2")) {
                    Result ours = peer(rs, "ADAM4J", size, th), fused = peer(rs, "TORCH_FUSED", size, th);
                    Result optim = peer(rs, "TORCH_OPTIM_ADAM", size, th), nd4j = peer(rs, "ND4J", size, th);
                    if (ours == null) continue;
                    md.append(String.format(Locale.ROOT, "| %,d | %s | %s | %s | %s | %s | %s | %s | %s |\n", Long.parseLong(size), th, gb(ours),
                            gb(fused), gb(optim), gb(nd4j), ratio(ours, fused), ratio(ours, optim), ratio(ours, nd4j)));
                }
            }
        }

        targets(md, rs, machine);

        md.append("\n## Chart\n\n![throughput against size](benchmarks.svg)\n");
        Files.writeString(docs.resolve("benchmarks.md"), md.toString());
        Files.writeString(docs.resolve("benchmarks.svg"), chart(rs));
        System.out.println("wrote " + docs.resolve("benchmarks.md") + " and " + docs.resolve("benchmarks.svg"));
    }

    static List<String> sizes(List<Result> rs) {
        return new TreeSet<>(rs.stream().map(r -> r.p("size")).toList()).stream().sorted(Comparator.comparingLong(Long::parseLong)).toList();
    }

    /** One peer's result; ND4J runs in its own class. */
    static Result peer(List<Result> rs, String impl, String size, String threads) {
        Predicate<Result> at = r -> r.p("size").equals(size) && r.p("threads").equals(threads);
        return impl.equals("ND4J") ? find(rs, "Nd4jPeerBench.step", at) : find(rs, "PeerBench.step", at.and(r -> r.p("impl").equals(impl)));
    }

    /** The README's goals, each with the ratios this run measured. */
    static void targets(StringBuilder md, List<Result> rs, String machine) {
        md.append("\n## Targets (README goals) against this run\n\n| goal | measured | verdict |\n|---|---|---|\n");
        List<String> peerSizes = sizes(rs.stream().filter(r -> r.benchmark().equals("PeerBench.step")).toList());
        for (String th : List.of("1", "2")) {
            for (boolean small : new boolean[] {true, false}) {
                double goal = small ? 1.25 : 1.0;
                List<String> parts = new ArrayList<>();
                boolean met = true;
                for (String size : peerSizes) {
                    if ((Long.parseLong(size) <= 1 << 20) != small) continue;
                    Result ours = peer(rs, "ADAM4J", size, th), fused = peer(rs, "TORCH_FUSED", size, th);
                    if (ours == null || fused == null) continue;
                    double q = ours.gbps() / fused.gbps();
                    met &= q >= goal;
                    parts.add(String.format(Locale.ROOT, "%s: %.2f×", human(size), q));
                }
                row(md, String.format(Locale.ROOT, "≥ %.2f× PyTorch fused %s 1M, %s thread%s", goal, small ? "up to" : "above", th, th.equals("1") ? "" : "s"), parts, met);
            }
            List<String> parts = new ArrayList<>();
            boolean met = true;
            for (String size : peerSizes) {
                Result ours = peer(rs, "ADAM4J", size, th), nd4j = peer(rs, "ND4J", size, th);
                if (ours == null || nd4j == null) continue;
                double q = ours.gbps() / nd4j.gbps();
                met &= q >= 5;
                parts.add(String.format(Locale.ROOT, "%s: %.1f×", human(size), q));
            }
            row(md, "≥ 5× ND4J at every size, " + th + " thread" + (th.equals("1") ? "" : "s"), parts, met);
        }
        List<String> parts = new ArrayList<>();
        boolean met = true;
        for (Result v : rs.stream().filter(r -> r.benchmark().equals("KernelBench.Vector.step") && r.size() >= 1 << 24
                && r.p("precision").equals("F32") && r.p("storage").equals("ARRAY") && r.p("variant").equals("ADAM")
                && Double.isNaN(r.allocBytesPerOp())).sorted(Comparator.comparingInt(Result::size)).toList()) {
            Result c = find(rs, "CeilingBench.adamShaped", r -> r.size() == v.size() && r.p("precision").equals("F32"));
            if (c == null) continue;
            double q = v.gbps() / c.gbps();
            met &= q >= 0.9;
            parts.add(String.format(Locale.ROOT, "%s: %.0f%% (%s vs %s GB/s)", human(String.valueOf(v.size())), 100 * q, gb(v), gb(c)));
        }
        row(md, "≥ 90% of the adam-shaped ceiling at 16M and above (f32 float[])", parts, met);
        long l3 = l3Bytes(machine);
        parts = new ArrayList<>();
        met = true;
        for (Result two : rs.stream().filter(r -> r.benchmark().equals("OptimizerBench.threads") && r.p("threads").equals("2")
                && 16L * r.size() <= l3).sorted(Comparator.comparingInt(Result::size)).toList()) {
            Result one = find(rs, "OptimizerBench.threads", r -> r.size() == two.size() && r.p("threads").equals("1"));
            if (one == null) continue;
            double q = two.gbps() / one.gbps();
            met &= q >= 1.8;
            parts.add(String.format(Locale.ROOT, "%s: %.2f×", human(String.valueOf(two.size())), q));
        }
        row(md, "2 threads ≥ 1.8× one thread in cache (p, g, m, v: 16 B/element within the L3)", parts, met);
        Result single = find(rs, "OptimizerBench.manyTensors", r -> r.p("layout").equals("SINGLE"));
        parts = new ArrayList<>();
        met = true;
        for (String layout : List.of("FLAT", "SEPARATE")) {
            Result many = find(rs, "OptimizerBench.manyTensors", r -> r.p("layout").equals(layout));
            if (many == null || single == null) continue;
            double q = single.median() / many.median();
            met &= q <= 1.2;
            parts.add(String.format(Locale.ROOT, "%s: %.2f×", layout.toLowerCase(Locale.ROOT), q));
        }
        row(md, "10,000 tensors within 1.2× of one tensor's time", parts, met);
    }

    static void row(StringBuilder md, String goal, List<String> parts, boolean met) {
        md.append("| ").append(goal).append(" | ").append(parts.isEmpty() ? "not in this run" : String.join(", ", parts)).append(" | ")
                .append(parts.isEmpty() ? "–" : met ? "met" : "**not met**").append(" |\n");
    }

    static String human(String size) {
        long n = Long.parseLong(size);
        return n % (1 << 20) == 0 ? n / (1 << 20) + "M" : n % 1024 == 0 ? n / 1024 + "K" : String.format(Locale.ROOT, "%,d", n);
    }

    /** The L3 size from the machine description ({@code L3: 32 MiB (1 instance)}), 32 MiB if absent. */
    static long l3Bytes(String machine) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("L3[^:]*:\\s*([0-9.]+)\\s*([KMG])i?B").matcher(machine);
        if (!m.find()) return 32L << 20;
        double v = Double.parseDouble(m.group(1));
        return (long) (v * switch (m.group(2)) { case "K" -> 1L << 10; case "M" -> 1L << 20; default -> 1L << 30; });
    }

    /** GB/s against size (log scale), f32 arrays, default variant: vector, scalar, the two ceilings. */
    static String chart(List<Result> rs) {
        Map<String, List<Result>> lines = new LinkedHashMap<>();
        Predicate<Result> f32 = r -> r.p("precision").equals("F32") && Double.isNaN(r.allocBytesPerOp()); // not under -prof gc
        lines.put("adam4j vector", rs.stream().filter(r -> r.benchmark().equals("KernelBench.Vector.step") && f32.test(r)
                && r.p("storage").equals("ARRAY") && r.p("variant").equals("ADAM")).toList());
        lines.put("adam4j scalar", rs.stream().filter(r -> r.benchmark().equals("KernelBench.Scalar.step") && f32.test(r)
                && r.p("storage").equals("ARRAY") && r.p("variant").equals("ADAM")).toList());
        lines.put("ceiling: adam-shaped", rs.stream().filter(r -> r.benchmark().equals("CeilingBench.adamShaped") && f32.test(r)).toList());
        lines.put("ceiling: copy", rs.stream().filter(r -> r.benchmark().equals("CeilingBench.copy") && f32.test(r)).toList());
        for (Result r : rs) {
            if (r.benchmark().startsWith("PeerBench") && r.p("threads").equals("1") && !r.p("impl").equals("ADAM4J")) {
                lines.computeIfAbsent(r.p("impl").equals("TORCH_FUSED") ? "PyTorch fused (1 thread)" : "torch::optim::Adam (1 thread)",
                        k -> new ArrayList<>()).add(r);
            }
            if (r.benchmark().startsWith("Nd4jPeerBench") && r.p("threads").equals("1")) {
                lines.computeIfAbsent("ND4J AdamUpdater (1 thread)", k -> new ArrayList<>()).add(r);
            }
        }
        String[] colors = {"#1f77b4", "#ff7f0e", "#2ca02c", "#7f7f7f", "#d62728", "#9467bd", "#8c564b"};
        double maxGb = rs.stream().filter(r -> lines.values().stream().anyMatch(l -> l.contains(r))).mapToDouble(Result::gbps)
                .filter(x -> !Double.isNaN(x)).max().orElse(1) * 1.1;
        int w = 860, h = 420, left = 70, right = 260, top = 30, bottom = 50;
        double minLog = 12, maxLog = 26;
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", w, h));
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"14\">One Adam step, f32, float[]: GB/s of memory traffic vs elements</text>\n", left));
        int pw = w - left - right, ph = h - top - bottom;
        for (int e = (int) minLog; e <= maxLog; e += 2) {
            double x = left + pw * (e - minLog) / (maxLog - minLog);
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>", x, top, x, top + ph));
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">2^%d</text>\n", x, top + ph + 18, e));
        }
        for (int k = 0; k <= 5; k++) {
            double v = maxGb * k / 5, y = top + ph - ph * k / 5.0;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>", left, y, left + pw, y));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n", left - 6, y + 4, v));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">elements (log scale)</text>\n", left + pw / 2, h - 10));
        s.append(String.format(Locale.ROOT, "<text x=\"16\" y=\"%d\" transform=\"rotate(-90 16 %d)\" text-anchor=\"middle\">GB/s</text>\n", top + ph / 2, top + ph / 2));
        int i = 0;
        for (Map.Entry<String, List<Result>> line : lines.entrySet()) {
            List<Result> pts = line.getValue().stream().sorted(Comparator.comparingInt(Result::size)).toList();
            if (pts.isEmpty()) continue;
            String color = colors[i % colors.length];
            String dash = line.getKey().startsWith("ceiling") ? " stroke-dasharray=\"6 4\"" : "";
            StringBuilder path = new StringBuilder();
            for (Result r : pts) {
                double x = left + pw * (Math.log(r.size()) / Math.log(2) - minLog) / (maxLog - minLog);
                double y = top + ph - ph * r.gbps() / maxGb;
                path.append(path.isEmpty() ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", x, y));
                s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>", x, y, color));
            }
            s.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s/>\n", path, color, dash));
            double ly = top + 10 + 20 * i;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"%s/>", left + pw + 15, ly,
                    left + pw + 40, ly, color, dash));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\">%s</text>\n", left + pw + 45, ly + 4, line.getKey()));
            i++;
        }
        s.append("</svg>\n");
        return s.toString();
    }
}
