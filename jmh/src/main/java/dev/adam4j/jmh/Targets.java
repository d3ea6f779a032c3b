package dev.adam4j.jmh;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The performance targets' section of {@code benchmarks.md} ({@code ./bench targets}, {@code Report
 * --targets}): every configuration in several single-fork runs, the things compared back to back, and
 * each target decided fork by fork. A throughput target compares adam4j's <b>slowest</b> fork with the
 * reference's median fork (PyTorch's, ND4J's, the ceiling's, one thread's); a time target (many tensors
 * against one) adam4j's slowest fork with the one tensor's median. Besides each verdict the tables give
 * the ratio of medians and the per-fork ratios (the k-th fork of one side with the k-th of the other, run
 * next to it), so both the typical and the worst case are on the page.
 */
final class Targets {
    private Targets() {}

    static final String BEGIN = "<!-- targets:begin (written by ./bench targets; kept by the other modes) -->";
    static final String END = "<!-- targets:end -->";
    static final List<String> PEER_SIZES = List.of("4096", "65536", "1048576", "16777216", "67108864");
    /** The largest size at which per-call overhead dominates, the 1.25× target's range. */
    static final long OVERHEAD_SIZE = 65_536;
    /** Sizes from which 2 threads must reach 1.8× one thread. */
    static final long THREADS_FROM = 262_144;
    /** A spread PyTorch's own forks show here (2-6% in issue 17's run): the least the spread target asks. */
    static final double SPREAD_FLOOR = 0.05;

    /** The forks of a benchmark that match, in the order they ran. */
    static List<Result> forks(List<Result> rs, String bench, Predicate<Result> where) {
        return rs.stream().filter(r -> r.benchmark().equals(bench) && where.test(r)).toList();
    }

    static Predicate<Result> at(String size, String threads) {
        return r -> r.p("size").equals(size) && r.p("threads").equals(threads);
    }

    static List<Result> peer(List<Result> rs, String impl, String size, String threads) {
        return impl.equals("ND4J") ? forks(rs, "Nd4jPeerBench.step", at(size, threads))
                : forks(rs, "PeerBench.step", at(size, threads).and(r -> r.p("impl").equals(impl)));
    }

    static double[] medians(List<Result> forks) {
        return forks.stream().mapToDouble(Result::median).toArray();
    }

    static double median(List<Result> forks) {
        return Report.median(forks.stream().map(Result::median).toList());
    }

    static double min(List<Result> forks) {
        return forks.stream().mapToDouble(Result::median).min().orElse(Double.NaN);
    }

    /** (fastest / slowest − 1) of the forks' medians, NaN with fewer than two forks. */
    static double spread(List<Result> forks) {
        if (forks.size() < 2) return Double.NaN;
        double[] m = medians(forks);
        return Arrays.stream(m).max().getAsDouble() / Arrays.stream(m).min().getAsDouble() - 1;
    }

    /** Slowest fork of {@code ours} over the median fork of {@code ref} (throughputs): NaN when a side is missing. */
    static double worstOverMedian(List<Result> ours, List<Result> ref) {
        return ours.isEmpty() || ref.isEmpty() ? Double.NaN : min(ours) / median(ref);
    }

    static String gbForks(List<Result> forks) {
        if (forks.isEmpty()) return "–";
        List<String> xs = new ArrayList<>();
        for (Result r : forks) xs.add(Report.fmt(r.gbps()) + (Double.isNaN(r.gbpsError()) ? "" : " ± " + Report.fmt(r.gbpsError())));
        return String.join(" / ", xs);
    }

    static double nsPerElement(Result r, long elements) {
        return 1e9 / (r.median() * elements);
    }

    /** ns per element of each fork, in run order. */
    static String nsList(List<Result> forks, long elements) {
        if (forks.isEmpty()) return "–";
        List<String> xs = new ArrayList<>();
        for (Result r : forks) xs.add(String.format(Locale.ROOT, "%.3f", nsPerElement(r, elements)));
        return String.join(" / ", xs);
    }

