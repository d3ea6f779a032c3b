package dev.adam4j.tribuo;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import com.oracle.labs.mlrg.olcut.provenance.ConfiguredObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.impl.ConfiguredObjectProvenanceImpl;
import dev.adam4j.kernels.EpsilonMode;
import dev.adam4j.optim.Adam;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.Param;
import dev.adam4j.optim.checkpoint.Checkpoint;
import dev.adam4j.optim.checkpoint.CheckpointException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.function.DoubleUnaryOperator;
import org.tribuo.math.Parameters;
import org.tribuo.math.StochasticGradientOptimiser;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.la.DenseVector;
import org.tribuo.math.la.Matrix;
import org.tribuo.math.la.MatrixTuple;
import org.tribuo.math.la.SGDVector;
import org.tribuo.math.la.Tensor;
import org.tribuo.math.la.VectorTuple;

/**
 * PyTorch's {@code torch.optim.Adam} / {@code AdamW}, stepped by adam4j's kernels, as a Tribuo
 * {@link StochasticGradientOptimiser}: {@code new LinearSGDTrainer(objective, new AdamOptimiser(1e-3), ...)}.
 *
 * <h2>Update rule</h2>
 * adam4j's {@link dev.adam4j.kernels.AdamKernels}, element by element in {@code double}: with
 * {@code g} the gradient times the example weight, {@code m = lerp(m, g, 1 − β1)},
 * {@code v = β2·v + (1 − β2)·g²}, and {@code p += lr/(1 − β1^t) · m / (sqrt(v)/sqrt(1 − β2^t) + ε)}
 * ({@link EpsilonMode#EPS_HAT}: {@code lr·sqrt(1 − β2^t)/(1 − β1^t) · m / (sqrt(v) + ε)}), plus L2 or
 * decoupled weight decay and AMSGrad as configured. Tribuo's objectives return the ascent
 * direction (the negative loss gradient) and Tribuo adds updates to the parameters, so the kernel
 * runs with {@code maximize = true}: it descends the loss. The step count {@code t} starts at 1 after
 * {@link #initialise}, as PyTorch's per-parameter {@code state['step']}.
 *
 * <h2>What {@link #step} returns</h2>
 * Tribuo adds the returned tensors to the parameters ({@code Parameters.update}). The result is bit
 * for bit adam4j's step on the parameters:
 * <ul>
 *   <li>Without weight decay and with a dense gradient, the step is {@code p' = p + d} where {@code d}
 *       does not depend on {@code p}. The kernel runs on a scratch parameter of {@code −0.0}, which
 *       yields exactly {@code d} ({@code −0.0 + d == d} for every {@code d}); {@code d} is written into
 *       the gradient tensor and returned, and Tribuo's {@code p + d} is the kernel's own last
 *       operation. The parameters are not touched by the adapter; wrappers that inspect the update
 *       (Tribuo's {@code ParameterAveraging}) see the true update.</li>
 *   <li>With weight decay (which reads {@code p}), or with a sparse gradient (whose update tensor cannot
 *       carry the changes of the elements it does not hold: Adam's momentum moves them too), the adapter
 *       steps the parameters itself and returns the gradient tensor filled with {@code −0.0}, which
 *       Tribuo's addition leaves every value unchanged with ({@code x + −0.0 == x}, signed zeros and
 *       NaN included). {@code ParameterAveraging} then averages nothing: do not combine the two.</li>
 * </ul>
 * The gradient tensors are read in place (no copy) when they are dense; sparse ones are expanded into
 * a scratch buffer, as PyTorch's dense Adam sees an absent entry: as a zero gradient.
 *
 * <h2>Storage</h2>
 * Parameters must be {@link DenseVector}s and {@link DenseMatrix}es (what {@code LinearParameters} and
 * {@code FMParameters} hold). Their {@code double[]} rows are used in place through a private lookup
 * (Tribuo offers no accessor); adam4j's optimizer sees one {@link Param} per row
 * ({@code tensor<i>} for a vector, {@code tensor<i>.row<r>} for a matrix row), and keeps
 * {@code exp_avg}, {@code exp_avg_sq} (and {@code max_exp_avg_sq}) for each in {@code double[]}s.
 *
 * <h2>Lifecycle</h2>
 * Tribuo's trainers call {@link #copy()} (a fresh optimiser with this configuration and no state),
 * {@link #initialise}, {@link #step} once per (mini)batch, {@link #finalise()} (nothing to do) and
 * {@link #reset()} (drops the state). {@link #save}/{@link #load} write and read the state with adam4j's
 * {@link Checkpoint} between steps of a hand-written loop; the model's parameters are saved by
 * Tribuo. Not thread-safe: one training loop at a time, as Tribuo uses it.
 *
 * <h2>Configuration</h2>
 * Every hyperparameter is an OLCUT {@code @Config} field, so the optimiser can be declared in Tribuo's
 * configuration files: {@code lr} (1e-3), {@code beta1} (0.9), {@code beta2} (0.999), {@code eps} (1e-8),
 * {@code weightDecay} (0), {@code decoupledWeightDecay} (false: L2; true: AdamW), {@code amsgrad}
 * (false), {@code epsilonMode} ({@code PYTORCH}). Values are validated with PyTorch's ranges.
 */
