package dev.adam4j.optim.lr;

import dev.adam4j.optim.Optimizer;
import dev.adam4j.optim.ParamGroup;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.DoubleUnaryOperator;

/**
 * PyTorch's {@code CyclicLR} (Smith's cyclical learning rates) as PyTorch 2.x runs it on Adam: the lr
 * cycles between {@code baseLr} and {@code maxLr} ({@code triangular}, {@code triangular2},
 * {@code exp_range} or a custom scale function), and with {@code cycleMomentum} Adam's β1 cycles the
 * other way between {@code maxMomentum} and {@code baseMomentum} (PyTorch 1.x could cycle only SGD's
 * {@code momentum}).
 */
public final class CyclicLR extends LRScheduler {
    /** PyTorch's built-in scale policies. */
    public enum Mode { TRIANGULAR, TRIANGULAR2, EXP_RANGE }

    private final double baseLr, maxLr, baseMomentum, maxMomentum, gamma;
    private final double totalSize, stepRatio;
    private final Mode mode;
    private final DoubleUnaryOperator customScale;
    private final boolean scaleByCycle, cycleMomentum;

    /** {@code triangular}, momentum cycling between 0.8 and 0.9, as PyTorch's defaults. */
    public CyclicLR(Optimizer optimizer, double baseLr, double maxLr, long stepSizeUp) {
        this(optimizer, baseLr, maxLr, stepSizeUp, stepSizeUp, Mode.TRIANGULAR, 1.0, true, 0.8, 0.9);
    }

    public CyclicLR(Optimizer optimizer, double baseLr, double maxLr, long stepSizeUp, long stepSizeDown, Mode mode,
            double gamma, boolean cycleMomentum, double baseMomentum, double maxMomentum) {
        this(optimizer, baseLr, maxLr, stepSizeUp, stepSizeDown, Objects.requireNonNull(mode, "mode"), null, mode != Mode.EXP_RANGE,
                gamma, cycleMomentum, baseMomentum, maxMomentum);
    }

    /** With a custom scale function of the cycle number ({@code scaleByCycle}) or of the step. */
    public CyclicLR(Optimizer optimizer, double baseLr, double maxLr, long stepSizeUp, long stepSizeDown,
            DoubleUnaryOperator scale, boolean scaleByCycle, boolean cycleMomentum, double baseMomentum, double maxMomentum) {
        this(optimizer, baseLr, maxLr, stepSizeUp, stepSizeDown, null, Objects.requireNonNull(scale, "scale_fn"), scaleByCycle,
                1.0, cycleMomentum, baseMomentum, maxMomentum);
    }

    private CyclicLR(Optimizer optimizer, double baseLr, double maxLr, long stepSizeUp, long stepSizeDown, Mode mode,
            DoubleUnaryOperator customScale, boolean scaleByCycle, double gamma, boolean cycleMomentum,
            double baseMomentum, double maxMomentum) {
        super(prepare(optimizer, baseLr, stepSizeUp, stepSizeDown, cycleMomentum, baseMomentum, maxMomentum), -1);
        this.baseLr = baseLr;
        this.maxLr = maxLr;
        this.totalSize = (double) stepSizeUp + (double) stepSizeDown;
        this.stepRatio = stepSizeUp / totalSize;
        this.mode = mode;
        this.customScale = customScale;
        this.scaleByCycle = scaleByCycle;
        this.gamma = gamma;
        this.cycleMomentum = cycleMomentum;
        this.baseMomentum = baseMomentum;
        this.maxMomentum = maxMomentum;
        initialStep();
        baseLrs = java.util.Collections.nCopies(optimizer.paramGroups().size(), baseLr);
    }

    private static Optimizer prepare(Optimizer optimizer, double baseLr, long up, long down, boolean cycleMomentum,
            double baseMomentum, double maxMomentum) {
        if (up <= 0 || down <= 0) throw new IllegalArgumentException("step sizes must be positive, got " + up + " and " + down);
        for (ParamGroup g : optimizer.paramGroups()) {
            g.setLr(baseLr);
            if (cycleMomentum) {
                g.setBetas(maxMomentum, g.beta2());
                g.putExtra("max_momentum", maxMomentum);
                g.putExtra("base_momentum", baseMomentum);
            }
        }
        return optimizer;
    }

    private double scale(double x) {
        if (customScale != null) return customScale.applyAsDouble(x);
        return switch (mode) {
            case TRIANGULAR -> 1.;
            case TRIANGULAR2 -> 1 / LibM.pow(2., x - 1);
            case EXP_RANGE -> LibM.pow(gamma, x);
        };
    }

    @Override
    protected double[] computeLr() {
        double cycle = Math.floor(1 + lastEpoch / totalSize);
        double x = 1. + lastEpoch / totalSize - cycle;
        double scaleFactor = x <= stepRatio ? x / stepRatio : (x - 1) / (stepRatio - 1);
        double s = scale(scaleByCycle ? cycle : lastEpoch);
        List<ParamGroup> groups = optimizer.paramGroups();
        double[] lrs = new double[groups.size()];
        for (int i = 0; i < lrs.length; i++) {
            double baseHeight = (maxLr - baseLr) * scaleFactor;
            lrs[i] = baseLr + baseHeight * s;
        }
        if (cycleMomentum) {
            double baseHeight = (maxMomentum - baseMomentum) * scaleFactor;
            double momentum = maxMomentum - baseHeight * s;
            for (ParamGroup g : groups) g.setBetas(momentum, g.beta2());
        }
        return lrs;
    }

    @Override protected void saveSettings(Map<String, Object> sd) {
        sd.put("max_lrs", java.util.Collections.nCopies(baseLrs == null ? optimizer.paramGroups().size() : baseLrs.size(), maxLr));
        sd.put("total_size", totalSize);
        sd.put("step_ratio", stepRatio);
        sd.put("mode", mode == null ? "custom" : mode.name().toLowerCase(java.util.Locale.ROOT));
        sd.put("gamma", gamma);
        sd.put("scale_mode", scaleByCycle ? "cycle" : "iterations");
        sd.put("cycle_momentum", cycleMomentum);
        sd.put("base_momentums", java.util.Collections.nCopies(optimizer.paramGroups().size(), baseMomentum));
        sd.put("max_momentums", java.util.Collections.nCopies(optimizer.paramGroups().size(), maxMomentum));
    }
    /** The settings are fixed at construction; a state dict's are checked to be the same schedule. */
    @Override protected void checkSettings(Map<String, Object> sd) {
        if (StateValues.number(sd, "total_size") != totalSize || StateValues.number(sd, "step_ratio") != stepRatio) {
            throw new IllegalArgumentException("scheduler state is of another cycle (total_size, step_ratio)");
        }
    }
    @Override protected void loadSettings(Map<String, Object> sd) {}
}
