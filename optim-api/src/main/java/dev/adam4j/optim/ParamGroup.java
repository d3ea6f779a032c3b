package dev.adam4j.optim;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.EpsilonMode;
import dev.adam4j.kernels.WeightDecay;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A live parameter group of an optimizer: its parameters in order and its hyperparameters, which
 * may be changed between steps (learning-rate schedules do). Setters validate and name the value;
 * a rejected value leaves the group unchanged.
 */
public final class ParamGroup {
    /** The built-in hyperparameter keys, as PyTorch names them in {@code param_groups}. */
    static final Set<String> KEYS = Set.of("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize",
            "decoupled_weight_decay", "eps_mode", "foreach", "capturable", "differentiable", "fused", "params",
            "param_names");

    private final List<Param> params;
    private double lr, beta1, beta2, eps, weightDecay;
    private boolean amsgrad, maximize, decoupledWeightDecay;
    private EpsilonMode epsMode;
    private final Map<String, Double> extras;
    private final boolean decoupledLocked;
    private AdamHyperparameters cached; // rebuilt lazily after a change

    ParamGroup(List<Param> params, AdamOptions o, boolean decoupledLocked) {
        this.params = List.copyOf(params);
        this.lr = o.lr;
        this.beta1 = o.beta1;
        this.beta2 = o.beta2;
        this.eps = o.eps;
        this.weightDecay = o.weightDecay;
        this.amsgrad = o.amsgrad;
        this.maximize = o.maximize;
        this.decoupledWeightDecay = o.decoupledWeightDecay;
        this.epsMode = o.epsMode;
        this.extras = new LinkedHashMap<>(o.extras);
        this.decoupledLocked = decoupledLocked;
    }

    static void checkLr(double v) {
        if (!(0.0 <= v)) throw new IllegalArgumentException("Invalid learning rate: " + v);
    }

    static void checkEps(double v) {
        if (!(0.0 <= v)) throw new IllegalArgumentException("Invalid epsilon value: " + v);
    }

    static void checkBetas(double b1, double b2) {
        if (!(0.0 <= b1 && b1 < 1.0)) throw new IllegalArgumentException("Invalid beta parameter at index 0: " + b1);
        if (!(0.0 <= b2 && b2 < 1.0)) throw new IllegalArgumentException("Invalid beta parameter at index 1: " + b2);
    }

    static void checkWeightDecay(double v) {
        if (!(0.0 <= v) || v == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("Invalid weight_decay value: " + v);
        }
    }

    public List<Param> params() { return params; }
    public double lr() { return lr; }
    public double beta1() { return beta1; }
    public double beta2() { return beta2; }
    public double eps() { return eps; }
    public double weightDecay() { return weightDecay; }
    public boolean amsgrad() { return amsgrad; }
    public boolean maximize() { return maximize; }
    public boolean decoupledWeightDecay() { return decoupledWeightDecay; }
    public EpsilonMode epsMode() { return epsMode; }

    /** An optimizer-specific hyperparameter; throws if the group has none of that name. */
    public double extra(String key) {
        Double v = extras.get(key);
        if (v == null) throw new IllegalArgumentException("parameter group has no hyperparameter '" + key + "'");
        return v;
    }

    public Map<String, Double> extras() {
        return Collections.unmodifiableMap(extras);
    }

    public void setLr(double v) { checkLr(v); lr = v; cached = null; }
    public void setBetas(double b1, double b2) { checkBetas(b1, b2); beta1 = b1; beta2 = b2; cached = null; }
    public void setEps(double v) { checkEps(v); eps = v; cached = null; }
    public void setWeightDecay(double v) { checkWeightDecay(v); weightDecay = v; cached = null; }
    public void setAmsgrad(boolean v) { amsgrad = v; cached = null; }
    public void setMaximize(boolean v) { maximize = v; cached = null; }
    public void setEpsMode(EpsilonMode v) { epsMode = Objects.requireNonNull(v, "epsMode"); cached = null; }

    public void setDecoupledWeightDecay(boolean v) {
        if (decoupledLocked && !v) {
            throw new IllegalArgumentException("AdamW always decouples weight decay: decoupled_weight_decay=false is not allowed");
        }
        decoupledWeightDecay = v;
        cached = null;
    }

    /** Whether the group has an optimizer-specific (or scheduler-written) value called {@code key}. */
    public boolean hasExtra(String key) {
        return extras.containsKey(key);
    }

    /**
     * Adds or replaces a numeric value under {@code key}, as PyTorch code writes into a group's dict
     * ({@code group['initial_lr']}, {@code group['max_momentum']}): it travels in the state dict and
     * checkpoints like every hyperparameter. Built-in keys are refused (use their setters).
     */
    public void putExtra(String key, double v) {
        Objects.requireNonNull(key, "key");
        if (KEYS.contains(key)) throw new IllegalArgumentException("'" + key + "' is a built-in hyperparameter, not an extra");
        if (!Double.isFinite(v)) throw new IllegalArgumentException("Invalid value for '" + key + "': " + v);
        extras.put(key, v);
    }

    /** Sets an optimizer-specific hyperparameter that the group already has. */
    public void setExtra(String key, double v) {
        extra(key);
        if (!Double.isFinite(v)) throw new IllegalArgumentException("Invalid value for '" + key + "': " + v);
        extras.put(key, v);
    }

    /** The kernel's view of this group's hyperparameters. */
    public AdamHyperparameters hyperparameters() {
        AdamHyperparameters h = cached;
        if (h == null) {
            WeightDecay mode = weightDecay == 0.0 ? WeightDecay.NONE
                    : decoupledWeightDecay ? WeightDecay.DECOUPLED : WeightDecay.L2;
            h = new AdamHyperparameters(lr, beta1, beta2, eps, weightDecay, mode, amsgrad, maximize, epsMode);
            cached = h;
        }
        return h;
    }

    /** Replaces every hyperparameter with {@code o}'s (all set): used by loadStateDict after validation. */
    void assign(AdamOptions o) {
        lr = o.lr; beta1 = o.beta1; beta2 = o.beta2; eps = o.eps; weightDecay = o.weightDecay;
        amsgrad = o.amsgrad; maximize = o.maximize;
        decoupledWeightDecay = decoupledLocked || o.decoupledWeightDecay;
        epsMode = o.epsMode;
        extras.clear();
        extras.putAll(o.extras);
        cached = null;
    }

    /**
     * The hyperparameters under PyTorch's {@code param_groups} keys, in PyTorch's order ({@code betas}
     * a 2-list; {@code foreach}, {@code capturable}, {@code differentiable}, {@code fused} as PyTorch
     * reports them on CPU), then our {@code eps_mode} (lower case) and any extras. A new map each call.
     */
    public Map<String, Object> options() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lr", lr);
        m.put("betas", List.of(beta1, beta2));
        m.put("eps", eps);
        m.put("weight_decay", weightDecay);
        m.put("amsgrad", amsgrad);
        m.put("maximize", maximize);
        m.put("foreach", null);
        m.put("capturable", false);
        m.put("differentiable", false);
        m.put("fused", null);
        m.put("decoupled_weight_decay", decoupledWeightDecay);
        m.put("eps_mode", epsMode.name().toLowerCase(java.util.Locale.ROOT));
        m.putAll(extras);
        return m;
    }
}
