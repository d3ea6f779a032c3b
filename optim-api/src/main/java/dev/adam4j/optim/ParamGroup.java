package dev.adam4j.optim;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.EpsilonMode;
import dev.adam4j.kernels.Precision;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A live parameter group of an optimizer: its parameters in order and its hyperparameters, which
 * may be changed between steps (learning-rate schedules do). Setters validate and name the value;
 * a rejected value leaves the group unchanged. The values are an {@link AdamOptions} with every
 * value set, so the schema and the checks have one home.
 */
public final class ParamGroup {
    private final List<Param> params;
    /** The optimizer's rule for its groups' options (AdamW: decay always decoupled). */
    private final UnaryOperator<AdamOptions> rule;
    private AdamOptions options; // complete
    private AdamHyperparameters cached; // rebuilt lazily after a change

    ParamGroup(List<Param> params, AdamOptions complete, UnaryOperator<AdamOptions> rule) {
        this.params = List.copyOf(params);
        this.rule = rule;
        this.options = rule.apply(complete);
    }

    public List<Param> params() { return params; }
    public double lr() { return options.lr; }
    public double beta1() { return options.beta1; }
    public double beta2() { return options.beta2; }
    public double eps() { return options.eps; }
    public double weightDecay() { return options.weightDecay; }
    public boolean amsgrad() { return options.amsgrad; }
    public boolean maximize() { return options.maximize; }
    public boolean decoupledWeightDecay() { return options.decoupledWeightDecay; }
    public EpsilonMode epsMode() { return options.epsMode; }

    /**
     * The precision of the group's moments ({@link AdamOptions#stateDtype}), or null when each
     * parameter's state has the parameter's own precision (the default). Fixed when the group is made:
     * there is no setter, and a loaded state dict does not change it.
     */
    public Precision stateDtype() { return options.stateDtype; }

    /** Whether the group's bf16 parameters keep split f32 master weights ({@link AdamOptions#splitMasterWeights}); no setter. */
    public boolean splitMasterWeights() { return options.split(); }

    /** The complete options (immutable). */
    AdamOptions settings() { return options; }

    /**
     * The seed of the group's stochastic rounding ({@link AdamOptions#stochasticRounding}), or null when
     * parameters are rounded to nearest even; no setter.
     */
    public Long stochasticRoundingSeed() { return options.stochasticRoundingSeed; }

    /**
     * The precision of {@code p}'s moments in this group: {@link #stateDtype()}, F32 with split master
     * weights, or {@code p}'s own.
     */
    public Precision statePrecision(Param p) {
        if (options.split()) return Precision.F32;
        return options.stateDtype != null ? options.stateDtype : p.data().precision();
    }

    /** An optimizer-specific hyperparameter; throws if the group has none of that name. */
    public double extra(String key) {
        Double v = options.extras.get(key);
        if (v == null) throw new IllegalArgumentException("parameter group has no hyperparameter '" + key + "'");
        return v;
    }

    public Map<String, Double> extras() {
        return Collections.unmodifiableMap(options.extras);
    }

    /** Whether the group has an optimizer-specific (or scheduler-written) value called {@code key}. */
    public boolean hasExtra(String key) {
        return options.extras.containsKey(key);
    }

    private void set(AdamOptions changed) {
        options = rule.apply(changed);
        cached = null;
    }

    public void setLr(double v) { set(options.lr(v)); }
    public void setBetas(double b1, double b2) { set(options.betas(b1, b2)); }
    public void setEps(double v) { set(options.eps(v)); }
    public void setWeightDecay(double v) { set(options.weightDecay(v)); }
    public void setAmsgrad(boolean v) { set(options.amsgrad(v)); }
    public void setMaximize(boolean v) { set(options.maximize(v)); }
    public void setEpsMode(EpsilonMode v) { set(options.epsMode(v)); }
    public void setDecoupledWeightDecay(boolean v) { set(options.decoupledWeightDecay(v)); }

    /** Sets an optimizer-specific hyperparameter that the group already has. */
    public void setExtra(String key, double v) {
        extra(key);
        set(options.extra(key, v));
    }

    /**
     * Adds or replaces a numeric value under {@code key}, as PyTorch code writes into a group's dict
     * ({@code group['initial_lr']}, {@code group['max_momentum']}): it travels in the state dict and
     * checkpoints like every hyperparameter. Built-in keys are refused (use their setters).
     */
    public void putExtra(String key, double v) {
        set(options.extra(key, v));
    }

    /** The kernel's view of this group's hyperparameters. */
    public AdamHyperparameters hyperparameters() {
        AdamHyperparameters h = cached;
        if (h == null) {
            h = options.hyperparameters();
            cached = h;
        }
        return h;
    }

    /** Replaces every hyperparameter with {@code complete}'s (already checked): used by loadStateDict. */
    void assign(AdamOptions complete) {
        options = Objects.requireNonNull(complete);
        cached = null;
    }

    /**
     * The hyperparameters under PyTorch's {@code param_groups} keys, in PyTorch's order, then our
     * {@code eps_mode} and any extras (see {@link AdamOptions}). A new map each call.
     */
    public Map<String, Object> options() {
        return options.toMap();
    }
}
