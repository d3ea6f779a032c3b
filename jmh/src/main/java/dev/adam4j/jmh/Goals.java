package dev.adam4j.jmh;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.DoublePredicate;
import java.util.function.Predicate;

/** The README's performance goals, each decided from the ratios one run measured. */
final class Goals {
    private Goals() {}

    /** One goal: a bound every measured ratio must meet, and the ratios with their labels. */
    static final class Goal {
        final String name;
        final DoublePredicate bound;
        final String format;
        final List<String> parts = new ArrayList<>();
        boolean met = true;
        /** A configuration the goal covers had one side only: met cannot be decided. */
        boolean missing;
        /** A row of information: its ratios have no target. */
        boolean informational;
        /** Why the target is out of reach, as measured (said in the verdict when it is not met); null: not shown to be. */
        String outOfReach;

        Goal(String name, DoublePredicate bound, String format) {
            this.name = name;
            this.bound = bound;
            this.format = format;
        }

        /** Records one measured ratio (or nothing, when a side is missing from the run). */
        void add(String label, Result numerator, Result denominator, boolean timeRatio, String detail) {
            if (numerator == null || denominator == null) return;
            double q = timeRatio ? denominator.median() / numerator.median() : numerator.gbps() / denominator.gbps();
            met &= bound.test(q);
            parts.add(label + ": " + String.format(Locale.ROOT, format, format.contains("%%") ? 100 * q : q) + detail);
        }

        /** Records a ratio computed by the caller (a worst paired fork, say). */
        void addRatio(String label, double q, String detail) {
            met &= bound.test(q);
            parts.add(label + ": " + String.format(Locale.ROOT, format, format.contains("%%") ? 100 * q : q) + detail);
        }

        /** Adds a measured reason why the target cannot be met. */
        void outOfReach(String why) {
            outOfReach = outOfReach == null ? why : outOfReach + "; " + why;
        }

        /** Records a configuration that ran on one side only ({@code what} says which is missing). */
        void addMissing(String label, String what) {
            missing = true;
            parts.add(label + ": " + what);
        }

        /** The Markdown row: goal, measured ratios, verdict. */
        void write(StringBuilder md) {
            md.append("| ").append(name).append(" | ").append(parts.isEmpty() ? "not in this run" : String.join(", ", parts))
                    .append(" | ").append(parts.isEmpty() || informational ? "–" : !met ? "**not met**"
                            : missing ? "not decided (a side is missing)" : "met")
                    .append(outOfReach == null || met ? "" : "; out of reach: " + outOfReach).append(" |\n");
        }
    }

    /**
     * Issue 14's target: clipping + step at least 1.5× PyTorch's clip_grad_norm_ + fused Adam in steps/s,
     * decided by the worst of the paired forks ({@link Report#clipStepPairs}: the k-th adam4j fork of a
     * size and thread count against the k-th PyTorch fork next to it).
     */
    static void clipStep(StringBuilder md, List<Result> rs) {
        for (String th : List.of("1", "2")) {
            Goal g = new Goal("clip + step ≥ 1.5× PyTorch's clip_grad_norm_ + fused Adam (worst paired fork), " + th + " thread"
                    + (th.equals("1") ? "" : "s"), q -> q >= 1.5, "%.2f×");
            for (String size : List.of("1048576", "16777216")) {
                List<double[]> pairs = Report.clipStepPairs(rs, size, th);
                if (pairs.isEmpty()) continue;
                g.addRatio(Report.human(size), Report.worst(Report.forkRatios(pairs)), pairs.size() > 1 ? " (worst of " + pairs.size() + " pairs)" : "");
            }
            g.write(md);
        }
    }

    // ------------------------------------------------------------------ 16-bit layouts

