package dev.adam4j.optim.lr;

import dev.adam4j.optim.Optimizer;
import java.util.Map;

/**
 * PyTorch's {@code CosineAnnealingLR}: the recursive form PyTorch evaluates (each step from the
 * current lr), which equals {@code η_min + (η_max − η_min)(1 + cos(π·t/T_max))/2} in exact arithmetic.
 */
public final class CosineAnnealingLR extends LRScheduler {
    private long tMax;
    private double etaMin;

    public CosineAnnealingLR(Optimizer optimizer, long tMax, double etaMin) {
        this(optimizer, tMax, etaMin, -1);
    }

    public CosineAnnealingLR(Optimizer optimizer, long tMax, double etaMin, long lastEpoch) {
        super(optimizer, lastEpoch);
        if (tMax <= 0) throw new IllegalArgumentException("T_max must be positive, got " + tMax);
        this.tMax = tMax;
        this.etaMin = etaMin;
        initialStep();
    }

    @Override
    protected double[] computeLr() {
        double[] lrs = currentLrs();
        if (lastEpoch == 0) return lrs;
        if (stepCount == 1 && lastEpoch > 0) {
            for (int i = 0; i < lrs.length; i++) {
                lrs[i] = etaMin + (baseLrs.get(i) - etaMin) * (1 + LibM.cos(lastEpoch * Math.PI / tMax)) / 2;
            }
        } else if (Math.floorMod(lastEpoch - 1 - tMax, 2 * tMax) == 0) {
            for (int i = 0; i < lrs.length; i++) {
                lrs[i] = lrs[i] + (baseLrs.get(i) - etaMin) * (1 - LibM.cos(Math.PI / tMax)) / 2;
            }
        } else {
            double ratio = (1 + LibM.cos(Math.PI * lastEpoch / tMax)) / (1 + LibM.cos(Math.PI * (lastEpoch - 1) / tMax));
            for (int i = 0; i < lrs.length; i++) lrs[i] = ratio * (lrs[i] - etaMin) + etaMin;
        }
        return lrs;
    }

    @Override
    protected double[] closedFormLr() {
        double[] lrs = new double[baseLrs.size()];
        for (int i = 0; i < lrs.length; i++) {
            lrs[i] = etaMin + (baseLrs.get(i) - etaMin) * (1 + LibM.cos(Math.PI * lastEpoch / tMax)) / 2;
        }
        return lrs;
    }

    @Override protected void saveSettings(Map<String, Object> sd) {
        sd.put("T_max", tMax);
        sd.put("eta_min", etaMin);
    }
    @Override protected void checkSettings(Map<String, Object> sd) {
        StateValues.integer(sd, "T_max");
        StateValues.number(sd, "eta_min");
    }
    @Override protected void loadSettings(Map<String, Object> sd) {
        tMax = StateValues.integer(sd, "T_max");
        etaMin = StateValues.number(sd, "eta_min");
    }
}
