package dev.adam4j.optim.lr;

import dev.adam4j.optim.Optimizer;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.LongToDoubleFunction;

/**
 * What {@link LambdaLR} and {@link MultiplicativeLR} share: one function of the epoch per group (or
 * one for all). The functions are code and are not saved, as in PyTorch ({@code lr_lambdas} holds a
 * null per group).
 */
abstract class LambdaSchedule extends LRScheduler {
    final List<LongToDoubleFunction> lambdas;

    LambdaSchedule(Optimizer optimizer, List<LongToDoubleFunction> lambdas, long lastEpoch) {
        super(optimizer, lastEpoch);
        if (lambdas.size() != optimizer.paramGroups().size()) {
            throw new IllegalArgumentException("Expected " + optimizer.paramGroups().size() + " lr_lambdas, but got " + lambdas.size());
        }
        this.lambdas = List.copyOf(lambdas);
        initialStep();
    }

    /** The same function for every group of {@code optimizer}. */
    static List<LongToDoubleFunction> forEveryGroup(Optimizer optimizer, LongToDoubleFunction lambda) {
        return Collections.nCopies(optimizer.paramGroups().size(), java.util.Objects.requireNonNull(lambda, "lr_lambda"));
    }

    @Override protected void saveSettings(Map<String, Object> sd) {
        sd.put("lr_lambdas", Collections.nCopies(lambdas.size(), null));
    }
    @Override protected void checkSettings(Map<String, Object> sd) {}
    @Override protected void loadSettings(Map<String, Object> sd) {}
}