    /**
     * The 2-thread adam-shaped ceiling over the 1-thread one at {@code size} (median forks; GB/s, so the
     * two JMH threads' halves add up), NaN when either was not measured.
     */
    static double memoryAllows(List<Result> rs, String size) {
        long n = Long.parseLong(size);
        List<Result> one = forks(rs, "CeilingBench.adamShaped", r -> r.size() == n && r.p("threads").isEmpty());
        List<Result> two = forks(rs, "CeilingBench.adamShaped", r -> r.size() == n / 2 && r.p("threads").equals("2"));
        if (one.isEmpty() || two.isEmpty()) return Double.NaN;
        return Report.median(two.stream().map(Result::gbps).toList()) / Report.median(one.stream().map(Result::gbps).toList());
    }

    /**
     * At one thread, PyTorch's median step time an element at {@code size} over the divider floor's
     * ({@code DividerBench.adamChain}): the most a bit-compatible step could gain over it in cache. NaN at
     * 2 threads (the floor is measured on one core) or when either is missing.
     */
    static double dividerAllows(List<Result> rs, String size, String threads) {
        List<Result> chain = forks(rs, "DividerBench.adamChain", r -> true), fused = peer(rs, "TORCH_FUSED", size, threads);
        if (!threads.equals("1") || chain.isEmpty() || fused.isEmpty()) return Double.NaN;
        long n = Long.parseLong(size);
        return Report.median(fused.stream().map(r -> nsPerElement(r, n)).toList())
                / Report.median(chain.stream().map(r -> nsPerElement(r, DividerBench.N)).toList());
    }

    static String x(double q) {
        return Double.isNaN(q) ? "–" : String.format(Locale.ROOT, "%.2f×", q);
    }

    static String pct(double q) {
        return Double.isNaN(q) ? "–" : String.format(Locale.ROOT, "%.0f%%", 100 * q);
    }

    /** Per-fork ratios ours/ref (throughputs), in run order, or –. */
    static String pairRatios(List<Result> ours, List<Result> ref) {
        double[] q = Report.forkRatios(Report.pairForks(ours, ref));
        return q.length == 0 ? "–" : Report.ratioList(q);
    }

    /** One table row comparing two sides fork by fork. */
    static void row(StringBuilder md, String lead, List<Result> ours, List<Result> ref, boolean spreads) {
        md.append("| ").append(lead).append(" | ").append(gbForks(ours)).append(" | ").append(gbForks(ref)).append(" | ")
          .append(x(median(ours) / median(ref))).append(" | ").append(pairRatios(ours, ref)).append(" | ")
          .append(x(worstOverMedian(ours, ref))).append(" |");
        if (spreads) md.append(' ').append(pct(spread(ours))).append(" | ").append(pct(spread(ref))).append(" |");
        md.append('\n');
    }

    static String threadsLabel(String th) {
        return th + " thread" + (th.equals("1") ? "" : "s");
    }

