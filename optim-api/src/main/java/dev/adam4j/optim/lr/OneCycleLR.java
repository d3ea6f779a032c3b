package dev.adam4j.optim.lr;

import dev.adam4j.optim.Optimizer;
import dev.adam4j.optim.ParamGroup;
import java.util.List;
import java.util.Map;

/**
 * PyTorch's {@code OneCycleLR} (Smith's 1cycle): the lr rises from {@code maxLr/divFactor} to
 * {@code maxLr} over {@code pctStart} of the steps and anneals to {@code initial_lr/finalDivFactor};
 * with {@code cycleMomentum}, Adam's β1 moves the other way between {@code maxMomentum} and
 * {@code baseMomentum}. It writes {@code initial_lr}, {@code max_lr}, {@code min_lr},
 * {@code max_momentum} and {@code base_momentum} into each group, as PyTorch does.
 */
public final class OneCycleLR extends LRScheduler {
    /** How each phase anneals. */
    public enum Anneal { COS, LINEAR }

    private long totalSteps;
    private double[] phaseEnds; // end_step of each phase
    private String[][] phaseKeys; // {start_lr, end_lr, start_momentum, end_momentum} per phase
    private Anneal anneal;
    private boolean cycleMomentum;

    public OneCycleLR(Optimizer optimizer, double maxLr, long totalSteps) {
        this(optimizer, maxLr, totalSteps, 0.3, Anneal.COS, true, 0.85, 0.95, 25.0, 1e4, false);
    }

    public OneCycleLR(Optimizer optimizer, double maxLr, long totalSteps, double pctStart, Anneal anneal,
            boolean cycleMomentum, double baseMomentum, double maxMomentum, double divFactor, double finalDivFactor,
            boolean threePhase) {
        super(prepare(optimizer, maxLr, totalSteps, pctStart, cycleMomentum, baseMomentum, maxMomentum, divFactor,
                finalDivFactor), -1);
        this.totalSteps = totalSteps;
        this.anneal = java.util.Objects.requireNonNull(anneal, "anneal");
        this.cycleMomentum = cycleMomentum;
        if (threePhase) {
            phaseEnds = new double[] {(double) (pctStart * totalSteps) - 1, (double) (2 * pctStart * totalSteps) - 2, totalSteps - 1};
            phaseKeys = new String[][] {{"initial_lr", "max_lr", "max_momentum", "base_momentum"},
                    {"max_lr", "initial_lr", "base_momentum", "max_momentum"},
                    {"initial_lr", "min_lr", "max_momentum", "max_momentum"}};
        } else {
            phaseEnds = new double[] {(double) (pctStart * totalSteps) - 1, totalSteps - 1};
            phaseKeys = new String[][] {{"initial_lr", "max_lr", "max_momentum", "base_momentum"},
                    {"max_lr", "min_lr", "base_momentum", "max_momentum"}};
        }
        initialStep();
    }

    /** Checks everything and writes the group keys before the base constructor reads initial_lr. */
    private static Optimizer prepare(Optimizer optimizer, double maxLr, long totalSteps, double pctStart, boolean cycleMomentum,
            double baseMomentum, double maxMomentum, double divFactor, double finalDivFactor) {
        if (totalSteps <= 0) throw new IllegalArgumentException("Expected positive integer total_steps, but got " + totalSteps);
        if (!(pctStart >= 0 && pctStart <= 1)) throw new IllegalArgumentException("Expected float between 0 and 1 pct_start, but got " + pctStart);
        for (ParamGroup g : optimizer.paramGroups()) {
            g.putExtra("initial_lr", maxLr / divFactor);
            g.putExtra("max_lr", maxLr);
            g.putExtra("min_lr", g.extra("initial_lr") / finalDivFactor);
            if (cycleMomentum) {
                g.setBetas(maxMomentum, g.beta2());
                g.putExtra("max_momentum", maxMomentum);
                g.putExtra("base_momentum", baseMomentum);
            }
        }
        return optimizer;
    }