public final class AdamOptimiser implements StochasticGradientOptimiser {

    @Config(description = "Learning rate (PyTorch's lr).")
    private double lr = 1e-3;

    @Config(description = "Decay of the first moment (PyTorch's betas[0]).")
    private double beta1 = 0.9;

    @Config(description = "Decay of the second moment (PyTorch's betas[1]).")
    private double beta2 = 0.999;

    @Config(description = "Term added to the denominator (PyTorch's eps).")
    private double eps = 1e-8;

    @Config(description = "Weight decay coefficient (PyTorch's weight_decay).")
    private double weightDecay = 0.0;

    @Config(description = "Decoupled weight decay, p·(1 − lr·wd), as AdamW; false applies L2, g + wd·p.")
    private boolean decoupledWeightDecay = false;

    @Config(description = "AMSGrad: divide by the running maximum of the second moment.")
    private boolean amsgrad = false;

    @Config(description = "Where epsilon enters the denominator: PYTORCH or EPS_HAT.")
    private EpsilonMode epsilonMode = EpsilonMode.PYTORCH;

    private static final DoubleUnaryOperator NEGATIVE_ZERO = x -> -0.0;

    /** Everything between {@link #initialise} and {@link #reset}; null outside. */
    private State state;

    /** PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, no weight decay. For OLCUT too. */
    public AdamOptimiser() {}

    /** PyTorch's defaults with learning rate {@code lr}. */
    public AdamOptimiser(double lr) {
        this(lr, 0.9, 0.999, 1e-8, 0.0, false, false, EpsilonMode.PYTORCH);
    }

    /**
     * Every hyperparameter.
     *
     * @throws IllegalArgumentException for a value outside PyTorch's range, naming it
     */
    public AdamOptimiser(double lr, double beta1, double beta2, double eps, double weightDecay,
            boolean decoupledWeightDecay, boolean amsgrad, EpsilonMode epsilonMode) {
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupledWeightDecay = decoupledWeightDecay;
        this.amsgrad = amsgrad;
        this.epsilonMode = Objects.requireNonNull(epsilonMode, "epsilonMode");
        options();
    }

    /** PyTorch's {@code AdamW(lr=lr, weight_decay=weightDecay)}: decoupled decay, other values default. */
    public static AdamOptimiser adamW(double lr, double weightDecay) {
        return new AdamOptimiser(lr, 0.9, 0.999, 1e-8, weightDecay, true, false, EpsilonMode.PYTORCH);
    }

    /** Validates the configured values (OLCUT calls this after setting the fields). */
    @Override
    public void postConfig() {
        try {
            options();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new PropertyException("", propertyNamed(e.getMessage()), e.getMessage());
        }
    }

    /** The configured hyperparameters as adam4j options (validated), with {@code maximize} set. */
    private AdamOptions options() {
        Objects.requireNonNull(epsilonMode, "epsilonMode");
        return AdamOptions.of().lr(lr).betas(beta1, beta2).eps(eps).weightDecay(weightDecay)
                .decoupledWeightDecay(decoupledWeightDecay).amsgrad(amsgrad).epsMode(epsilonMode)
                .maximize(true);
    }

    /** The field a validation message of {@link AdamOptions} is about. */
    private static String propertyNamed(String message) {
        String m = String.valueOf(message);
        if (m.contains("learning rate")) return "lr";
        if (m.contains("epsilon")) return "eps";
        if (m.contains("beta parameter at index 0")) return "beta1";
        if (m.contains("beta parameter at index 1")) return "beta2";
        if (m.contains("weight_decay")) return "weightDecay";
        if (m.contains("epsMode") || m.contains("epsilonMode")) return "epsilonMode";
        return "";
    }

    // ------------------------------------------------------------------ Tribuo's lifecycle

