package dev.adam4j.kernels;

/** Where epsilon enters the denominator. */
public enum EpsilonMode {
    /**
     * PyTorch's form (the default): {@code p -= lr/(1−β1^t) · m / (sqrt(v)/sqrt(1−β2^t) + ε)}.
     */
    PYTORCH,
    /**
     * The "epsilon hat" form of Kingma and Ba's section 2 (labml's {@code optimized_update},
     * Dragon's Adam): {@code p -= lr·sqrt(1−β2^t)/(1−β1^t) · m / (sqrt(v) + ε)}. Same as
     * {@link #PYTORCH} up to where ε sits: it is not scaled by the bias correction.
     */
    EPS_HAT
}
