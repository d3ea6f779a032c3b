package dev.adam4j.optim.lr;

import dev.adam4j.optim.Optimizer;
import java.util.Map;

/** PyTorch's {@code ConstantLR}: the lr times {@code factor} until step {@code totalIters}, then the lr. */
public final class ConstantLR extends LRScheduler {
    private double factor;
    private long totalIters;

    public ConstantLR(Optimizer optimizer, double factor, long totalIters) {
        this(optimizer, factor, totalIters, -1);
    }

    public ConstantLR(Optimizer optimizer, double factor, long totalIters, long lastEpoch) {
        super(optimizer, lastEpoch);
        if (factor > 1.0 || factor < 0) throw new IllegalArgumentException("Constant multiplicative factor expected to be between 0 and 1, got " + factor);
        this.factor = factor;
        this.totalIters = totalIters;
        initialStep();
    }

    @Override
    protected double[] computeLr() {
        double[] lrs = currentLrs();
        if (lastEpoch == 0) {
            for (int i = 0; i < lrs.length; i++) lrs[i] = lrs[i] * factor;
        } else if (lastEpoch == totalIters) {
            for (int i = 0; i < lrs.length; i++) lrs[i] = lrs[i] * (1.0 / factor);
        }
        return lrs;
    }

    @Override
    protected double[] closedFormLr() {
        double[] lrs = new double[baseLrs.size()];
        for (int i = 0; i < lrs.length; i++) lrs[i] = baseLrs.get(i) * (factor + (lastEpoch >= totalIters ? 1 : 0) * (1 - factor));
        return lrs;
    }

    @Override protected void saveSettings(Map<String, Object> sd) {
        sd.put("factor", factor);
        sd.put("total_iters", totalIters);
    }
    @Override protected void checkSettings(Map<String, Object> sd) {
        StateValues.number(sd, "factor");
        StateValues.integer(sd, "total_iters");
    }
    @Override protected void loadSettings(Map<String, Object> sd) {
        factor = StateValues.number(sd, "factor");
        totalIters = StateValues.integer(sd, "total_iters");
    }
}
