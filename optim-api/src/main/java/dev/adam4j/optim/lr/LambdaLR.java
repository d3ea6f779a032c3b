package dev.adam4j.optim.lr;

import dev.adam4j.optim.Optimizer;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongToDoubleFunction;

/**
 * PyTorch's {@code LambdaLR}: {@code lr = initial_lr · λ(last_epoch)}, one λ for every group or one
 * per group. {@link Warmup} builds Hugging Face's warm-up schedules on it.
 */
public final class LambdaLR extends LRScheduler {
    private final List<LongToDoubleFunction> lambdas;

    public LambdaLR(Optimizer optimizer, LongToDoubleFunction lambda) {
        this(optimizer, java.util.Collections.nCopies(optimizer.paramGroups().size(), Objects.requireNonNull(lambda, "lr_lambda")), -1);
    }

    public LambdaLR(Optimizer optimizer, List<LongToDoubleFunction> lambdas, long lastEpoch) {
        super(optimizer, lastEpoch);
        if (lambdas.size() != optimizer.paramGroups().size()) {
            throw new IllegalArgumentException("Expected " + optimizer.paramGroups().size() + " lr_lambdas, but got " + lambdas.size());
        }
        this.lambdas = List.copyOf(lambdas);
        initialStep();
    }

    @Override
    protected double[] computeLr() {
        double[] lrs = new double[baseLrs.size()];
        for (int i = 0; i < lrs.length; i++) lrs[i] = baseLrs.get(i) * lambdas.get(i).applyAsDouble(lastEpoch);
        return lrs;
    }

    @Override protected void saveSettings(Map<String, Object> sd) {
        sd.put("lr_lambdas", java.util.Collections.nCopies(lambdas.size(), null));
    }
    @Override protected void checkSettings(Map<String, Object> sd) {}
    @Override protected void loadSettings(Map<String, Object> sd) {}
}
