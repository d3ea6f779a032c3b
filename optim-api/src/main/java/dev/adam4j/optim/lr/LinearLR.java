package dev.adam4j.optim.lr;

import dev.adam4j.optim.Optimizer;
import java.util.Map;

/** PyTorch's {@code LinearLR}: the factor goes linearly from {@code startFactor} to {@code endFactor} in {@code totalIters} steps. */
public final class LinearLR extends LRScheduler {
    private double startFactor, endFactor;
    private long totalIters;

    public LinearLR(Optimizer optimizer, double startFactor, double endFactor, long totalIters) {
        this(optimizer, startFactor, endFactor, totalIters, -1);
    }

    public LinearLR(Optimizer optimizer, double startFactor, double endFactor, long totalIters, long lastEpoch) {
        super(optimizer, lastEpoch);
        if (startFactor > 1.0 || startFactor <= 0) {
            throw new IllegalArgumentException("Starting multiplicative factor expected to be greater than 0 and less or equal to 1, got " + startFactor);
        }
        if (endFactor > 1.0 || endFactor < 0) throw new IllegalArgumentException("Ending multiplicative factor expected to be between 0 and 1, got " + endFactor);
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = totalIters;
        initialStep();
    }

    @Override
    protected double[] computeLr() {
        double[] lrs = currentLrs();
        if (lastEpoch == 0) {
            for (int i = 0; i < lrs.length; i++) lrs[i] = lrs[i] * startFactor;
            return lrs;
        }
        if (lastEpoch > totalIters) return lrs;
        double f = 1. + (endFactor - startFactor) / (totalIters * startFactor + (lastEpoch - 1) * (endFactor - startFactor));
        for (int i = 0; i < lrs.length; i++) lrs[i] = lrs[i] * f;
        return lrs;
    }

    @Override
    protected double[] closedFormLr() {
        double[] lrs = new double[baseLrs.size()];
        for (int i = 0; i < lrs.length; i++) {
            lrs[i] = baseLrs.get(i) * (startFactor + (endFactor - startFactor) * Math.min(totalIters, lastEpoch) / totalIters);
        }
        return lrs;
    }

    @Override protected void saveSettings(Map<String, Object> sd) {
        sd.put("start_factor", startFactor);
        sd.put("end_factor", endFactor);
        sd.put("total_iters", totalIters);
    }
    @Override protected void checkSettings(Map<String, Object> sd) {
        StateValues.number(sd, "start_factor");
        StateValues.number(sd, "end_factor");
        StateValues.integer(sd, "total_iters");
    }
    @Override protected void loadSettings(Map<String, Object> sd) {
        startFactor = StateValues.number(sd, "start_factor");
        endFactor = StateValues.number(sd, "end_factor");
        totalIters = StateValues.integer(sd, "total_iters");
    }
}