    /**
     * Issue 13's speed targets, decided by the worst paired fork ({@link Report#halfPairs}): bf16 and f16
     * at least 1.25× PyTorch's fused kernel on the same dtype at every size, f32 parameters with bf16
     * moments at least 1.3× PyTorch's fused f32 at 16M and 64M (the other sizes as information), at 1 and
     * 2 threads.
     */
    static void half(StringBuilder md, List<Result> rs) {
        for (Report.HalfLayout l : Report.HALF_LAYOUTS) {
            String where = l.targetSizes().isEmpty() ? "at every size"
                    : "at " + String.join(" and ", l.targetSizes().stream().map(Report::human).toList());
            for (String th : List.of("1", "2")) {
                String threads = th + " thread" + (th.equals("1") ? "" : "s");
                Goal g = new Goal(l.label() + " ≥ " + fmtTarget(l.target()) + "× " + l.peerName() + " " + where + ", " + threads,
                        q -> q >= l.target(), "%.2f×");
                Goal info = new Goal(l.label() + " vs " + l.peerName() + " at the other sizes (information, no target), " + threads,
                        q -> true, "%.2f×");
                info.informational = true;
                for (String size : Report.halfSizes(rs, l.layout())) {
                    Goal goal = l.targeted(size) ? g : info;
                    List<double[]> pairs = Report.halfPairs(rs, l.layout(), size, th);
                    if (pairs.isEmpty()) {
                        boolean ours = !Report.halfForks(rs, l.layout(), "ADAM4J", size, th).isEmpty();
                        boolean theirs = !Report.halfForks(rs, l.layout(), "TORCH", size, th).isEmpty();
                        if (ours != theirs) goal.addMissing(Report.human(size), ours ? "no PyTorch fork" : "no adam4j fork");
                        continue;
                    }
                    double[] q = Report.forkRatios(pairs);
                    goal.addRatio(Report.human(size), Report.worst(q), q.length > 1 ? " (" + Report.ratioList(q) + ")" : "");
                }
                g.write(md);
                if (!info.parts.isEmpty()) info.write(md);
            }
        }
    }

    // ------------------------------------------------------------------ framework adapters

    /**
     * The adapters' targets (issue 15): each adapter at least {@code target}× faster per step than the
     * framework's own Adam, decided by the worst of the paired forks ({@link Report#adapterPairs}).
     */
    static void adapterTable(StringBuilder md, List<Result> rs) {
        md.append("\n### Targets for the adapters against this run\n\n")
          .append("Each ratio is the framework's Adam time per step over the adapter's, fork by fork (the k-th adapter fork against the ")
          .append("k-th framework fork, run next to it); a target is met when the **worst** fork meets it.\n\n")
          .append("| goal | measured (worst fork; every fork) | verdict |\n|---|---|---|\n");
        for (Report.Framework fw : Report.FRAMEWORKS) {
            if (Double.isNaN(fw.target())) continue;
            for (String th : List.of("1", "2")) {
                Goal g = new Goal("≥ " + fmtTarget(fw.target()) + "× " + fw.peerName() + ", " + th + " thread" + (th.equals("1") ? "" : "s")
                        + (fw.singleThreaded() && th.equals("2") ? " (adam4j at 2 against Tribuo's single thread)" : ""),
                        q -> q >= fw.target(), "%.2f×");
                for (String model : Report.models(rs, fw)) {
                    List<double[]> pairs = Report.adapterPairs(rs, fw, model, th);
                    if (pairs.isEmpty()) continue;
                    double worst = Double.POSITIVE_INFINITY;
                    List<String> each = new ArrayList<>();
                    for (double[] p : pairs) {
                        double q = p[1] / p[0];
                        worst = Math.min(worst, q);
                        each.add(String.format(Locale.ROOT, "%.2f", q));
                    }
                    g.met &= g.bound.test(worst);
                    g.parts.add(Report.modelLabel(model) + ": " + String.format(Locale.ROOT, "%.2f×", worst)
                            + " (" + String.join(", ", each) + ")");
                    double reachable = Report.reachable(rs, fw, model, th), byAdam = Report.reachableByAdam(rs, fw, model, th);
                    if (reachable < fw.target()) {
                        g.outOfReach(String.format(Locale.ROOT,
                                "with no optimizer at all the step is at most %.2f× faster than with %s (%s, best fork)",
                                reachable, fw.peerName(), Report.modelLabel(model)));
                    } else if (byAdam < fw.target()) {
                        g.outOfReach(String.format(Locale.ROOT,
                                "with an updater that only moves Adam's bytes (reads the gradient and the moments, writes the moments "
                                + "and the update) the step is at most %.2f× faster than with %s (%s, best fork)",
                                byAdam, fw.peerName(), Report.modelLabel(model)));
                    }
                }
                g.write(md);
            }
        }
    }

    private static String fmtTarget(double t) {
        return t == Math.rint(t) ? String.valueOf((long) t) : String.valueOf(t);
    }
}
