package dev.adam4j.distributed;

/** Reductions of per-rank scalars in a fixed order (rank order), shared by the backends. */
public final class Scalars {
    private Scalars() {}

    /** {@code v[0] + v[1] + ...}, left to right. */
    public static double sum(double[] v) {
        double s = v[0];
        for (int i = 1; i < v.length; i++) s += v[i];
        return s;
    }

    /** The maximum; NaN if any is NaN. */
    public static double max(double[] v) {
        double m = v[0];
        for (double x : v) {
            if (Double.isNaN(x)) return x;
            if (x > m) m = x;
        }
        return m;
    }
}