    /** The targets' section of {@code benchmarks.md}, between its markers. */
    static String section(List<Result> rs, String machine, String command) {
        StringBuilder md = new StringBuilder(BEGIN).append("\n## Performance targets, decided fork by fork\n\n");
        md.append("Generated by `").append(command).append("` by `dev.adam4j.jmh.Report --targets`, from JMH's JSON of that run; the ")
          .append("other sections come from their own run. Every configuration ran in several single-fork JMH runs, the things ")
          .append("compared back to back (the order reversed every other round). GB/s of each fork (the median of its measured ")
          .append("iterations, `±` JMH's 99.9% half-width), in run order; *ratio of medians* compares the median forks; *per fork* ")
          .append("pairs the k-th fork of each side; *worst / median* is adam4j's slowest fork over the other side's median fork, ")
          .append("the figure a target is decided by. *Spread*: fastest over slowest fork, minus one.\n\n```\n")
          .append(machine).append("\n```\n");

        md.append("\n### adam4j vs PyTorch's fused Adam (`aten::_fused_adam_`), one f32 tensor\n\n")
          .append("| size | threads | adam4j GB/s per fork | PyTorch GB/s per fork | ratio of medians | per fork | worst / median | adam4j spread | PyTorch spread |\n")
          .append("|---:|---:|---|---|---:|---|---:|---:|---:|\n");
        for (String size : PEER_SIZES) {
            for (String th : List.of("1", "2")) {
                List<Result> ours = peer(rs, "ADAM4J", size, th), fused = peer(rs, "TORCH_FUSED", size, th);
                if (ours.isEmpty() && fused.isEmpty()) continue;
                row(md, String.format(Locale.ROOT, "%,d | %s", Long.parseLong(size), th), ours, fused, true);
            }
        }

        List<Result> manyPeer = forks(rs, "ManyTensorPeerBench.step", r -> true);
        if (!manyPeer.isEmpty()) {
            md.append("\n### 10,000 tensors of 1,000 elements: adam4j's `Adam` vs PyTorch's fused Adam on the same tensors\n\n")
              .append("| threads | adam4j GB/s per fork | PyTorch GB/s per fork | ratio of medians | per fork | worst / median |\n")
              .append("|---:|---|---|---:|---|---:|\n");
            for (String th : List.of("1", "2")) {
                List<Result> ours = forks(rs, "ManyTensorPeerBench.step", r -> r.p("threads").equals(th) && r.p("impl").equals("ADAM4J"));
                List<Result> fused = forks(rs, "ManyTensorPeerBench.step", r -> r.p("threads").equals(th) && r.p("impl").equals("TORCH_FUSED"));
                if (!ours.isEmpty() || !fused.isEmpty()) row(md, th, ours, fused, false);
            }
        }

        List<Result> single = forks(rs, "OptimizerBench.manyTensors", r -> r.p("layout").equals("SINGLE"));
        if (!single.isEmpty()) {
            md.append("\n### 10,000 tensors × 1,000 elements through `Adam` vs one 10M-element tensor (1 thread)\n\n")
              .append("Time vs one tensor: the one tensor's median fork over the layout's fork (above 1: slower than one tensor).\n\n")
              .append("| layout | GB/s per fork | time vs one tensor, median forks | time vs one tensor, slowest fork |\n|---|---|---:|---:|\n");
            for (String layout : List.of("SINGLE", "FLAT", "SEPARATE")) {
                List<Result> l = forks(rs, "OptimizerBench.manyTensors", r -> r.p("layout").equals(layout));
                md.append("| ").append(layout.toLowerCase(Locale.ROOT)).append(" | ").append(gbForks(l)).append(" | ")
                  .append(x(median(single) / median(l))).append(" | ").append(x(median(single) / min(l))).append(" |\n");
            }
        }

        List<Result> threads = forks(rs, "OptimizerBench.threads", r -> true);
        if (!threads.isEmpty()) {
            md.append("\n### 2 threads vs 1 (one f32 parameter through `Adam`, `setParallelism`)\n\n")
              .append("*Memory allows*: the adam-shaped ceiling with two JMH threads, each streaming half the size, over the ceiling ")
              .append("with one (median forks), where measured: the most any step can gain from a second thread at that size.\n\n")
              .append("| size | 2 threads GB/s per fork | 1 thread GB/s per fork | ratio of medians | per fork | worst / median | memory allows |\n")
              .append("|---:|---|---|---:|---|---:|---:|\n");
            for (String size : Report.sizes(threads)) {
                StringBuilder r = new StringBuilder();
                row(r, String.format(Locale.ROOT, "%,d", Long.parseLong(size)), forks(rs, "OptimizerBench.threads", at(size, "2")),
                        forks(rs, "OptimizerBench.threads", at(size, "1")), false);
                md.append(r, 0, r.length() - 1).append(' ').append(x(memoryAllows(rs, size))).append(" |\n");
            }
        }

        List<Result> kernel = forks(rs, "KernelBench.Vector.step", r -> true);
        if (!kernel.isEmpty()) {
            md.append("\n### The step vs the adam-shaped ceiling (f32 `float[]`, one thread)\n\n")
              .append("| size | step GB/s per fork | ceiling GB/s per fork | ratio of medians | per fork | worst / median |\n")
              .append("|---:|---|---|---:|---|---:|\n");
            for (String size : Report.sizes(kernel)) {
                row(md, String.format(Locale.ROOT, "%,d", Long.parseLong(size)), forks(rs, "KernelBench.Vector.step", r -> r.p("size").equals(size)),
                        forks(rs, "CeilingBench.adamShaped", r -> r.p("size").equals(size) && r.p("threads").isEmpty()), false);
            }
        }

        List<Result> chain = forks(rs, "DividerBench.adamChain", r -> true);
        if (!chain.isEmpty()) {
            md.append("\n### What the divider allows in cache (one thread)\n\n")
              .append("`DividerBench`: passes over ").append(DividerBench.N).append(" f32 elements in L1 with the kernels' vector species, ")
              .append("doing only a division, only a square root, or Adam's chain (a square root, a division by the bias correction, an ")
              .append("addition, a division), in ns per element of each fork. The chain is the floor under any bit-compatible step in ")
              .append("cache; *share of the floor* is the floor's median time over a step's median time per element (100%: the step is ")
              .append("bound by the divider alone).\n\n| what | ns per element, per fork | share of the floor |\n|---|---|---:|\n");
            double floor = Report.median(chain.stream().map(r -> nsPerElement(r, DividerBench.N)).toList());
            for (String m : List.of("div", "sqrt", "adamChain")) {
                List<Result> f = forks(rs, "DividerBench." + m, r -> true);
                md.append("| `").append(m).append("` | ").append(nsList(f, DividerBench.N)).append(" | – |\n");
            }
            for (String size : List.of("4096", "65536")) {
                for (String impl : List.of("ADAM4J", "TORCH_FUSED")) {
                    List<Result> f = peer(rs, impl, size, "1");
                    if (f.isEmpty()) continue;
                    double ns = Report.median(f.stream().map(r -> nsPerElement(r, Long.parseLong(size))).toList());
                    md.append("| ").append(impl.equals("ADAM4J") ? "adam4j" : "PyTorch fused").append(" step, ").append(Report.human(size))
                      .append(" | ").append(nsList(f, Long.parseLong(size))).append(" | ").append(pct(floor / ns)).append(" |\n");
                }
            }
        }

        List<Result> nd4j = forks(rs, "Nd4jPeerBench.step", r -> true);
        if (!nd4j.isEmpty()) {
            md.append("\n### adam4j vs ND4J's `AdamUpdater` (threads by `OMP_NUM_THREADS`)\n\n")
              .append("| size | threads | adam4j GB/s per fork | ND4J GB/s per fork | ratio of medians | per fork | worst / median |\n")
              .append("|---:|---:|---|---|---:|---|---:|\n");
            for (String size : PEER_SIZES) {
                for (String th : List.of("1", "2")) {
                    List<Result> theirs = peer(rs, "ND4J", size, th);
                    if (!theirs.isEmpty()) row(md, String.format(Locale.ROOT, "%,d | %s", Long.parseLong(size), th), peer(rs, "ADAM4J", size, th), theirs, false);
                }
            }
        }

        md.append("\n### Targets against this run\n\n| goal | measured (worst / median) | verdict |\n|---|---|---|\n");
        verdicts(md, rs);
        return md.append(END).toString();
    }

