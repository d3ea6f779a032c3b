package dev.adam4j.optim;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.testing.NamedConfig;
import dev.adam4j.kernels.Precision;
import dev.adam4j.kernels.WeightDecay;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.provider.Arguments;

/** The kernels' named configurations as optimizer options (shared by the optimizer and checkpoint tests). */
public final class Configs {
    private Configs() {}

    public static AdamOptions options(AdamHyperparameters h) {
        return AdamOptions.of().lr(h.lr()).betas(h.beta1(), h.beta2()).eps(h.eps()).weightDecay(h.weightDecay())
                .amsgrad(h.amsgrad()).maximize(h.maximize())
                .decoupledWeightDecay(h.weightDecayMode() == WeightDecay.DECOUPLED).epsMode(h.epsilonMode());
    }

    /** (config, precision, flat?) for every named configuration. */
    static List<Arguments> everyConfigPrecisionAndLayout() {
        List<Arguments> out = new ArrayList<>();
        for (NamedConfig c : NamedConfig.ALL) {
            for (Precision p : new Precision[] {Precision.F32, Precision.F64}) {
                for (boolean flat : new boolean[] {false, true}) out.add(Arguments.of(c, p, flat));
            }
        }
        return out;
    }
}
