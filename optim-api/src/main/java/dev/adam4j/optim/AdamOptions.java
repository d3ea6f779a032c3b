package dev.adam4j.optim;

import dev.adam4j.kernels.EpsilonMode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Hyperparameter values, each optional: used for an optimizer's defaults and for a group's
 * overrides (a group takes what it sets and inherits the rest, as PyTorch's {@code add_param_group}
 * fills missing keys from {@code defaults}). Immutable; every method returns a copy. Values are
 * validated when set, with PyTorch's ranges and messages.
 *
 * <p>{@code extra(key, value)} carries hyperparameters of optimizers built on {@link Adam} (a
 * warm-up length, say); they are saved in the state dict like the others.
 */
public final class AdamOptions {
    Double lr, beta1, beta2, eps, weightDecay;
    Boolean amsgrad, maximize, decoupledWeightDecay;
    EpsilonMode epsMode;
    final Map<String, Double> extras;

    private AdamOptions(Map<String, Double> extras) {
        this.extras = extras;
    }

    private AdamOptions copy() {
        AdamOptions o = new AdamOptions(new LinkedHashMap<>(extras));
        o.lr = lr; o.beta1 = beta1; o.beta2 = beta2; o.eps = eps; o.weightDecay = weightDecay;
        o.amsgrad = amsgrad; o.maximize = maximize; o.decoupledWeightDecay = decoupledWeightDecay;
        o.epsMode = epsMode;
        return o;
    }

    /** No value set: everything inherited. */
    public static AdamOptions of() {
        return new AdamOptions(new LinkedHashMap<>());
    }

    /** PyTorch's {@code torch.optim.Adam} defaults, every value set. */
    static AdamOptions pytorchDefaults() {
        return of().lr(1e-3).betas(0.9, 0.999).eps(1e-8).weightDecay(0.0).amsgrad(false).maximize(false)
                .decoupledWeightDecay(false).epsMode(EpsilonMode.PYTORCH);
    }

    public AdamOptions lr(double v) {
        ParamGroup.checkLr(v);
        AdamOptions o = copy(); o.lr = v; return o;
    }

    public AdamOptions betas(double b1, double b2) {
        ParamGroup.checkBetas(b1, b2);
        AdamOptions o = copy(); o.beta1 = b1; o.beta2 = b2; return o;
    }

    public AdamOptions eps(double v) {
        ParamGroup.checkEps(v);
        AdamOptions o = copy(); o.eps = v; return o;
    }

    public AdamOptions weightDecay(double v) {
        ParamGroup.checkWeightDecay(v);
        AdamOptions o = copy(); o.weightDecay = v; return o;
    }

    public AdamOptions amsgrad(boolean v) {
        AdamOptions o = copy(); o.amsgrad = v; return o;
    }

    public AdamOptions maximize(boolean v) {
        AdamOptions o = copy(); o.maximize = v; return o;
    }

    /** AdamW's decay ({@code p·(1 − lr·wd)}) instead of L2 ({@code g + wd·p}). */
    public AdamOptions decoupledWeightDecay(boolean v) {
        AdamOptions o = copy(); o.decoupledWeightDecay = v; return o;
    }

    public AdamOptions epsMode(EpsilonMode v) {
        AdamOptions o = copy(); o.epsMode = Objects.requireNonNull(v, "epsMode"); return o;
    }

    /** An optimizer-specific hyperparameter (finite). */
    public AdamOptions extra(String key, double value) {
        Objects.requireNonNull(key, "key");
        if (ParamGroup.KEYS.contains(key)) {
            throw new IllegalArgumentException("'" + key + "' is a built-in hyperparameter, not an extra");
        }
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("Invalid value for '" + key + "': " + value + " (must be finite)");
        }
        AdamOptions o = copy(); o.extras.put(key, value); return o;
    }

    /** {@code this} where set, else {@code base}. */
    AdamOptions over(AdamOptions base) {
        AdamOptions o = base.copy();
        if (lr != null) o.lr = lr;
        if (beta1 != null) { o.beta1 = beta1; o.beta2 = beta2; }
        if (eps != null) o.eps = eps;
        if (weightDecay != null) o.weightDecay = weightDecay;
        if (amsgrad != null) o.amsgrad = amsgrad;
        if (maximize != null) o.maximize = maximize;
        if (decoupledWeightDecay != null) o.decoupledWeightDecay = decoupledWeightDecay;
        if (epsMode != null) o.epsMode = epsMode;
        o.extras.putAll(extras);
        return o;
    }

    Map<String, Double> extras() {
        return Collections.unmodifiableMap(extras);
    }
}
