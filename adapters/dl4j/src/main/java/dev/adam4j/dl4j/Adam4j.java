package dev.adam4j.dl4j;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.EpsilonMode;
import dev.adam4j.kernels.WeightDecay;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * PyTorch's {@code torch.optim.Adam}, stepped by adam4j's kernels, as a Deeplearning4j updater:
 * {@code new NeuralNetConfiguration.Builder().updater(new Adam4j(1e-3))}.
 *
 * <h2>Update rule</h2>
 * adam4j's {@link dev.adam4j.kernels.AdamKernels} in the network's precision (FLOAT or DOUBLE):
 * {@code m = lerp(m, g, 1 − β1)}, {@code v = β2·v + (1 − β2)·g²} ({@code vmax = max(vmax, v)} with AMSGrad),
 * {@code p −= lr/(1 − β1^t) · m / (sqrt(v)/sqrt(1 − β2^t) + ε)} (or, with {@link EpsilonMode#EPS_HAT},
 * {@code lr·sqrt(1 − β2^t)/(1 − β1^t) · m / (sqrt(v) + ε)}, the form of DL4J's own {@code Adam}). The
 * parameters end bit for bit where adam4j's own step puts them: see {@link Adam4jUpdater} for how the
 * update DL4J subtracts is made exact.
 *
 * <h2>Step count</h2>
 * {@code t = iteration + 1}, DL4J's iteration count (0-based, saved with the network by
 * {@code ModelSerializer}), as DL4J's own Adam does. It equals PyTorch's per-parameter
 * {@code state['step']} when the updater state was created at iteration 0 (training from scratch, or
 * resuming a network saved with its updater); a network trained further with fresh updater state
 * (transfer learning with a new updater) starts at the network's iteration count instead of 1.
 *
 * <h2>Weight decay</h2>
 * DL4J applies regularization outside the updater, which never sees the parameters; use the layer's
 * regularization: {@code .l2(wd)} is {@code torch.optim.Adam(weight_decay=wd)} ({@code g + wd·p} before
 * the updater) and {@code .weightDecay(wd)} (with its default {@code applyLR = true}) is
 * {@code AdamW(weight_decay=wd)} ({@code p·(1 − lr·wd)} after it). The mathematics are PyTorch's; the
 * rounding is DL4J's (a multiply and an add where adam4j fuses them; the decay added to the update
 * instead of scaling the parameter), so the bit-identity guarantee covers networks without regularization.
 *
 * <h2>State and serialization</h2>
 * {@code stateSize(n)} is {@code 2n} ({@code 3n} with AMSGrad): {@code exp_avg}, {@code exp_avg_sq}
 * (and {@code max_exp_avg_sq}) live in DL4J's own updater state view, so {@code ModelSerializer} saves
 * and restores them. The configuration is JSON-serializable (Jackson, as DL4J's own updaters).
 */
public final class Adam4j implements IUpdater {
    private static final long serialVersionUID = 1L;

    private double learningRate;
    private ISchedule learningRateSchedule;
    private double beta1;
    private double beta2;
    private double epsilon;
    private boolean amsgrad;
    private EpsilonMode epsilonMode;
    private int parallelism;

    /** PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8. */
    public Adam4j() {
        this(1e-3);
    }

    /** PyTorch's defaults with learning rate {@code learningRate}. */
    public Adam4j(double learningRate) {
        this(learningRate, null, 0.9, 0.999, 1e-8, false, EpsilonMode.PYTORCH, 1);
    }

    /** PyTorch's defaults with a learning-rate schedule (DL4J's {@link ISchedule}). */
    public Adam4j(ISchedule learningRateSchedule) {
        this(Double.NaN, Objects.requireNonNull(learningRateSchedule, "learningRateSchedule"), 0.9, 0.999, 1e-8,
                false, EpsilonMode.PYTORCH, 1);
    }

    /**
     * Every hyperparameter; {@code learningRateSchedule} (may be null) overrides {@code learningRate}.
     * {@code parallelism}: the threads of the updater's own pass (see {@link #withParallelism}); 0, what a
     * configuration saved before the option existed reads as, means 1.
     *
     * @throws IllegalArgumentException for a value outside PyTorch's range, naming it, or a negative parallelism
     */
    @JsonCreator
    public Adam4j(@JsonProperty("learningRate") double learningRate,
            @JsonProperty("learningRateSchedule") ISchedule learningRateSchedule,
            @JsonProperty("beta1") double beta1,
            @JsonProperty("beta2") double beta2,
            @JsonProperty("epsilon") double epsilon,
            @JsonProperty("amsgrad") boolean amsgrad,
            @JsonProperty("epsilonMode") EpsilonMode epsilonMode,
            @JsonProperty("parallelism") int parallelism) {
        if (parallelism < 0) throw new IllegalArgumentException("Invalid parallelism: " + parallelism + " (must be >= 1)");
        this.learningRate = learningRate;
        this.learningRateSchedule = learningRateSchedule;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.amsgrad = amsgrad;
        this.epsilonMode = epsilonMode == null ? EpsilonMode.PYTORCH : epsilonMode;
        this.parallelism = Math.max(1, parallelism);
        hyperparameters(learningRateSchedule == null ? learningRate : 0.0); // validates
    }

    /** A copy with {@code amsgrad} set. */
    public Adam4j withAmsgrad(boolean v) {
        return new Adam4j(learningRate, learningRateSchedule, beta1, beta2, epsilon, v, epsilonMode, parallelism);
    }

    /** A copy with where ε enters set. */
    public Adam4j withEpsilonMode(EpsilonMode v) {
        return new Adam4j(learningRate, learningRateSchedule, beta1, beta2, epsilon, amsgrad, Objects.requireNonNull(v, "epsilonMode"),
                parallelism);
    }

    /** A copy with the betas set. */
    public Adam4j withBetas(double b1, double b2) {
        return new Adam4j(learningRate, learningRateSchedule, b1, b2, epsilon, amsgrad, epsilonMode, parallelism);
    }

    /** A copy with ε set. */
    public Adam4j withEpsilon(double v) {
        return new Adam4j(learningRate, learningRateSchedule, beta1, beta2, v, amsgrad, epsilonMode, parallelism);
    }

    /**
     * A copy whose updater splits its pass over the gradient and the moments across {@code threads}
     * threads (adam4j's pool of daemon threads and DL4J's calling thread; chunks of at least 16,384
     * elements on 64-byte lines, as {@code Adam.setParallelism}). Results are bit for bit those of one
     * thread: the step is element-wise. ND4J's own threads ({@code OMP_NUM_THREADS}) still run the rest of
     * DL4J's step. Default 1.
     *
     * @throws IllegalArgumentException for {@code threads < 1}
     */
    public Adam4j withParallelism(int threads) {
        if (threads < 1) throw new IllegalArgumentException("Invalid parallelism: " + threads + " (must be >= 1)");
        return new Adam4j(learningRate, learningRateSchedule, beta1, beta2, epsilon, amsgrad, epsilonMode, threads);
    }

    /** The kernel's hyperparameters at learning rate {@code lr} (validated). */
    AdamHyperparameters hyperparameters(double lr) {
        return new AdamHyperparameters(lr, beta1, beta2, epsilon, 0.0, WeightDecay.NONE, amsgrad, false, epsilonMode);
    }

    public double getBeta1() { return beta1; }
    public double getBeta2() { return beta2; }
    public double getEpsilon() { return epsilon; }
    public boolean isAmsgrad() { return amsgrad; }
    public EpsilonMode getEpsilonMode() { return epsilonMode; }
    public int getParallelism() { return parallelism; }
    public ISchedule getLearningRateSchedule() { return learningRateSchedule; }
    /** The fixed learning rate (NaN when a schedule is set). */
    public double getLearningRate() { return learningRate; }

    /** Buffers per parameter: {@code exp_avg}, {@code exp_avg_sq}, and {@code max_exp_avg_sq} with AMSGrad. */
    int buffers() {
        return amsgrad ? 3 : 2;
    }

    @Override
    public long stateSize(long numParams) {
        return buffers() * numParams;
    }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        return new Adam4jUpdater(this, viewArray, initializeViewArray);
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        Adam4jUpdater u = new Adam4jUpdater(this);
        u.setState(updaterState, initializeStateArrays);
        return u;
    }

    @Override
    public Adam4j clone() {
        return new Adam4j(learningRate, learningRateSchedule == null ? null : learningRateSchedule.clone(),
                beta1, beta2, epsilon, amsgrad, epsilonMode, parallelism);
    }

    @Override
    public double getLearningRate(int iteration, int epoch) {
        return learningRateSchedule != null ? learningRateSchedule.valueAt(iteration, epoch) : learningRate;
    }

    @Override
    public boolean hasLearningRate() {
        return true;
    }

    /** DL4J's {@code setLearningRate} on a network: a new rate and schedule (may be null). */
    @Override
    public void setLrAndSchedule(double lr, ISchedule lrSchedule) {
        if (lrSchedule == null) hyperparameters(lr);
        this.learningRate = lr;
        this.learningRateSchedule = lrSchedule;
    }

    /** Equal configurations share one DL4J updater block, so equality covers every field. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Adam4j a && Double.compare(a.learningRate, learningRate) == 0
                && Objects.equals(a.learningRateSchedule, learningRateSchedule)
                && Double.compare(a.beta1, beta1) == 0 && Double.compare(a.beta2, beta2) == 0
                && Double.compare(a.epsilon, epsilon) == 0 && a.amsgrad == amsgrad && a.epsilonMode == epsilonMode
                && a.parallelism == parallelism;
    }

    @Override
    public int hashCode() {
        return Objects.hash(learningRate, learningRateSchedule, beta1, beta2, epsilon, amsgrad, epsilonMode, parallelism);
    }

    @Override
    public String toString() {
        return "Adam4j(learningRate=" + learningRate + (learningRateSchedule == null ? "" : ", schedule=" + learningRateSchedule)
                + ", betas=(" + beta1 + ", " + beta2 + "), epsilon=" + epsilon + ", amsgrad=" + amsgrad
                + ", epsilonMode=" + epsilonMode + (parallelism == 1 ? "" : ", parallelism=" + parallelism) + ")";
    }
}
