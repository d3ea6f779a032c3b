package dev.adam4j.optim.lr;

import dev.adam4j.optim.Optimizer;
import java.util.Map;

/** PyTorch's {@code ExponentialLR}: multiplies the lr by {@code gamma} every step. */
public final class ExponentialLR extends LRScheduler {
    private double gamma;

    public ExponentialLR(Optimizer optimizer, double gamma) {
        this(optimizer, gamma, -1);
    }

    public ExponentialLR(Optimizer optimizer, double gamma, long lastEpoch) {
        super(optimizer, lastEpoch);
        this.gamma = gamma;
        initialStep();
    }

    @Override
    protected double[] computeLr() {
        double[] lrs = currentLrs();
        if (lastEpoch != 0) for (int i = 0; i < lrs.length; i++) lrs[i] = lrs[i] * gamma;
        return lrs;
    }

    @Override
    protected double[] closedFormLr() {
        double[] lrs = new double[baseLrs.size()];
        for (int i = 0; i < lrs.length; i++) lrs[i] = baseLrs.get(i) * LibM.pow(gamma, (double) lastEpoch);
        return lrs;
    }

    @Override protected void saveSettings(Map<String, Object> sd) { sd.put("gamma", gamma); }
    @Override protected void checkSettings(Map<String, Object> sd) { StateValues.number(sd, "gamma"); }
    @Override protected void loadSettings(Map<String, Object> sd) { gamma = StateValues.number(sd, "gamma"); }
}
