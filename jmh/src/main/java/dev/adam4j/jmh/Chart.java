package dev.adam4j.jmh;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Turns JMH's JSON results into {@code docs/benchmarks.md} (tables of GB/s with error bars,
 * fraction of the ceiling measured in the same run, ratios) and {@code docs/benchmarks.svg}
 * (throughput against size, one line per implementation, the ceiling drawn in).
 *
 * <p>Usage: {@code Report <jmh.json> <docs-dir> <machine.txt> <command>}.
 */
/** The report's SVG chart: GB/s against size. */
final class Chart {
    private Chart() {}

    /** GB/s against size (log scale), f32 arrays, default variant: vector, scalar, the two ceilings. */
    static String svg(List<Result> rs) {
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
