package dev.adam4j.djl;

/**
 * Entry point of the DJL adapter, shaped like DJL's {@code Optimizer.adam()}: replace
 * {@code Optimizer.adam()} by {@code Adam4j.adam()} (or {@code Optimizer.adamW()} by
 * {@code Adam4j.adamW()}) and DJL trains with PyTorch's Adam/AdamW, stepped by adam4j. See
 * {@link Adam4jOptimizer}.
 */
public final class Adam4j {
    private Adam4j() {}

    /** A builder of PyTorch's {@code torch.optim.Adam} (lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay). */
    public static Adam4jOptimizer.Builder adam() {
        return new Adam4jOptimizer.Builder(false);
    }

    /** A builder of PyTorch's {@code torch.optim.AdamW} (decoupled weight decay, default 1e-2). */
    public static Adam4jOptimizer.Builder adamW() {
        return new Adam4jOptimizer.Builder(true);
    }
}
