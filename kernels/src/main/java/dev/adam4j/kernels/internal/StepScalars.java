package dev.adam4j.kernels.internal;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.EpsilonMode;

/**
 * The step-dependent scalars, computed once per call in double as PyTorch's Python code does
 * ({@code bias_correction1 = 1 - beta1 ** step}, {@code step_size = lr / bias_correction1},
 * {@code bias_correction2_sqrt = sqrt(1 - beta2 ** step)}), then cast to the parameter's precision
 * by the kernels.
 *
 * <p>{@code β^t} uses {@link Math#pow}: measured against glibc's {@code pow} (which Python's
 * {@code **} calls) over a million (β, t) pairs, HotSpot's {@code Math.pow} differs in 366 cases and
 * {@code StrictMath.pow} in 32,751 (parity module, {@code PyTorchParityTest}). HotSpot runs the same
 * {@code pow} code in the interpreter and in compiled code, so results are stable within a JVM. Python
 * takes {@code (1 − β2^t) ** 0.5}; no Java function reproduces glibc's {@code pow(x, 0.5)} (it is not
 * correctly rounded), so this takes the correctly rounded {@link Math#sqrt}: they differ in about 0.5%
 * of steps, which shows in f64 results only (see docs/pytorch-parity.md).
 */
public final class StepScalars {
    private StepScalars() {}

    /**
     * {@code −lr/(1−β1^t)} for {@link EpsilonMode#PYTORCH};
     * {@code −lr·sqrt(1−β2^t)/(1−β1^t)} for {@link EpsilonMode#EPS_HAT}.
     */
    public static double negStepSize(AdamHyperparameters h, long t) {
        double bc1 = 1.0 - Math.pow(h.beta1(), (double) t);
        double stepSize = h.epsilonMode() == EpsilonMode.EPS_HAT
                ? h.lr() * bc2Sqrt(h, t) / bc1
                : h.lr() / bc1;
        return -stepSize;
    }

    /** {@code sqrt(1 − β2^t)}. */
    public static double bc2Sqrt(AdamHyperparameters h, long t) {
        return Math.sqrt(1.0 - Math.pow(h.beta2(), (double) t));
    }
}
