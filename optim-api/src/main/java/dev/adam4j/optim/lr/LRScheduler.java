package dev.adam4j.optim.lr;

import dev.adam4j.optim.HookHandle;
import dev.adam4j.optim.Optimizer;
import dev.adam4j.optim.ParamGroup;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * PyTorch's {@code torch.optim.lr_scheduler.LRScheduler}: sets each group's learning rate once per
 * {@link #step()}, called after {@code optimizer.step()}. It evaluates the formulas PyTorch evaluates
 * in {@code get_lr()} (the recursive, "chainable" updates from the group's current lr, not the closed
 * forms of the documentation), in double and in the same order, so the learning rates equal PyTorch's
 * bit for bit wherever Java's {@code Math.cos}/{@code Math.pow} equal glibc's (the tests compare tables
 * PyTorch produced).
 *
 * <p>Construction writes {@code initial_lr} into every group that lacks it (PyTorch's
 * {@code group.setdefault('initial_lr', group['lr'])}) and takes the first step, as PyTorch does.
 * A scheduler touches only its optimizer's groups ({@code lr}, {@code initial_lr}, and for the
 * momentum-cycling ones {@code betas[0]}, {@code max_momentum}, {@code base_momentum}).
 * {@link #stateDict()} has PyTorch's keys; the lambdas of {@link LambdaLR} and
 * {@link MultiplicativeLR} are code and are not saved, as in PyTorch.
 */
public abstract class LRScheduler {
    protected final Optimizer optimizer;
    protected List<Double> baseLrs;
    protected long lastEpoch;
    int stepCount;
    private int optimizerSteps;
    private boolean warned;
    private List<Double> lastLr;
    private final HookHandle counter;

    /**
     * {@code lastEpoch} −1 starts a schedule; another value resumes one (every group needs
     * {@code initial_lr}). A subclass sets its own fields, then calls {@link #initialStep()} last, as
     * PyTorch's subclasses call {@code super().__init__} after setting theirs.
     */
    protected LRScheduler(Optimizer optimizer, long lastEpoch) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        List<ParamGroup> groups = optimizer.paramGroups();
        if (lastEpoch == -1) {
            for (ParamGroup g : groups) if (!g.hasExtra("initial_lr")) g.putExtra("initial_lr", g.lr());
        } else {
            for (int i = 0; i < groups.size(); i++) {
                if (!groups.get(i).hasExtra("initial_lr")) {
                    throw new IllegalArgumentException("param 'initial_lr' is not specified in param_groups[" + i
                            + "] when resuming an optimizer");
                }
            }
        }
        List<Double> base = new ArrayList<>();
        for (ParamGroup g : groups) base.add(g.extra("initial_lr"));
        this.baseLrs = base;
        this.lastEpoch = lastEpoch;
        this.counter = optimizer.registerStepPostHook(o -> optimizerSteps++);
    }

    /** PyTorch's {@code _initial_step}: counts restart and the schedule takes its first step. */
    protected final void initialStep() {
        optimizerSteps = 0;
        stepCount = 0;
        step();
    }

    /** {@code get_lr()}: the new learning rate of every group, PyTorch's chainable form. */
    protected abstract double[] computeLr();

    /** {@code _get_closed_form_lr()}, where PyTorch has one; else the chainable form. */
    protected double[] closedFormLr() {
        return computeLr();
    }

    /** Advances the schedule by one step and sets the groups' learning rates. */
    public void step() {
        if (stepCount == 1 && optimizerSteps < 1 && !warned) {
            warned = true;
            System.getLogger("dev.adam4j.optim.lr").log(Level.WARNING, "Detected call of `lr_scheduler.step()` before "
                    + "`optimizer.step()`. You should call them in the opposite order: `optimizer.step()` before "
                    + "`lr_scheduler.step()`. Failure to do this will result in skipping the first value of the "
                    + "learning rate schedule.");
        }
        stepCount++;
        lastEpoch++;
        apply(computeLr());
    }

    /** PyTorch's deprecated {@code step(epoch)}: jumps to {@code epoch} with the closed form (SequentialLR uses it). */
    void stepTo(long epoch) {
        stepCount++;
        lastEpoch = epoch;
        apply(closedFormLr());
    }

    /**
     * Sets every group's lr, after checking them all: a schedule that would set a negative or
     * non-finite lr (PyTorch sets it; OneCycleLR's linear anneal extrapolates below zero one step past
     * its end) throws {@link IllegalStateException} and changes no group.
     */
    final void apply(double[] lrs) {
        List<ParamGroup> groups = optimizer.paramGroups();
        for (int i = 0; i < groups.size(); i++) {
            if (!(lrs[i] >= 0) || Double.isInfinite(lrs[i])) {
                throw new IllegalStateException(getClass().getSimpleName() + " at step " + lastEpoch + " would set group " + i
                        + "'s learning rate to " + lrs[i] + ", which the optimizer cannot use");
            }
        }
        for (int i = 0; i < groups.size(); i++) groups.get(i).setLr(lrs[i]);
        recordLastLr();
    }

    final void recordLastLr() {
        List<Double> last = new ArrayList<>();
        for (ParamGroup g : optimizer.paramGroups()) last.add(g.lr());
        lastLr = List.copyOf(last);
    }

    /** The learning rates this scheduler set last, one per group. */
    public List<Double> getLastLr() {
        return lastLr;
    }

    /** Whether the warning about calling {@code step()} before {@code optimizer.step()} was logged. */
    boolean warnedStepOrder() {
        return warned;
    }

    final double[] currentLrs() {
        List<ParamGroup> groups = optimizer.paramGroups();
        double[] lrs = new double[groups.size()];
        for (int i = 0; i < lrs.length; i++) lrs[i] = groups.get(i).lr();
        return lrs;
    }

    /** Stops counting the optimizer's steps (the scheduler is discarded). */
    public void close() {
        counter.remove();
    }

    // ------------------------------------------------------------------ state dict

    /** The scheduler's own settings under PyTorch's attribute names (added to the state dict). */
    protected abstract void saveSettings(Map<String, Object> sd);

    /** Restores what {@link #saveSettings} wrote; called after every key has been checked. */
    protected abstract void loadSettings(Map<String, Object> sd);

    /** Checks the settings' keys and types, changing nothing. */
    protected abstract void checkSettings(Map<String, Object> sd);

    /**
     * PyTorch's {@code scheduler.state_dict()}: {@code base_lrs}, {@code last_epoch}, {@code _step_count},
     * {@code verbose}, {@code _get_lr_called_within_step}, {@code _last_lr} and the scheduler's settings;
     * JSON values (see {@code Checkpoint.SaveOptions.withExtraState}).
     */
    public Map<String, Object> stateDict() {
        Map<String, Object> sd = new LinkedHashMap<>();
        saveSettings(sd);
        sd.put("base_lrs", List.copyOf(baseLrs));
        sd.put("last_epoch", lastEpoch);
        sd.put("verbose", false);
        sd.put("_step_count", (long) stepCount);
        sd.put("_get_lr_called_within_step", false);
        sd.put("_last_lr", lastLr);
        return sd;
    }

    /** Loads a {@link #stateDict()}; every key is checked before anything changes. */
    public void loadStateDict(Map<String, Object> sd) {
        Objects.requireNonNull(sd, "state dict");
        List<Double> base = StateValues.doubles(sd, "base_lrs", optimizer.paramGroups().size());
        long epoch = StateValues.integer(sd, "last_epoch");
        long steps = StateValues.integer(sd, "_step_count");
        List<Double> last = sd.get("_last_lr") == null ? null : StateValues.doubles(sd, "_last_lr", optimizer.paramGroups().size());
        checkSettings(sd);
        loadSettings(sd);
        baseLrs = base;
        lastEpoch = epoch;
        stepCount = (int) steps;
        lastLr = last;
    }
}
