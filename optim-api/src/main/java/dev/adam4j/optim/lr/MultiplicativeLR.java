package dev.adam4j.optim.lr;

import dev.adam4j.optim.Optimizer;
import java.util.List;
import java.util.function.LongToDoubleFunction;

/** PyTorch's {@code MultiplicativeLR}: from the second step, {@code lr = lr · λ(last_epoch)}. */
public final class MultiplicativeLR extends LambdaSchedule {
    public MultiplicativeLR(Optimizer optimizer, LongToDoubleFunction lambda) {
        this(optimizer, forEveryGroup(optimizer, lambda), -1);
    }

    public MultiplicativeLR(Optimizer optimizer, List<LongToDoubleFunction> lambdas, long lastEpoch) {
        super(optimizer, lambdas, lastEpoch);
    }

    @Override
    protected double[] computeLr() {
        double[] lrs = currentLrs();
        if (lastEpoch > 0) for (int i = 0; i < lrs.length; i++) lrs[i] = lrs[i] * lambdas.get(i).applyAsDouble(lastEpoch);
        return lrs;
    }
}
