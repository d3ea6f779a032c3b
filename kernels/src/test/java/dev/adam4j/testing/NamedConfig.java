package dev.adam4j.testing;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.EpsilonMode;
import dev.adam4j.kernels.WeightDecay;

import java.util.List;

/**
 * The table of named configurations every fast path is tested on (shared with the optimizer's
 * tests through the kernels test jar).
 */
public record NamedConfig(String name, AdamHyperparameters h, double gradScale) {

    private static final AdamHyperparameters D = AdamHyperparameters.defaults();

    public static final List<NamedConfig> ALL = List.of(
            new NamedConfig("default", D, 1.0),
            new NamedConfig("lr 0.01", D.withLr(0.01), 1.0),
            new NamedConfig("wd 0.1 (L2)", D.withWeightDecay(0.1, WeightDecay.L2), 1.0),
            new NamedConfig("maximize + wd", D.withWeightDecay(0.1, WeightDecay.L2).withMaximize(true), 1.0),
            new NamedConfig("amsgrad + wd", D.withWeightDecay(0.1, WeightDecay.L2).withAmsgrad(true), 1.0),
            new NamedConfig("decoupled wd 0.01", D.withWeightDecay(0.01, WeightDecay.DECOUPLED), 1.0),
            new NamedConfig("decoupled + amsgrad", D.withWeightDecay(0.01, WeightDecay.DECOUPLED).withAmsgrad(true), 1.0),
            new NamedConfig("eps-hat", D.withEpsilonMode(EpsilonMode.EPS_HAT), 1.0),
            new NamedConfig("beta1 = 0", D.withBetas(0.0, 0.999), 1.0),
            new NamedConfig("beta2 = 0.99999", D.withBetas(0.9, 0.99999), 1.0),
            new NamedConfig("eps = 0", D.withEps(0.0), 1.0),
            new NamedConfig("lr = 0", D.withLr(0.0), 1.0),
            new NamedConfig("gradScale 0.5", D, 0.5),
            new NamedConfig("everything (decoupled, amsgrad, maximize, eps-hat, beta1 0.6, gradScale -3)",
                    D.withWeightDecay(0.05, WeightDecay.DECOUPLED).withAmsgrad(true).withMaximize(true)
                            .withEpsilonMode(EpsilonMode.EPS_HAT).withBetas(0.6, 0.95), -3.0));

    @Override
    public String toString() {
        return name;
    }
}
