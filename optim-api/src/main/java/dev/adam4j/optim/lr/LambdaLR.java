package dev.adam4j.optim.lr;

import dev.adam4j.optim.Optimizer;
import java.util.List;
import java.util.function.LongToDoubleFunction;

/**
 * PyTorch's {@code LambdaLR}: {@code lr = initial_lr · λ(last_epoch)}, one λ for every group or one
 * per group. {@link Warmup} builds Hugging Face's warm-up schedules on it.
 */
public final class LambdaLR extends LambdaSchedule {
    public LambdaLR(Optimizer optimizer, LongToDoubleFunction lambda) {
        this(optimizer, forEveryGroup(optimizer, lambda), -1);
    }

    public LambdaLR(Optimizer optimizer, List<LongToDoubleFunction> lambdas, long lastEpoch) {
        super(optimizer, lambdas, lastEpoch);
    }

    @Override
    protected double[] computeLr() {
        double[] lrs = new double[baseLrs.size()];
        for (int i = 0; i < lrs.length; i++) lrs[i] = baseLrs.get(i) * lambdas.get(i).applyAsDouble(lastEpoch);
        return lrs;
    }
}
