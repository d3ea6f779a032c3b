package dev.adam4j.optim;

import java.util.List;
import java.util.function.Consumer;

/**
 * The base of adam4j's optimizers, PyTorch's {@code torch.optim.Optimizer}: parameter groups, the
 * step, {@code zeroGrad}, hooks and the state dict. Learning-rate schedulers, gradient clipping and
 * loss scaling work on any optimizer through this type, touching only its groups' hyperparameters.
 */
public abstract class Optimizer {
    Optimizer() {}

    /** The groups, in order (live: change hyperparameters through them). */
    public abstract List<ParamGroup> paramGroups();

    /** One step on the current gradients. */
    public abstract void step();

    /** One step with every gradient multiplied by {@code gradScale} first, inside the same pass. */
    public abstract void step(double gradScale);

    /** PyTorch's default {@code zero_grad(set_to_none=True)}. */
    public abstract void zeroGrad();

    /** A snapshot of the state with PyTorch's schema. */
    public abstract StateDict stateDict();

    /** Loads {@code sd}, validating everything first. */
    public abstract void loadStateDict(StateDict sd);

    /** Runs after every step of this optimizer; {@link HookHandle#remove()} removes it. */
    public abstract HookHandle registerStepPostHook(Consumer<? super Optimizer> hook);
}
