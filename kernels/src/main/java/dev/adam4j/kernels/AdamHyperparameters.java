package dev.adam4j.kernels;

import java.util.Objects;

/**
 * The step-independent hyperparameters of one Adam step, validated on construction with
 * PyTorch's ranges. Immutable; the {@code with…} methods return modified copies.
 *
 * @param lr learning rate, finite and {@code >= 0} (PyTorch default {@code 1e-3})
 * @param beta1 first-moment decay, {@code 0 <= beta1 < 1} (default {@code 0.9})
 * @param beta2 second-moment decay, {@code 0 <= beta2 < 1} (default {@code 0.999})
 * @param eps denominator term, finite and {@code >= 0} (default {@code 1e-8})
 * @param weightDecay decay coefficient, {@code >= 0}; must be 0 with {@link WeightDecay#NONE}
 * @param weightDecayMode how decay is applied; with {@code weightDecay == 0} every mode is a
 *     no-op, exactly as PyTorch skips decay when {@code weight_decay == 0}
 * @param amsgrad keep the running maximum of the second moment and divide by it
 * @param maximize ascend instead of descend (the gradient is negated first)
 * @param epsilonMode where epsilon enters the denominator
 */
public record AdamHyperparameters(
        double lr,
        double beta1,
        double beta2,
        double eps,
        double weightDecay,
        WeightDecay weightDecayMode,
        boolean amsgrad,
        boolean maximize,
        EpsilonMode epsilonMode) {

    private static final AdamHyperparameters DEFAULTS =
            new AdamHyperparameters(1e-3, 0.9, 0.999, 1e-8, 0.0, WeightDecay.NONE, false, false,
                    EpsilonMode.PYTORCH);

    /**
     * Validates every value; the message names the parameter and the value. The comparisons are
     * written as PyTorch's {@code if not 0.0 <= lr} so that NaN is rejected too.
     *
     * @throws IllegalArgumentException if a value is outside PyTorch's range
     * @throws NullPointerException if a mode is null
     */
    public AdamHyperparameters {
        checkLr(lr);
        checkEps(eps);
        checkBetas(beta1, beta2);
        checkWeightDecay(weightDecay);
        Objects.requireNonNull(weightDecayMode, "weightDecayMode");
        Objects.requireNonNull(epsilonMode, "epsilonMode");
        if (weightDecayMode == WeightDecay.NONE && weightDecay != 0.0) {
            throw new IllegalArgumentException("weightDecay " + weightDecay
                    + " given with WeightDecay.NONE: choose WeightDecay.L2 or WeightDecay.DECOUPLED");
        }
    }

    // The one home of the hyperparameter ranges: the optimizer facade validates through these too.
    // A departure from PyTorch, whose checks let lr = inf and eps = inf through (to produce NaN
    // parameters, or a step that never moves): both are refused here, so a value that can never be
    // saved in a checkpoint (JSON has no infinity) can never be set.

    /** PyTorch's {@code 0.0 <= lr}, and finite. */
    public static void checkLr(double lr) {
        if (!(0.0 <= lr) || lr == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("Invalid learning rate: " + lr + " (must be finite and >= 0)");
        }
    }

    /** PyTorch's {@code 0.0 <= eps}, and finite. */
    public static void checkEps(double eps) {
        if (!(0.0 <= eps) || eps == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException("Invalid epsilon value: " + eps + " (must be finite and >= 0)");
        }
    }

    /** PyTorch's {@code 0.0 <= beta < 1.0} for both betas. */
    public static void checkBetas(double beta1, double beta2) {
        if (!(0.0 <= beta1 && beta1 < 1.0)) {
            throw new IllegalArgumentException(
                    "Invalid beta parameter at index 0: " + beta1 + " (must be in [0, 1))");
        }
        if (!(0.0 <= beta2 && beta2 < 1.0)) {
            throw new IllegalArgumentException(
                    "Invalid beta parameter at index 1: " + beta2 + " (must be in [0, 1))");
        }
    }

    /** PyTorch's {@code 0.0 <= weight_decay}, and finite. */
    public static void checkWeightDecay(double weightDecay) {
        if (!(0.0 <= weightDecay) || weightDecay == Double.POSITIVE_INFINITY) {
            throw new IllegalArgumentException(
                    "Invalid weight_decay value: " + weightDecay + " (must be finite and >= 0)");
        }
    }

    /** PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no decay, no flags. */
    public static AdamHyperparameters defaults() {
        return DEFAULTS;
    }

    /** The decay actually applied: {@link WeightDecay#NONE} whenever {@code weightDecay == 0}. */
    public WeightDecay effectiveWeightDecay() {
        return weightDecay == 0.0 ? WeightDecay.NONE : weightDecayMode;
    }

    public AdamHyperparameters withLr(double v) {
        return new AdamHyperparameters(v, beta1, beta2, eps, weightDecay, weightDecayMode, amsgrad, maximize, epsilonMode);
    }

    public AdamHyperparameters withBetas(double b1, double b2) {
        return new AdamHyperparameters(lr, b1, b2, eps, weightDecay, weightDecayMode, amsgrad, maximize, epsilonMode);
    }

    public AdamHyperparameters withEps(double v) {
        return new AdamHyperparameters(lr, beta1, beta2, v, weightDecay, weightDecayMode, amsgrad, maximize, epsilonMode);
    }

    /** Weight decay {@code wd} applied as {@code mode}. */
    public AdamHyperparameters withWeightDecay(double wd, WeightDecay mode) {
        return new AdamHyperparameters(lr, beta1, beta2, eps, wd, mode, amsgrad, maximize, epsilonMode);
    }

    public AdamHyperparameters withAmsgrad(boolean v) {
        return new AdamHyperparameters(lr, beta1, beta2, eps, weightDecay, weightDecayMode, v, maximize, epsilonMode);
    }

    public AdamHyperparameters withMaximize(boolean v) {
        return new AdamHyperparameters(lr, beta1, beta2, eps, weightDecay, weightDecayMode, amsgrad, v, epsilonMode);
    }

    public AdamHyperparameters withEpsilonMode(EpsilonMode v) {
        return new AdamHyperparameters(lr, beta1, beta2, eps, weightDecay, weightDecayMode, amsgrad, maximize, v);
    }
}
