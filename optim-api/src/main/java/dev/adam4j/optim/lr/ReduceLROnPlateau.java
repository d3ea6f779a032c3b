package dev.adam4j.optim.lr;

import dev.adam4j.optim.Optimizer;
import dev.adam4j.optim.ParamGroup;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * PyTorch's {@code ReduceLROnPlateau}: multiplies the lr by {@code factor} (not below
 * {@code minLr}) when the metric has not improved for more than {@code patience} steps, then waits
 * {@code cooldown} steps. {@code mode} min or max, {@code thresholdMode} rel or abs, as PyTorch's.
 */
public final class ReduceLROnPlateau {
    private final Optimizer optimizer;
    private double factor, threshold, eps, best, modeWorse;
    private long patience, cooldown, cooldownCounter, numBadEpochs, lastEpoch;
    private List<Double> minLrs;
    private boolean maxMode, absThreshold;
    private List<Double> lastLr;

    /** PyTorch's defaults: min, factor 0.1, patience 10, threshold 1e-4 rel, cooldown 0, min_lr 0, eps 1e-8. */
    public ReduceLROnPlateau(Optimizer optimizer) {
        this(optimizer, "min", 0.1, 10, 1e-4, "rel", 0, 0, 1e-8);
    }

    public ReduceLROnPlateau(Optimizer optimizer, String mode, double factor, long patience, double threshold,
            String thresholdMode, long cooldown, double minLr, double eps) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        if (!(factor < 1.0)) throw new IllegalArgumentException("Factor should be < 1.0, got " + factor);
        if (!mode.equals("min") && !mode.equals("max")) throw new IllegalArgumentException("mode " + mode + " is unknown!");
        if (!thresholdMode.equals("rel") && !thresholdMode.equals("abs")) {
            throw new IllegalArgumentException("threshold mode " + thresholdMode + " is unknown!");
        }
        this.factor = factor;
        this.patience = patience;
        this.threshold = threshold;
        this.maxMode = mode.equals("max");
        this.absThreshold = thresholdMode.equals("abs");
        this.cooldown = cooldown;
        this.minLrs = Collections.nCopies(optimizer.paramGroups().size(), minLr);
        this.eps = eps;
        this.modeWorse = maxMode ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        this.best = modeWorse;
        this.lastEpoch = 0;
    }

    private boolean isBetter(double a, double best) {
        if (!maxMode && !absThreshold) return a < best * (1. - threshold);
        if (!maxMode) return a < best - threshold;
        if (!absThreshold) return a > best * (threshold + 1.);
        return a > best + threshold;
    }

    /** One step with the epoch's metric (a validation loss, say). */
    public void step(double metric) {
        lastEpoch = lastEpoch + 1;
        if (isBetter(metric, best)) {
            best = metric;
            numBadEpochs = 0;
        } else {
            numBadEpochs += 1;
        }
        if (cooldownCounter > 0) {
            cooldownCounter -= 1;
            numBadEpochs = 0;
        }
        if (numBadEpochs > patience) {
            List<ParamGroup> groups = optimizer.paramGroups();
            for (int i = 0; i < groups.size(); i++) {
                double oldLr = groups.get(i).lr();
                double newLr = Math.max(oldLr * factor, minLrs.get(i));
                if (oldLr - newLr > eps) groups.get(i).setLr(newLr);
            }
            cooldownCounter = cooldown;
            numBadEpochs = 0;
        }
        List<Double> l = new ArrayList<>();
        for (ParamGroup g : optimizer.paramGroups()) l.add(g.lr());
        lastLr = List.copyOf(l);
    }

    public List<Double> getLastLr() {
        return lastLr;
    }

    public Map<String, Object> stateDict() {
        Map<String, Object> sd = new LinkedHashMap<>();
        sd.put("factor", factor);
        sd.put("min_lrs", minLrs);
        sd.put("patience", patience);
        sd.put("verbose", false);
        sd.put("cooldown", cooldown);
        sd.put("cooldown_counter", cooldownCounter);
        sd.put("mode", maxMode ? "max" : "min");
        sd.put("threshold", threshold);
        sd.put("threshold_mode", absThreshold ? "abs" : "rel");
        sd.put("best", best);
        sd.put("num_bad_epochs", numBadEpochs);
        sd.put("mode_worse", modeWorse);
        sd.put("eps", eps);
        sd.put("last_epoch", lastEpoch);
        if (lastLr != null) sd.put("_last_lr", lastLr);
        return sd;
    }

    public void loadStateDict(Map<String, Object> sd) {
        Objects.requireNonNull(sd, "state dict");
        double f = StateValues.number(sd, "factor"), th = StateValues.number(sd, "threshold"), e = StateValues.number(sd, "eps");
        double b = StateValues.number(sd, "best");
        long p = StateValues.integer(sd, "patience"), cd = StateValues.integer(sd, "cooldown");
        long cc = StateValues.integer(sd, "cooldown_counter"), bad = StateValues.integer(sd, "num_bad_epochs");
        long le = StateValues.integer(sd, "last_epoch");
        List<Double> mins = StateValues.doubles(sd, "min_lrs", optimizer.paramGroups().size());
        String mode = StateValues.string(sd, "mode"), tm = StateValues.string(sd, "threshold_mode");
        if (!mode.equals("min") && !mode.equals("max")) throw new IllegalArgumentException("mode " + mode + " is unknown!");
        if (!tm.equals("rel") && !tm.equals("abs")) throw new IllegalArgumentException("threshold mode " + tm + " is unknown!");
        List<Double> last = sd.get("_last_lr") == null ? null : StateValues.doubles(sd, "_last_lr", -1);
        factor = f; threshold = th; eps = e; best = b; patience = p; cooldown = cd; cooldownCounter = cc;
        numBadEpochs = bad; lastEpoch = le; minLrs = mins; maxMode = mode.equals("max"); absThreshold = tm.equals("abs");
        modeWorse = maxMode ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        lastLr = last;
    }
}
