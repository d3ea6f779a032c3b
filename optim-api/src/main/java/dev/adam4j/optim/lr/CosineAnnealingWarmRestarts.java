package dev.adam4j.optim.lr;

import dev.adam4j.optim.Optimizer;
import java.util.Map;

/**
 * PyTorch's {@code CosineAnnealingWarmRestarts} (SGDR): cosine annealing from the initial lr to
 * {@code etaMin} over {@code T_i} steps, then a restart, with {@code T_i} growing by {@code tMult}.
 * As in PyTorch, its {@code step} replaces the base one (it keeps {@code T_cur} itself).
 */
public final class CosineAnnealingWarmRestarts extends LRScheduler {
    private long t0, tI, tMult, tCur;
    private double etaMin;

    public CosineAnnealingWarmRestarts(Optimizer optimizer, long t0, long tMult, double etaMin) {
        this(optimizer, t0, tMult, etaMin, -1);
    }

    public CosineAnnealingWarmRestarts(Optimizer optimizer, long t0, long tMult, double etaMin, long lastEpoch) {
        super(optimizer, lastEpoch);
        if (t0 <= 0) throw new IllegalArgumentException("Expected positive integer T_0, but got " + t0);
        if (tMult < 1) throw new IllegalArgumentException("Expected integer T_mult >= 1, but got " + tMult);
        this.t0 = t0;
        this.tI = t0;
        this.tMult = tMult;
        this.etaMin = etaMin;
        this.tCur = lastEpoch;
        initialStep();
    }

    @Override
    protected double[] computeLr() {
        double[] lrs = new double[baseLrs.size()];
        for (int i = 0; i < lrs.length; i++) {
            lrs[i] = etaMin + (baseLrs.get(i) - etaMin) * (1 + LibM.cos(Math.PI * tCur / tI)) / 2;
        }
        return lrs;
    }

    @Override
    public void step() {
        if (lastEpoch < 0) {
            tI = t0;
            tCur = 0;
            lastEpoch = 0;
        } else {
            lastEpoch = lastEpoch + 1;
            tCur = tCur + 1;
            if (tCur >= tI) {
                tCur = tCur - tI;
                tI = tI * tMult;
            }
        }
        apply(computeLr());
    }

    @Override protected void saveSettings(Map<String, Object> sd) {
        sd.put("T_0", t0);
        sd.put("T_i", tI);
        sd.put("T_mult", tMult);
        sd.put("eta_min", etaMin);
        sd.put("T_cur", tCur);
    }
    @Override protected void checkSettings(Map<String, Object> sd) {
        for (String k : new String[] {"T_0", "T_i", "T_mult", "T_cur"}) StateValues.integer(sd, k);
        StateValues.number(sd, "eta_min");
    }
    @Override protected void loadSettings(Map<String, Object> sd) {
        t0 = StateValues.integer(sd, "T_0");
        tI = StateValues.integer(sd, "T_i");
        tMult = StateValues.integer(sd, "T_mult");
        tCur = StateValues.integer(sd, "T_cur");
        etaMin = StateValues.number(sd, "eta_min");
    }
}
