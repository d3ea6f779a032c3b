package dev.adam4j.jmh;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns JMH's JSON results into {@code docs/benchmarks.md} (tables of GB/s with error bars,
 * fraction of the ceiling measured in the same run, ratios) and {@code docs/benchmarks.svg}
 * (throughput against size, one line per implementation, the ceiling drawn in).
 *
 * <p>Usage: {@code Report <jmh.json> <docs-dir> <machine.txt> <command>}.
 */
/** Parsing JMH's JSON results ({@code -rf json}) into {@link Result}s. */
final class JmhJson {
    private JmhJson() {}

    static List<Result> read(Path json) throws IOException {
        List<Result> out = new ArrayList<>();
        try (JsonParser p = new JsonFactory().createParser(json.toFile())) {
            if (p.nextToken() != JsonToken.START_ARRAY) throw new IOException("not a JMH result list");
            while (p.nextToken() == JsonToken.START_OBJECT) {
                String bench = null;
                Map<String, String> params = new LinkedHashMap<>();
                double score = Double.NaN, error = Double.NaN, alloc = Double.NaN;
                List<Double> raw = new ArrayList<>();
                int threads = 1;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String f = p.currentName();
                    p.nextToken();
                    switch (f) {
                        case "benchmark" -> bench = p.getText();
                        case "threads" -> threads = p.getIntValue(); // JMH's own threads (-t), not a parameter
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
                // a run with several JMH threads (-t 2) records them as its "threads", unless a parameter of that name exists
                if (threads > 1) params.putIfAbsent("threads", String.valueOf(threads));
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
}
