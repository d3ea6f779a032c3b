package dev.adam4j.kernels;

/** How weight decay enters the Adam step. */
public enum WeightDecay {
    /** No weight decay; requires {@code weightDecay == 0}. */
    NONE,
    /**
     * Classic L2 penalty, PyTorch's {@code Adam(weight_decay=wd)}: {@code g = g + wd·p}, folded
     * into the gradient before the moments are updated.
     */
    L2,
    /**
     * Decoupled decay, PyTorch's {@code AdamW} (or {@code Adam(decoupled_weight_decay=True)}):
     * {@code p = p·(1 − lr·wd)} before the Adam update; the moments never see it.
     */
    DECOUPLED
}
