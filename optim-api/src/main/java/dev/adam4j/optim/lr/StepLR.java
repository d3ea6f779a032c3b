package dev.adam4j.optim.lr;

import dev.adam4j.optim.Optimizer;
import java.util.Map;

/** PyTorch's {@code StepLR}: multiplies the lr by {@code gamma} every {@code stepSize} steps. */
public final class StepLR extends LRScheduler {
    private long stepSize;
    private double gamma;

    public StepLR(Optimizer optimizer, long stepSize, double gamma) {
        this(optimizer, stepSize, gamma, -1);
    }

    public StepLR(Optimizer optimizer, long stepSize, double gamma, long lastEpoch) {
        super(optimizer, lastEpoch);
        if (stepSize <= 0) throw new IllegalArgumentException("step_size must be positive, got " + stepSize);
        this.stepSize = stepSize;
        this.gamma = gamma;
        initialStep();
    }

    @Override
    protected double[] computeLr() {
        double[] lrs = currentLrs();
        if (lastEpoch == 0 || lastEpoch % stepSize != 0) return lrs;
        for (int i = 0; i < lrs.length; i++) lrs[i] = lrs[i] * gamma;
        return lrs;
    }

    @Override
    protected double[] closedFormLr() {
        double[] lrs = new double[baseLrs.size()];
        for (int i = 0; i < lrs.length; i++) lrs[i] = baseLrs.get(i) * LibM.pow(gamma, (double) Math.floorDiv(lastEpoch, stepSize));
        return lrs;
    }

    @Override protected void saveSettings(Map<String, Object> sd) {
        sd.put("step_size", stepSize);
        sd.put("gamma", gamma);
    }
    @Override protected void checkSettings(Map<String, Object> sd) {
        StateValues.integer(sd, "step_size");
        StateValues.number(sd, "gamma");
    }
    @Override protected void loadSettings(Map<String, Object> sd) {
        stepSize = StateValues.integer(sd, "step_size");
        gamma = StateValues.number(sd, "gamma");
    }
}