    /**
     * Creates fresh state (zero moments, step 0) for {@code parameters}' tensors, which are stepped in
     * place from now on.
     *
     * @throws IllegalArgumentException if a tensor is not a {@link DenseVector} or {@link DenseMatrix}
     */
    @Override
    public void initialise(Parameters parameters) {
        Objects.requireNonNull(parameters, "parameters");
        Tensor[] tensors = parameters.get();
        boolean inPlace = weightDecay != 0.0;
        Slot[] slots = new Slot[tensors.length];
        List<Param> params = new ArrayList<>();
        for (int i = 0; i < tensors.length; i++) {
            Tensor t = tensors[i];
            if (t == null || !DenseStorage.isDense(t)) {
                throw new IllegalArgumentException("parameter tensor " + i + " is a "
                        + (t == null ? "null" : t.getClass().getName())
                        + "; adam4j-tribuo steps DenseVector and DenseMatrix parameters");
            }
            slots[i] = new Slot(t, DenseStorage.rows(t), inPlace, i, params);
        }
        AdamOptions options = options();
        state = new State(parameters, slots, params.isEmpty() ? null : new Adam(params, options));
    }

    /**
     * One Adam step on the gradients {@code updates} (Tribuo's ascent direction), scaled by the
     * example weight {@code weight}; returns the tensors for Tribuo to add (see the class documentation).
     * The returned array and tensors are {@code updates}, overwritten.
     *
     * @throws IllegalStateException before {@link #initialise}
     * @throws IllegalArgumentException for a gradient of the wrong count, kind or shape, or a weight
     *     that is not finite; nothing is changed then
     */
    @Override
    public Tensor[] step(Tensor[] updates, double weight) {
        State s = requireState();
        Objects.requireNonNull(updates, "updates");
        if (updates.length != s.slots.length) {
            throw new IllegalArgumentException("expected " + s.slots.length + " gradient tensors, got " + updates.length);
        }
        if (!Double.isFinite(weight)) {
            throw new IllegalArgumentException("Invalid weight: " + weight + " (must be finite)");
        }
        Tensor[] current = s.parameters.get();
        for (int i = 0; i < updates.length; i++) {
            if (current.length != s.slots.length || current[i] != s.slots[i].tensor) {
                throw new IllegalStateException("the parameter tensors were replaced since initialise(Parameters)");
            }
            s.slots[i].check(updates[i]);
        }
        if (s.adam == null) return updates; // no parameters
        for (int i = 0; i < updates.length; i++) s.slots[i].attach(updates[i]);
        s.adam.step(weight);
        for (int i = 0; i < updates.length; i++) s.slots[i].handBack(updates[i]);
        return updates;
    }

    /** Drops the state; {@link #initialise} must be called before the next step. */
    @Override
    public void reset() {
        state = null;
    }

    /** A new optimiser with this configuration and no state. */
    @Override
    public AdamOptimiser copy() {
        return new AdamOptimiser(lr, beta1, beta2, eps, weightDecay, decoupledWeightDecay, amsgrad, epsilonMode);
    }

    @Override
    public ConfiguredObjectProvenance getProvenance() {
        return new ConfiguredObjectProvenanceImpl(this, "StochasticGradientOptimiser");
    }

    // ------------------------------------------------------------------ adam4j's side

    /**
     * adam4j's optimizer over the current parameters: its {@code state(p)} holds the moments and the
     * step count, {@code paramGroups().get(0).setLr(...)} changes the learning rate between steps.
     *
     * @throws IllegalStateException before {@link #initialise}, or when the parameters are empty
     */
    public Adam optimizer() {
        State s = requireState();
        if (s.adam == null) throw new IllegalStateException("the parameters hold no tensor");
        return s.adam;
    }

    /**
     * Writes the optimizer state (moments, step counts, hyperparameters) to {@code file} with adam4j's
     * {@link Checkpoint#save(Adam, Path)}, atomically. Save the parameters with Tribuo.
     */
    public void save(Path file) throws CheckpointException {
        Checkpoint.save(optimizer(), file);
    }

    /**
     * Reads a state written by {@link #save} for parameters of the same shapes, after
     * {@link #initialise}; validates everything before changing anything.
     */
    public void load(Path file) throws CheckpointException {
        Checkpoint.load(optimizer(), file);
    }

    private State requireState() {
        if (state == null) {
            throw new IllegalStateException("AdamOptimiser.step before initialise(Parameters) (or after reset())");
        }
        return state;
    }

    @Override
    public String toString() {
        return "AdamOptimiser(lr=" + lr + ",betas=(" + beta1 + "," + beta2 + "),eps=" + eps
                + ",weightDecay=" + weightDecay + ",decoupledWeightDecay=" + decoupledWeightDecay
                + ",amsgrad=" + amsgrad + ",epsilonMode=" + epsilonMode + ")";
    }

