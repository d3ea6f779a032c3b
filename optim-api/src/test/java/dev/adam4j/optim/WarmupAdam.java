package dev.adam4j.optim;

import dev.adam4j.kernels.AdamHyperparameters;
import java.util.List;
import java.util.Set;

/**
 * The extension point in use (labml's AdamWarmup): a variant that only changes the learning rate
 * per step, {@code lr·min(1, step/warmup)}, reusing groups, state, hooks and the state dict.
 */
final class WarmupAdam extends Adam {
    WarmupAdam(AdamOptions defaults, List<ParamGroupSpec> groups) {
        super(AdamOptions.of().lr(1e-3).betas(0.9, 0.999).eps(1e-8).weightDecay(0).amsgrad(false).maximize(false)
                .decoupledWeightDecay(false).epsMode(dev.adam4j.kernels.EpsilonMode.PYTORCH), defaults, groups, false);
    }

    @Override
    protected Set<String> requiredExtras() {
        return Set.of("warmup");
    }

    @Override
    protected AdamHyperparameters hyperparameters(ParamGroup group, long step) {
        double factor = Math.min(1.0, step / group.extra("warmup"));
        return group.hyperparameters().withLr(group.lr() * factor);
    }
}