    private double anneal(double start, double end, double pct) {
        return switch (anneal) {
            case COS -> end + (start - end) / 2.0 * (LibM.cos(Math.PI * pct) + 1);
            case LINEAR -> (end - start) * pct + start;
        };
    }

    @Override
    protected double[] computeLr() {
        long stepNum = lastEpoch;
        if (stepNum > totalSteps) {
            throw new IllegalStateException("Tried to step " + (stepNum + 1) + " times. The specified number of total steps is " + totalSteps);
        }
        List<ParamGroup> groups = optimizer.paramGroups();
        double[] lrs = new double[groups.size()];
        for (int g = 0; g < lrs.length; g++) {
            ParamGroup group = groups.get(g);
            double startStep = 0;
            for (int i = 0; i < phaseEnds.length; i++) {
                double endStep = phaseEnds[i];
                if (stepNum <= endStep || i == phaseEnds.length - 1) {
                    double pct = (stepNum - startStep) / (endStep - startStep);
                    lrs[g] = anneal(group.extra(phaseKeys[i][0]), group.extra(phaseKeys[i][1]), pct);
                    if (cycleMomentum) {
                        group.setBetas(anneal(group.extra(phaseKeys[i][2]), group.extra(phaseKeys[i][3]), pct), group.beta2());
                    }
                    break;
                }
                startStep = phaseEnds[i];
            }
        }
        return lrs;
    }

    @Override
    public void step() {
        if (lastEpoch + 1 > totalSteps) { // refused before anything moves
            throw new IllegalStateException("Tried to step " + (lastEpoch + 2) + " times. The specified number of total steps is " + totalSteps);
        }
        super.step();
    }

    @Override protected void saveSettings(Map<String, Object> sd) {
        sd.put("total_steps", totalSteps);
        sd.put("anneal_strategy", anneal.name().toLowerCase(java.util.Locale.ROOT));
        sd.put("cycle_momentum", cycleMomentum);
        sd.put("use_beta1", cycleMomentum);
        java.util.List<Object> phases = new java.util.ArrayList<>();
        for (int i = 0; i < phaseEnds.length; i++) {
            phases.add(Map.of("end_step", phaseEnds[i], "start_lr", phaseKeys[i][0], "end_lr", phaseKeys[i][1],
                    "start_momentum", phaseKeys[i][2], "end_momentum", phaseKeys[i][3]));
        }
        sd.put("_schedule_phases", phases);
    }
    @Override protected void checkSettings(Map<String, Object> sd) {
        StateValues.integer(sd, "total_steps");
        Anneal.valueOf(StateValues.string(sd, "anneal_strategy").toUpperCase(java.util.Locale.ROOT));
        StateValues.flag(sd, "cycle_momentum");
        if (!(sd.get("_schedule_phases") instanceof List<?> l) || l.isEmpty()) {
            throw new IllegalArgumentException("scheduler state '_schedule_phases' must be a list of phases");
        }
        for (Object o : l) {
            Map<String, Object> p = StateValues.map(o, "_schedule_phases");
            StateValues.number(p, "end_step");
            for (String k : new String[] {"start_lr", "end_lr", "start_momentum", "end_momentum"}) StateValues.string(p, k);
        }
    }
    @Override protected void loadSettings(Map<String, Object> sd) {
        totalSteps = StateValues.integer(sd, "total_steps");
        anneal = Anneal.valueOf(StateValues.string(sd, "anneal_strategy").toUpperCase(java.util.Locale.ROOT));
        cycleMomentum = StateValues.flag(sd, "cycle_momentum");
        List<?> l = (List<?>) sd.get("_schedule_phases");
        phaseEnds = new double[l.size()];
        phaseKeys = new String[l.size()][];
        for (int i = 0; i < l.size(); i++) {
            Map<String, Object> p = StateValues.map(l.get(i), "_schedule_phases");
            phaseEnds[i] = StateValues.number(p, "end_step");
            phaseKeys[i] = new String[] {StateValues.string(p, "start_lr"), StateValues.string(p, "end_lr"),
                    StateValues.string(p, "start_momentum"), StateValues.string(p, "end_momentum")};
        }
    }
}