    // ------------------------------------------------------------------ per-tensor plumbing

    private record State(Parameters parameters, Slot[] slots, Adam adam) {}

    /**
     * One parameter tensor: its live rows, adam4j's {@link Param} per row, and the scratch buffers.
     * In place (weight decay), the params are the live rows; otherwise they are rows of {@code work},
     * which holds {@code −0.0} between steps and the update {@code d} right after one.
     */
    private static final class Slot {
        final Tensor tensor;
        final boolean vector;
        final int cols;
        final double[][] live;
        final double[][] work; // null in place
        final Param[] params;
        final boolean inPlace;
        double[][] expanded; // sparse gradients, expanded; allocated on first use
        boolean denseGrad; // the kind of the gradient attached by the last attach()

        Slot(Tensor tensor, double[][] live, boolean inPlace, int index, List<Param> all) {
            this.tensor = tensor;
            this.vector = tensor instanceof SGDVector;
            int[] shape = tensor.getShape();
            this.cols = shape[shape.length - 1];
            this.live = live;
            this.inPlace = inPlace;
            this.work = inPlace ? null : new double[live.length][cols];
            this.params = new Param[live.length];
            for (int r = 0; r < live.length; r++) {
                double[] data;
                if (inPlace) {
                    data = live[r];
                } else {
                    data = work[r];
                    Arrays.fill(data, -0.0);
                }
                String name = vector ? "tensor" + index : "tensor" + index + ".row" + r;
                params[r] = Param.of(name, new DataBuffer.F64Array(data, 0, cols), cols);
                all.add(params[r]);
            }
        }

        /** Validates a gradient for this tensor; changes nothing. */
        void check(Tensor g) {
            if (g == null) throw new IllegalArgumentException("null gradient for " + describe());
            if (vector ? !(g instanceof SGDVector) : !(g instanceof Matrix)) {
                throw new IllegalArgumentException("gradient for " + describe() + " is a " + g.getClass().getName()
                        + "; expected " + (vector ? "an SGDVector" : "a Matrix"));
            }
            if (!Arrays.equals(g.getShape(), tensor.getShape())) {
                throw new IllegalArgumentException("gradient for " + describe() + " has shape "
                        + Arrays.toString(g.getShape()) + ", the parameter " + Arrays.toString(tensor.getShape()));
            }
            if (g == tensor) throw new IllegalArgumentException("gradient for " + describe() + " is the parameter itself");
        }

        /** Points every row's gradient at {@code g}'s rows (dense) or at their expansion (sparse). */
        void attach(Tensor g) {
            denseGrad = DenseStorage.isDense(g);
            double[][] rows = denseGrad ? DenseStorage.rows(g) : expand(g);
            for (int r = 0; r < params.length; r++) {
                params[r].setGrad(new DataBuffer.F64Array(rows[r], 0, cols));
            }
        }

        private double[][] expand(Tensor g) {
            if (expanded == null) expanded = new double[live.length][cols];
            for (double[] row : expanded) Arrays.fill(row, 0.0);
            if (g instanceof SGDVector v) {
                for (VectorTuple t : v) expanded[0][t.index] = t.value;
            } else {
                for (MatrixTuple t : (Matrix) g) expanded[t.i][t.j] = t.value;
            }
            return expanded;
        }

        /** After the step: leaves in {@code g} what Tribuo's {@code p + g} turns into the stepped {@code p}. */
        void handBack(Tensor g) {
            for (Param p : params) p.setGrad(null); // no reference to Tribuo's tensor outlives the step
            if (inPlace) {
                clear(g);
                return;
            }
            if (denseGrad) {
                double[][] rows = DenseStorage.rows(g);
                for (int r = 0; r < work.length; r++) {
                    System.arraycopy(work[r], 0, rows[r], 0, cols);
                    Arrays.fill(work[r], -0.0);
                }
            } else {
                for (int r = 0; r < work.length; r++) {
                    double[] p = live[r], d = work[r];
                    for (int j = 0; j < cols; j++) p[j] = p[j] + d[j]; // the kernel's last operation
                    Arrays.fill(d, -0.0);
                }
                clear(g);
            }
        }

        private void clear(Tensor g) {
            if (denseGrad) {
                for (double[] row : DenseStorage.rows(g)) Arrays.fill(row, -0.0);
            } else {
                g.foreachInPlace(NEGATIVE_ZERO);
            }
        }

        private String describe() {
            return "parameter tensor " + Arrays.toString(tensor.getShape());
        }
    }
}
