package dev.adam4j.tribuo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.EpsilonMode;
import dev.adam4j.optim.AdamOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tribuo.MutableDataset;
import org.tribuo.Trainer;
import org.tribuo.classification.Label;
import org.tribuo.classification.sgd.fm.FMClassificationTrainer;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;

/**
 * Real Tribuo trainers ({@code LinearSGDTrainer}, {@code FMClassificationTrainer}) step with the
 * adapter while {@link Reference} steps adam4j's own {@code Adam} on copies of the same gradients;
 * parameters must agree bit for bit before every step and after the last, for a table of
 * hyperparameters (both of the adapter's modes: returned update and in-place) and data (dense and
 * sparse gradients, minibatches, example weights).
 */
class TrainerBitIdentityTest {

    record Config(String name, AdamOptimiser adapter, AdamOptions options) {
        @Override public String toString() { return name; }
    }

    static List<Config> configs() {
        return List.of(
                new Config("defaults lr 0.05", new AdamOptimiser(0.05), AdamOptions.of().lr(0.05)),
                new Config("amsgrad", new AdamOptimiser(0.02, 0.9, 0.999, 1e-8, 0, false, true, EpsilonMode.PYTORCH),
                        AdamOptions.of().lr(0.02).amsgrad(true)),
                new Config("L2 0.01 (in place)", new AdamOptimiser(0.03, 0.9, 0.999, 1e-8, 0.01, false, false, EpsilonMode.PYTORCH),
                        AdamOptions.of().lr(0.03).weightDecay(0.01)),
                new Config("AdamW 0.1 (in place)", AdamOptimiser.adamW(0.03, 0.1),
                        AdamOptions.of().lr(0.03).weightDecay(0.1).decoupledWeightDecay(true)),
                new Config("eps-hat, betas (0.8, 0.99), amsgrad, AdamW",
                        new AdamOptimiser(0.01, 0.8, 0.99, 1e-6, 0.05, true, true, EpsilonMode.EPS_HAT),
                        AdamOptions.of().lr(0.01).betas(0.8, 0.99).eps(1e-6).weightDecay(0.05)
                                .decoupledWeightDecay(true).amsgrad(true).epsMode(EpsilonMode.EPS_HAT)));
    }

    record Run(String name, boolean sparse, boolean weighted, int minibatch, boolean fm) {
        @Override public String toString() { return name; }
    }

    static List<Run> runs() {
        return List.of(
                new Run("linear, dense, minibatch 1", false, false, 1, false),
                new Run("linear, sparse, weighted, minibatch 4", true, true, 4, false),
                new Run("linear, sparse, minibatch 1", true, false, 1, false),
                new Run("FM, dense, weighted, minibatch 2", false, true, 2, true),
                new Run("FM, sparse, minibatch 1", true, false, 1, true));
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Config c : configs()) for (Run r : runs()) out.add(Arguments.of(c, r));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("cases")
    void trainerStepsEqualAdam4jStepsBitForBit(Config c, Run r) {
        MutableDataset<Label> data = Blobs.make(120, 3, 6, r.sparse(), r.weighted(), 7);
        Reference reference = new Reference(c.adapter(), c.options());
        Trainer<Label> trainer = r.fm()
                ? new FMClassificationTrainer(new LogMulticlass(), reference, 2, -1, r.minibatch(), 11, 3, 0.1)
                : new LinearSGDTrainer(new LogMulticlass(), reference, 2, -1, r.minibatch(), 11);
        trainer.train(data);
        int expectedSteps = 2 * ((120 + r.minibatch() - 1) / r.minibatch());
        assertTrue(reference.stats.steps == expectedSteps, "steps: " + reference.stats.steps + ", expected " + expectedSteps);
        assertTrue(reference.stats.compared > 0);
    }
}
