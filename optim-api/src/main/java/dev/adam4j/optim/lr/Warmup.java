package dev.adam4j.optim.lr;

import dev.adam4j.optim.Optimizer;

/**
 * Hugging Face's warm-up schedules ({@code transformers.get_linear_schedule_with_warmup},
 * {@code get_cosine_schedule_with_warmup}) as {@link LambdaLR}s, with their exact arithmetic.
 */
public final class Warmup {
    private Warmup() {}

    /** Linear warm-up from 0 over {@code warmupSteps}, then linear decay to 0 at {@code trainingSteps}. */
    public static LambdaLR linear(Optimizer optimizer, long warmupSteps, long trainingSteps) {
        check(warmupSteps, trainingSteps);
        return new LambdaLR(optimizer, step -> {
            if (step < warmupSteps) return (double) step / (double) Math.max(1, warmupSteps);
            return Math.max(0.0, (double) (trainingSteps - step) / (double) Math.max(1, trainingSteps - warmupSteps));
        });
    }

    /** Linear warm-up, then a cosine from the peak to 0 over {@code cycles} half-waves (0.5: one half-wave). */
    public static LambdaLR cosine(Optimizer optimizer, long warmupSteps, long trainingSteps, double cycles) {
        check(warmupSteps, trainingSteps);
        return new LambdaLR(optimizer, step -> {
            if (step < warmupSteps) return (double) step / (double) Math.max(1, warmupSteps);
            double progress = (double) (step - warmupSteps) / (double) Math.max(1, trainingSteps - warmupSteps);
            return Math.max(0.0, 0.5 * (1.0 + LibM.cos(Math.PI * cycles * 2.0 * progress)));
        });
    }

    /** {@link #cosine} with 0.5 cycles, Hugging Face's default. */
    public static LambdaLR cosine(Optimizer optimizer, long warmupSteps, long trainingSteps) {
        return cosine(optimizer, warmupSteps, trainingSteps, 0.5);
    }

    private static void check(long warmupSteps, long trainingSteps) {
        if (warmupSteps < 0) throw new IllegalArgumentException("num_warmup_steps must be >= 0, got " + warmupSteps);
        if (trainingSteps < warmupSteps) {
            throw new IllegalArgumentException("num_training_steps " + trainingSteps + " is below num_warmup_steps " + warmupSteps);
        }
    }
}