    /** Each target's row: the README's goals, decided by adam4j's slowest fork. */
    static void verdicts(StringBuilder md, List<Result> rs) {
        for (String th : List.of("1", "2")) {
            Goals.Goal never = new Goals.Goal("never slower than PyTorch's fused Adam: slowest adam4j fork ≥ 0.95× PyTorch's median fork, "
                    + "4K–64M, " + threadsLabel(th), q -> q >= 0.95, "%.2f×");
            Goals.Goal small = new Goals.Goal("≥ 1.25× PyTorch's fused Adam up to 64K, " + threadsLabel(th), q -> q >= 1.25, "%.2f×");
            Goals.Goal nd4j = new Goals.Goal("≥ 5× ND4J at every size, " + threadsLabel(th), q -> q >= 5, "%.1f×");
            for (String size : PEER_SIZES) {
                List<Result> ours = peer(rs, "ADAM4J", size, th), fused = peer(rs, "TORCH_FUSED", size, th);
                add(never, Report.human(size), ours, fused);
                if (Long.parseLong(size) <= OVERHEAD_SIZE) {
                    add(small, Report.human(size), ours, fused);
                    double allows = dividerAllows(rs, size, th);
                    if (allows < 1.25) {
                        small.outOfReach(String.format(Locale.ROOT,
                                "at %s the divider allows %.2f× (PyTorch's median time an element over the divider floor's)", Report.human(size), allows));
                    }
                }
                List<Result> theirs = peer(rs, "ND4J", size, th);
                if (!theirs.isEmpty()) add(nd4j, Report.human(size), ours, theirs);
            }
            never.write(md);
            small.write(md);
            Goals.Goal many = new Goals.Goal("10,000 tensors: ≥ 1.25× PyTorch's fused Adam on the same tensors, " + threadsLabel(th),
                    q -> q >= 1.25, "%.2f×");
            add(many, "10,000 × 1,000", forks(rs, "ManyTensorPeerBench.step", r -> r.p("threads").equals(th) && r.p("impl").equals("ADAM4J")),
                    forks(rs, "ManyTensorPeerBench.step", r -> r.p("threads").equals(th) && r.p("impl").equals("TORCH_FUSED")));
            many.write(md);
            Goals.Goal spread = new Goals.Goal("fork-to-fork spread no larger than PyTorch's (or " + pct(SPREAD_FLOOR) + "), "
                    + threadsLabel(th), q -> true, "%.2f");
            for (String size : PEER_SIZES) {
                List<Result> ours = peer(rs, "ADAM4J", size, th), fused = peer(rs, "TORCH_FUSED", size, th);
                if (ours.size() < 2 || fused.size() < 2) continue;
                double a = spread(ours), b = spread(fused);
                spread.met &= a <= Math.max(b, SPREAD_FLOOR);
                spread.parts.add(Report.human(size) + ": " + pct(a) + " vs " + pct(b));
            }
            spread.write(md);
            nd4j.write(md);
        }
        Goals.Goal threads = new Goals.Goal("2 threads ≥ 1.8× one thread from 256K up (slowest 2-thread fork / median 1-thread fork)",
                q -> q >= 1.8, "%.2f×");
        List<Result> th = forks(rs, "OptimizerBench.threads", r -> true);
        for (String size : Report.sizes(th)) {
            if (Long.parseLong(size) < THREADS_FROM) continue;
            add(threads, Report.human(size), forks(rs, "OptimizerBench.threads", at(size, "2")), forks(rs, "OptimizerBench.threads", at(size, "1")));
            double allows = memoryAllows(rs, size);
            if (allows < 1.8) {
                threads.outOfReach(String.format(Locale.ROOT,
                        "at %s memory allows %.2f× (the adam-shaped ceiling at 2 threads over 1)", Report.human(size), allows));
            }
        }
        threads.write(md);
        List<Result> single = forks(rs, "OptimizerBench.manyTensors", r -> r.p("layout").equals("SINGLE"));
        for (String[] l : new String[][] {{"FLAT", "1.1", "flat views"}, {"SEPARATE", "1.3", "separate arrays"}}) {
            double bound = Double.parseDouble(l[1]);
            Goals.Goal g = new Goals.Goal("10,000 tensors through `Adam`, " + l[2] + ": within " + l[1]
                    + "× one 10M tensor's time (slowest fork / one tensor's median)", q -> q <= bound, "%.2f×");
            List<Result> layout = forks(rs, "OptimizerBench.manyTensors", r -> r.p("layout").equals(l[0]));
            if (!layout.isEmpty() && !single.isEmpty()) g.addRatio(l[0].toLowerCase(Locale.ROOT), median(single) / min(layout), "");
            g.write(md);
        }
        Goals.Goal ceiling = new Goals.Goal("≥ 90% of the adam-shaped ceiling at 16M and 64M (f32 `float[]`, one thread)", q -> q >= 0.9, "%.0f%%");
        for (String size : Report.sizes(forks(rs, "KernelBench.Vector.step", r -> true))) {
            add(ceiling, Report.human(size), forks(rs, "KernelBench.Vector.step", r -> r.p("size").equals(size)),
                    forks(rs, "CeilingBench.adamShaped", r -> r.p("size").equals(size) && r.p("threads").isEmpty()));
        }
        ceiling.write(md);
    }

    /** Adds slowest-of-{@code ours} over median-of-{@code ref}, or records the missing side. */
    static void add(Goals.Goal g, String label, List<Result> ours, List<Result> ref) {
        if (ours.isEmpty() && ref.isEmpty()) return;
        if (ours.isEmpty() || ref.isEmpty()) {
            g.addMissing(label, ours.isEmpty() ? "no adam4j fork" : "no reference fork");
            return;
        }
        g.addRatio(label, worstOverMedian(ours, ref), ours.size() != ref.size() ? " (" + ours.size() + " vs " + ref.size() + " forks)" : "");
    }

    static String section(String report) {
        return Report.section(report, BEGIN, END);
    }
}
