package dev.adam4j.optim.lr;

import dev.adam4j.optim.Optimizer;
import java.util.Map;

/** PyTorch's {@code PolynomialLR}: decays the lr polynomially to 0 over {@code totalIters} steps. */
public final class PolynomialLR extends LRScheduler {
    private long totalIters;
    private double power;

    public PolynomialLR(Optimizer optimizer, long totalIters, double power) {
        this(optimizer, totalIters, power, -1);
    }

    public PolynomialLR(Optimizer optimizer, long totalIters, double power, long lastEpoch) {
        super(optimizer, lastEpoch);
        if (totalIters <= 0) throw new IllegalArgumentException("total_iters must be positive, got " + totalIters);
        this.totalIters = totalIters;
        this.power = power;
        initialStep();
    }

    @Override
    protected double[] computeLr() {
        double[] lrs = currentLrs();
        if (lastEpoch == 0 || lastEpoch > totalIters) return lrs;
        double decay = LibM.pow((1.0 - (double) lastEpoch / totalIters) / (1.0 - (double) (lastEpoch - 1) / totalIters), power);
        for (int i = 0; i < lrs.length; i++) lrs[i] = lrs[i] * decay;
        return lrs;
    }

    @Override
    protected double[] closedFormLr() {
        double[] lrs = new double[baseLrs.size()];
        for (int i = 0; i < lrs.length; i++) {
            lrs[i] = baseLrs.get(i) * LibM.pow(1.0 - (double) Math.min(totalIters, lastEpoch) / totalIters, power);
        }
        return lrs;
    }

    @Override protected void saveSettings(Map<String, Object> sd) {
        sd.put("total_iters", totalIters);
        sd.put("power", power);
    }
    @Override protected void checkSettings(Map<String, Object> sd) {
        StateValues.integer(sd, "total_iters");
        StateValues.number(sd, "power");
    }
    @Override protected void loadSettings(Map<String, Object> sd) {
        totalIters = StateValues.integer(sd, "total_iters");
        power = StateValues.number(sd, "power");
    }
}
