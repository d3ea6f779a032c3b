package dev.adam4j.optim;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.EpsilonMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.Function;

/**
 * PyTorch's {@code torch.optim.Adam}, in place on Java buffers, one fused kernel pass per run of
 * parameters (see {@link dev.adam4j.kernels.AdamKernels} for the update rule and the bit-exact
 * order of operations).
 *
 * <pre>{@code
 * Adam opt = new Adam(params, AdamOptions.of().lr(1e-3));
 * for (...) {
 *     opt.zeroGrad();
 *     computeGradients(params);     // writes p.defineGrad() for each parameter
 *     opt.step();
 * }
 * }</pre>
 *
 * <p>Defaults are PyTorch's: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0, amsgrad,
 * maximize and decoupled weight decay off, plus {@code epsMode} {@link EpsilonMode#PYTORCH}.
 * Parameters without a gradient are skipped (no state is created, their step count does not move).
 * State is created lazily; every parameter keeps its own step count.
 *
 * <h2>Extending</h2>
 * A variant that changes the hyperparameters per step (a warm-up, a per-step learning rate)
 * overrides {@link #hyperparameters(ParamGroup, long)} and reuses groups, state, hooks and the state
 * dict as they are; its own hyperparameters go into {@link AdamOptions#extra} and may be declared
 * required with {@link #requiredExtras()}. {@link AdamW} is such a preset.
 *
 * <p>Not thread-safe: one thread steps an optimizer at a time.
 */
public class Adam extends Optimizer {
    private static final List<Consumer<? super Optimizer>> GLOBAL_STEP_PRE = new CopyOnWriteArrayList<>();
    private static final List<Consumer<? super Optimizer>> GLOBAL_STEP_POST = new CopyOnWriteArrayList<>();

    private final AdamOptions defaults;
    private final boolean decoupledLocked;
    private final List<ParamGroup> groups = new ArrayList<>();
    private final Map<Param, AdamState> state = new IdentityHashMap<>();
    private final Map<FlatParameters, FlatBuffers> flatState = new IdentityHashMap<>();
    private final Map<Param, DataBuffer> accumulators = new IdentityHashMap<>();
    private final Map<FlatParameters, DataBuffer> flatAccumulators = new IdentityHashMap<>();
    private final Set<Param> accumulatedThisRound = Collections.newSetFromMap(new IdentityHashMap<>());
    private int microBatches;
    private ParallelSteps parallel = new ParallelSteps(Runnable::run, 1, ParallelSteps.DEFAULT_GRAIN);

    private final List<Consumer<? super Optimizer>> stepPre = new CopyOnWriteArrayList<>();
    private final List<Consumer<? super Optimizer>> stepPost = new CopyOnWriteArrayList<>();
    private final List<Consumer<? super Optimizer>> stateDictPre = new CopyOnWriteArrayList<>();
    private final List<BiFunction<? super Optimizer, StateDict, StateDict>> stateDictPost = new CopyOnWriteArrayList<>();
    private final List<BiFunction<? super Optimizer, StateDict, StateDict>> loadStateDictPre = new CopyOnWriteArrayList<>();
    private final List<Consumer<? super Optimizer>> loadStateDictPost = new CopyOnWriteArrayList<>();

    /** Contiguous state of a flat allocation; members' states are views of it. */
    private static final class FlatBuffers {
        final DataBuffer expAvg, expAvgSq;
        DataBuffer maxExpAvgSq;

        FlatBuffers(DataBuffer like) {
            expAvg = like.allocateLike();
            expAvgSq = like.allocateLike();
        }
    }

    /** One group of {@code params} with PyTorch's defaults. */
    public Adam(List<Param> params) {
        this(params, AdamOptions.of());
    }

    /** One group of {@code params}; {@code defaults} overrides PyTorch's defaults. */
    public Adam(List<Param> params, AdamOptions defaults) {
        this(defaults, List.of(ParamGroupSpec.of(params)));
    }

    /** Several groups; each overrides {@code defaults}, which override PyTorch's defaults. */
    public Adam(AdamOptions defaults, List<ParamGroupSpec> groups) {
        this(AdamOptions.pytorchDefaults(), defaults, groups, false);
    }

    /**
     * For presets and variants: {@code base} is the preset's defaults (every built-in value set),
     * {@code defaults} the user's overrides of them. With {@code decoupledLocked} every group
     * decouples weight decay, whatever is asked or loaded.
     */
    protected Adam(AdamOptions base, AdamOptions defaults, List<ParamGroupSpec> groups, boolean decoupledLocked) {
        Objects.requireNonNull(defaults, "defaults");
        Objects.requireNonNull(groups, "groups");
        this.decoupledLocked = decoupledLocked;
        checkDecoupled(defaults);
        this.defaults = defaults.over(base);
        if (groups.isEmpty() || (groups.size() == 1 && groups.get(0).params().isEmpty())) {
            throw new IllegalArgumentException("optimizer got an empty parameter list");
        }
        for (ParamGroupSpec g : groups) {
            addParamGroup(g);
        }
    }

    private void checkDecoupled(AdamOptions o) {
        if (decoupledLocked && Boolean.FALSE.equals(o.decoupledWeightDecay)) {
            throw new IllegalArgumentException(
                    "AdamW always decouples weight decay: decoupled_weight_decay=false is not allowed");
        }
    }

    /**
     * Names of {@link AdamOptions#extra} hyperparameters every group must have (none for Adam). A
     * variant returns a constant set; it is called during construction.
     */
    protected Set<String> requiredExtras() {
        return Set.of();
    }

    /**
     * The hyperparameters for one kernel call on parameters of {@code group} at step {@code step}
     * (1-based, after incrementing). The extension point for variants: the default is the group's.
     */
    protected AdamHyperparameters hyperparameters(ParamGroup group, long step) {
        return group.hyperparameters();
    }

    // ------------------------------------------------------------------ groups

    /**
     * Adds a group (fine-tuning unfreezes layers this way). Validated before anything changes:
     * duplicates inside the group, parameters already in a group, a mix of named and unnamed
     * parameters, and missing required values are refused with PyTorch's messages.
     */
    public void addParamGroup(ParamGroupSpec spec) {
        Objects.requireNonNull(spec, "spec");
        checkDecoupled(spec.overrides());
        Set<Param> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Param p : spec.params()) {
            if (p == null) throw new IllegalArgumentException("parameter group contains a null parameter");
            if (!seen.add(p)) {
                throw new IllegalArgumentException("optimizer contains a parameter group with duplicate parameters: "
                        + p.describe());
            }
        }
        for (ParamGroup g : groups) {
            for (Param p : g.params()) {
                if (seen.contains(p)) {
                    throw new IllegalArgumentException("some parameters appear in more than one parameter group: "
                            + p.describe());
                }
            }
        }
        boolean anyNamed = false, anyUnnamed = false;
        for (ParamGroup g : groups) for (Param p : g.params()) { anyNamed |= p.name() != null; anyUnnamed |= p.name() == null; }
        for (Param p : spec.params()) { anyNamed |= p.name() != null; anyUnnamed |= p.name() == null; }
        if (anyNamed && anyUnnamed) {
            throw new IllegalArgumentException(
                    "all optimizer params should be with/without names. Some param names are missing");
        }
        AdamOptions merged = spec.overrides().over(defaults);
        for (String key : requiredExtras()) {
            if (!merged.extras.containsKey(key)) {
                throw new IllegalArgumentException(
                        "parameter group didn't specify a value of required optimization parameter " + key);
            }
        }
        if (decoupledLocked) merged = merged.decoupledWeightDecay(true);
        groups.add(new ParamGroup(spec.params(), merged, decoupledLocked));
    }

    /**
     * Splits runs of at least {@code 2 * 16,384} elements across {@code threads} threads of adam4j's
     * own daemon pool (never the common ForkJoinPool), at least 16,384 elements per thread. Idle pool
     * threads spin for up to 50 microseconds for the next step before they park (see {@code StepPool}).
     * Results are bitwise identical for any thread count.
     */
    public Adam setParallelism(int threads) {
        return setParallelism(ParallelSteps.defaultExecutor(), threads, ParallelSteps.DEFAULT_GRAIN);
    }

    /**
     * Splits runs across up to {@code threads} tasks on {@code executor} (the caller's thread runs
     * one of them), at least 131,072 elements per task: an executor's threads may have to be woken
     * up, which costs as much as stepping tens of thousands of elements.
     */
    public Adam setParallelism(java.util.concurrent.Executor executor, int threads) {
        return setParallelism(executor, threads, ParallelSteps.EXECUTOR_GRAIN);
    }

    /**
     * Splits runs across up to {@code threads} tasks on {@code executor} (the caller's thread runs
     * one of them), giving each at least {@code grain} elements: a run of fewer than
     * {@code 2 * grain} elements stays on the caller's thread. Chunks start on cache-line
     * boundaries; a task the executor rejects runs on the caller's thread. See {@code ParallelSteps}.
     */
    public Adam setParallelism(java.util.concurrent.Executor executor, int threads, int grain) {
        Objects.requireNonNull(executor, "executor");
        if (threads < 1) throw new IllegalArgumentException("Invalid thread count: " + threads + " (must be >= 1)");
        if (grain < 1) throw new IllegalArgumentException("Invalid grain: " + grain + " (must be >= 1)");
        this.parallel = new ParallelSteps(executor, threads, grain);
        return this;
    }

    /** The groups, in order (live: change hyperparameters through them). */
    public List<ParamGroup> paramGroups() {
        return Collections.unmodifiableList(groups);
    }

    /** The state of {@code p}, or null if it has none yet. */
    public AdamState state(Param p) {
        return state.get(p);
    }

    // ------------------------------------------------------------------ stepping

    /** One step on the current gradients. */
    public void step() {
        step(1.0);
    }

    /**
     * One step, calling {@code closure} (which recomputes the loss and the gradients) first;
     * returns its loss.
     */
    public double step(DoubleSupplier closure) {
        Objects.requireNonNull(closure, "closure");
        double[] loss = new double[1];
        run(Param::grad, 1.0, () -> loss[0] = closure.getAsDouble());
        return loss[0];
    }

    /**
     * One step with every gradient multiplied by {@code gradScale} first, inside the same pass:
     * AMP unscaling ({@code 1/scale}), clipping by a precomputed coefficient, or averaging summed
     * gradients, without writing the gradients.
     */
    public void step(double gradScale) {
        run(Param::grad, gradScale, null);
    }

    private void run(Function<Param, DataBuffer> gradOf, double gradScale, Runnable closure) {
        if (!Double.isFinite(gradScale)) {
            throw new IllegalArgumentException("Invalid gradScale: " + gradScale + " (must be finite)");
        }
        for (Consumer<? super Optimizer> h : GLOBAL_STEP_PRE) h.accept(this);
        for (Consumer<? super Optimizer> h : stepPre) h.accept(this);
        if (closure != null) closure.run();
        checkBuffersUsable(gradOf);
        for (ParamGroup g : groups) {
            stepGroup(g, gradOf, gradScale);
        }
        for (Consumer<? super Optimizer> h : stepPost) h.accept(this);
        for (Consumer<? super Optimizer> h : GLOBAL_STEP_POST) h.accept(this);
    }

    /** Fails before any parameter is updated if a segment cannot be accessed by this thread. */
    private void checkBuffersUsable(Function<Param, DataBuffer> gradOf) {
        for (ParamGroup g : groups) {
            for (Param p : g.params()) {
                DataBuffer grad = gradOf.apply(p);
                if (grad == null) continue;
                for (DataBuffer b : new DataBuffer[] {p.data(), grad}) {
                    if (b instanceof DataBuffer.Segment s) {
                        if (!s.segment().scope().isAlive()) {
                            throw new IllegalStateException("the memory of " + p.describe() + " was freed (its arena is closed)");
                        }
                        if (!s.segment().isAccessibleBy(Thread.currentThread())) {
                            throw new IllegalStateException("the memory of " + p.describe() + " is confined to another thread");
                        }
                    }
                }
            }
        }
    }

    private void stepGroup(ParamGroup group, Function<Param, DataBuffer> gradOf, double gradScale) {
        List<Param> ps = group.params();
        boolean amsgrad = group.amsgrad();
        int n = ps.size();
        int i = 0;
        while (i < n) {
            Param p = ps.get(i);
            DataBuffer grad = gradOf.apply(p);
            if (grad == null) {
                i++;
                continue;
            }
            AdamState s = stateFor(p, amsgrad);
            // Extend the run over following parameters stored right after this one, in every buffer,
            // at the same step: one kernel call covers them all (flat views are laid out that way).
            // Adjacency is checked without allocating; the run's buffers are made once at the end.
            DataBuffer lastData = p.data(), lastGrad = grad, lastM = s.expAvg, lastV = s.expAvgSq,
                    lastX = amsgrad ? s.maxExpAvgSq : null;
            long runLength = p.length();
            int j = i + 1;
            while (j < n) {
                Param q = ps.get(j);
                DataBuffer qg = gradOf.apply(q);
                if (qg == null) break;
                AdamState qs = stateFor(q, amsgrad);
                if (qs.step != s.step || !KernelCall.adjacent(lastData, q.data()) || !KernelCall.adjacent(lastGrad, qg)
                        || !KernelCall.adjacent(lastM, qs.expAvg) || !KernelCall.adjacent(lastV, qs.expAvgSq)
                        || (amsgrad && !KernelCall.adjacent(lastX, qs.maxExpAvgSq))) {
                    break;
                }
                lastData = q.data(); lastGrad = qg; lastM = qs.expAvg; lastV = qs.expAvgSq;
                lastX = amsgrad ? qs.maxExpAvgSq : null;
                runLength += q.length();
                j++;
            }
            DataBuffer data = p.data(), m = s.expAvg, v = s.expAvgSq, x = amsgrad ? s.maxExpAvgSq : null;
            if (j > i + 1) {
                data = KernelCall.span(data, runLength);
                grad = KernelCall.span(grad, runLength);
                m = KernelCall.span(m, runLength);
                v = KernelCall.span(v, runLength);
                if (x != null) x = KernelCall.span(x, runLength);
            }
            long t = s.step + 1;
            for (int k = i; k < j; k++) {
                AdamState ks = state.get(ps.get(k));
                ks.step = t;
            }
            parallel.step(hyperparameters(group, t), t, gradScale, data, grad, m, v, x);
            i = j;
        }
    }

    /** The state of {@code p}, created (zeroed) on first use; flat views get views of flat state. */
    private AdamState stateFor(Param p, boolean amsgrad) {
        AdamState s = state.get(p);
        if (s == null) {
            if (p.flat != null) {
                FlatBuffers f = flatState.computeIfAbsent(p.flat, fp -> new FlatBuffers(fp.data()));
                long off = p.flat.offsetOf(p.flatIndex);
                s = new AdamState(f.expAvg.slice(off, p.length()), f.expAvgSq.slice(off, p.length()), null);
                s.expAvg.fillZero(); // the flat buffer may hold a dropped state's values
                s.expAvgSq.fillZero();
            } else {
                s = new AdamState(p.data().allocateLike(), p.data().allocateLike(), null);
            }
            state.put(p, s);
        }
        if (amsgrad && s.maxExpAvgSq == null) {
            if (p.flat != null) {
                FlatBuffers f = flatState.get(p.flat);
                if (f.maxExpAvgSq == null) f.maxExpAvgSq = p.flat.data().allocateLike();
                s.maxExpAvgSq = f.maxExpAvgSq.slice(p.flat.offsetOf(p.flatIndex), p.length());
                s.maxExpAvgSq.fillZero();
            } else {
                s.maxExpAvgSq = p.data().allocateLike();
            }
        }
        return s;
    }

    /**
     * Clears the gradients: with {@code setToNone} (PyTorch's default) they become absent, so
     * parameters without a new gradient are skipped by the next step; otherwise they are zero-filled.
     */
    public void zeroGrad(boolean setToNone) {
        for (ParamGroup g : groups) {
            for (Param p : g.params()) {
                if (setToNone) {
                    p.setGrad(null);
                } else if (p.grad() != null) {
                    p.grad().fillZero();
                }
            }
        }
    }

    /** {@code zeroGrad(true)}, PyTorch's default. */
    public void zeroGrad() {
        zeroGrad(true);
    }

    // ------------------------------------------------------------------ gradient accumulation

    /**
     * Adds the current gradients into per-parameter accumulators (Dragon's {@code sum_grad}): call
     * it after each micro-batch's backward pass. The first call of a round copies instead of adding,
     * so no pass is spent clearing.
     */
    public void accumulateGrad() {
        for (ParamGroup g : groups) {
            for (Param p : g.params()) {
                DataBuffer grad = p.grad();
                if (grad == null) continue;
                DataBuffer acc = accumulatorFor(p);
                if (accumulatedThisRound.add(p)) acc.copyFrom(grad);
                else acc.addFrom(grad);
            }
        }
        microBatches++;
    }

    /** Micro-batches accumulated since the last {@link #stepAccumulated}. */
    public int accumulatedMicroBatches() {
        return microBatches;
    }

    /**
     * Steps on the accumulated gradients, their sum or ({@code mean}) their mean, the division
     * folded into the kernel's gradient scale ({@code (1/n)·Σg}, rounded once as a factor); then
     * starts a new round. Parameters that received no gradient in the round are skipped.
     *
     * @throws IllegalStateException if nothing was accumulated
     */
    public void stepAccumulated(boolean mean) {
        if (microBatches == 0) {
            throw new IllegalStateException("stepAccumulated: no gradients were accumulated since the last step");
        }
        double scale = mean ? 1.0 / microBatches : 1.0;
        run(p -> accumulatedThisRound.contains(p) ? accumulators.get(p) : null, scale, null);
        accumulatedThisRound.clear();
        microBatches = 0;
    }

    private DataBuffer accumulatorFor(Param p) {
        return accumulators.computeIfAbsent(p, q -> q.flat == null ? q.data().allocateLike()
                : flatAccumulators.computeIfAbsent(q.flat, f -> f.data().allocateLike())
                        .slice(q.flat.offsetOf(q.flatIndex), q.length()));
    }

    // ------------------------------------------------------------------ hooks

    private static <T> HookHandle register(List<T> list, T hook, boolean prepend) {
        Objects.requireNonNull(hook, "hook");
        if (prepend) list.add(0, hook);
        else list.add(hook);
        return new HookHandle(list, hook);
    }

    /** Runs before every step of this optimizer (after the global pre-hooks). */
    public HookHandle registerStepPreHook(Consumer<? super Optimizer> hook, boolean prepend) {
        return register(stepPre, hook, prepend);
    }

    public HookHandle registerStepPreHook(Consumer<? super Optimizer> hook) {
        return registerStepPreHook(hook, false);
    }

    /** Runs after every step of this optimizer (before the global post-hooks). */
    public HookHandle registerStepPostHook(Consumer<? super Optimizer> hook, boolean prepend) {
        return register(stepPost, hook, prepend);
    }

    public HookHandle registerStepPostHook(Consumer<? super Optimizer> hook) {
        return registerStepPostHook(hook, false);
    }

    /** Runs before every step of every optimizer, first. */
    public static HookHandle registerGlobalStepPreHook(Consumer<? super Optimizer> hook, boolean prepend) {
        return register(GLOBAL_STEP_PRE, hook, prepend);
    }

    /** Runs after every step of every optimizer, last. */
    public static HookHandle registerGlobalStepPostHook(Consumer<? super Optimizer> hook, boolean prepend) {
        return register(GLOBAL_STEP_POST, hook, prepend);
    }

    public HookHandle registerStateDictPreHook(Consumer<? super Optimizer> hook, boolean prepend) {
        return register(stateDictPre, hook, prepend);
    }

    /** May return a replacement state dict (or the one given). */
    public HookHandle registerStateDictPostHook(BiFunction<? super Optimizer, StateDict, StateDict> hook, boolean prepend) {
        return register(stateDictPost, hook, prepend);
    }

    /** May return a replacement state dict to load (or the one given). */
    public HookHandle registerLoadStateDictPreHook(BiFunction<? super Optimizer, StateDict, StateDict> hook, boolean prepend) {
        return register(loadStateDictPre, hook, prepend);
    }

    public HookHandle registerLoadStateDictPostHook(Consumer<? super Optimizer> hook, boolean prepend) {
        return register(loadStateDictPost, hook, prepend);
    }

    // ------------------------------------------------------------------ state dict

    /** A snapshot (copies) of the state with PyTorch's schema; see {@link StateDict}. */
    public StateDict stateDict() {
        for (Consumer<? super Optimizer> h : stateDictPre) h.accept(this);
        SortedMap<Integer, StateDict.ParamState> saved = new TreeMap<>();
        List<StateDict.Group> savedGroups = new ArrayList<>();
        int id = 0;
        for (ParamGroup g : groups) {
            List<Integer> ids = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (Param p : g.params()) {
                AdamState s = state.get(p);
                if (s != null) {
                    saved.put(id, new StateDict.ParamState(s.step, copy(s.expAvg), copy(s.expAvgSq),
                            s.maxExpAvgSq == null ? null : copy(s.maxExpAvgSq)));
                }
                ids.add(id++);
                names.add(p.name());
            }
            boolean named = !g.params().isEmpty() && g.params().get(0).name() != null;
            savedGroups.add(new StateDict.Group(g.options(), ids, named ? names : null));
        }
        StateDict sd = new StateDict(saved, savedGroups);
        for (BiFunction<? super Optimizer, StateDict, StateDict> h : stateDictPost) {
            StateDict r = h.apply(this, sd);
            if (r != null) sd = r;
        }
        return sd;
    }

    private static DataBuffer copy(DataBuffer b) {
        DataBuffer c = b.allocateLike();
        c.copyFrom(b);
        return c;
    }

    /**
     * Loads {@code sd} (copying it). Everything is validated first: group count and sizes, ids,
     * every buffer's length and precision against its parameter, names where both sides have them,
     * hyperparameter values; on any mismatch {@link IllegalArgumentException} names it and the
     * optimizer is untouched. A key missing from an older state (a flag that did not exist yet)
     * takes its default. Parameters with no saved state lose theirs and start afresh.
     */
    public void loadStateDict(StateDict sd) {
        Objects.requireNonNull(sd, "state dict");
        for (BiFunction<? super Optimizer, StateDict, StateDict> h : loadStateDictPre) {
            StateDict r = h.apply(this, sd);
            if (r != null) sd = r;
        }
        // ---- validate everything
        if (sd.paramGroups().size() != groups.size()) {
            throw new IllegalArgumentException("loaded state dict has " + sd.paramGroups().size()
                    + " parameter groups, the optimizer has " + groups.size());
        }
        Map<Integer, Param> byId = new LinkedHashMap<>();
        List<AdamOptions> options = new ArrayList<>();
        for (int gi = 0; gi < groups.size(); gi++) {
            ParamGroup g = groups.get(gi);
            StateDict.Group sg = sd.paramGroups().get(gi);
            if (sg.params().size() != g.params().size()) {
                throw new IllegalArgumentException("loaded state dict contains a parameter group that doesn't match "
                        + "the size of optimizer's group: group " + gi + " has " + sg.params().size()
                        + " parameters saved, " + g.params().size() + " here");
            }
            for (int k = 0; k < sg.params().size(); k++) {
                Param p = g.params().get(k);
                Integer id = sg.params().get(k);
                if (id == null || byId.put(id, p) != null) {
                    throw new IllegalArgumentException("loaded state dict has a duplicate or null parameter id " + id
                            + " in group " + gi);
                }
                if (sg.paramNames() != null && p.name() != null && !p.name().equals(sg.paramNames().get(k))) {
                    throw new IllegalArgumentException("loaded state dict names parameter " + id + " '"
                            + sg.paramNames().get(k) + "' but the optimizer's is '" + p.name() + "'");
                }
            }
            options.add(parseOptions(sg.options(), gi));
        }
        for (Map.Entry<Integer, StateDict.ParamState> e : sd.state().entrySet()) {
            Param p = byId.get(e.getKey());
            if (p == null) {
                throw new IllegalArgumentException("loaded state dict has state for parameter id " + e.getKey()
                        + ", which no group lists");
            }
            StateDict.ParamState ps = e.getValue();
            if (ps.step() < 0) {
                throw new IllegalArgumentException("state " + e.getKey() + ": step " + ps.step() + " is negative");
            }
            checkBuffer(e.getKey(), "exp_avg", ps.expAvg(), p);
            checkBuffer(e.getKey(), "exp_avg_sq", ps.expAvgSq(), p);
            if (ps.maxExpAvgSq() != null) checkBuffer(e.getKey(), "max_exp_avg_sq", ps.maxExpAvgSq(), p);
        }
        // ---- apply: nothing below can fail
        for (Map.Entry<Integer, Param> e : byId.entrySet()) {
            Param p = e.getValue();
            StateDict.ParamState ps = sd.state().get(e.getKey());
            if (ps == null) {
                state.remove(p);
                continue;
            }
            AdamState s = stateFor(p, ps.maxExpAvgSq() != null);
            s.expAvg.copyFrom(ps.expAvg());
            s.expAvgSq.copyFrom(ps.expAvgSq());
            if (ps.maxExpAvgSq() != null) s.maxExpAvgSq.copyFrom(ps.maxExpAvgSq());
            else s.maxExpAvgSq = null;
            s.step = ps.step();
        }
        for (int gi = 0; gi < groups.size(); gi++) {
            groups.get(gi).assign(options.get(gi));
        }
        for (Consumer<? super Optimizer> h : loadStateDictPost) h.accept(this);
    }

    private static void checkBuffer(int id, String key, DataBuffer b, Param p) {
        if (b.precision() != p.data().precision() || b.length() != p.length()) {
            throw new IllegalArgumentException("state " + id + " " + key + " is " + b.precision() + " x " + b.length()
                    + " but " + p.describe() + " is " + p.data().precision() + " x " + p.length());
        }
    }

    /** A saved group's hyperparameters, validated, with defaults for keys it predates. */
    private AdamOptions parseOptions(Map<String, Object> o, int gi) {
        AdamOptions r = AdamOptions.of();
        String where = "param_groups[" + gi + "]";
        try {
            r = r.lr(number(o, "lr", where, defaults.lr));
            Object betas = o.containsKey("betas") ? o.get("betas") : List.of(defaults.beta1, defaults.beta2);
            if (!(betas instanceof List<?> bl) || bl.size() != 2 || !(bl.get(0) instanceof Number b1)
                    || !(bl.get(1) instanceof Number b2)) {
                throw new IllegalArgumentException(where + ".betas must be a list of two numbers, got " + betas);
            }
            r = r.betas(b1.doubleValue(), b2.doubleValue());
            r = r.eps(number(o, "eps", where, defaults.eps));
            r = r.weightDecay(number(o, "weight_decay", where, defaults.weightDecay));
            r = r.amsgrad(flag(o, "amsgrad", where, false));
            r = r.maximize(flag(o, "maximize", where, false));
            r = r.decoupledWeightDecay(decoupledLocked || flag(o, "decoupled_weight_decay", where, false));
            Object mode = o.getOrDefault("eps_mode", "pytorch");
            if (!(mode instanceof String ms)) throw new IllegalArgumentException(where + ".eps_mode must be a string, got " + mode);
            try {
                r = r.epsMode(EpsilonMode.valueOf(ms.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ".eps_mode '" + ms + "' is not one of pytorch, eps_hat");
            }
            for (String ignored : List.of("foreach", "capturable", "differentiable", "fused")) {
                Object v = o.get(ignored);
                if (v != null && !(v instanceof Boolean)) {
                    throw new IllegalArgumentException(where + "." + ignored + " must be a boolean or null, got " + v);
                }
            }
            for (Map.Entry<String, Object> e : o.entrySet()) {
                if (ParamGroup.KEYS.contains(e.getKey())) continue;
                if (!(e.getValue() instanceof Number n)) {
                    throw new IllegalArgumentException(where + "." + e.getKey() + " must be a number, got " + e.getValue());
                }
                r = r.extra(e.getKey(), n.doubleValue());
            }
            for (String key : requiredExtras()) {
                if (!r.extras.containsKey(key)) {
                    if (!defaults.extras.containsKey(key)) {
                        throw new IllegalArgumentException(where + " lacks the required hyperparameter " + key);
                    }
                    r = r.extra(key, defaults.extras.get(key));
                }
            }
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(where) ? e : new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
        return r;
    }

    private static double number(Map<String, Object> o, String key, String where, double dflt) {
        Object v = o.containsKey(key) ? o.get(key) : dflt;
        if (!(v instanceof Number n)) throw new IllegalArgumentException(where + "." + key + " must be a number, got " + v);
        return n.doubleValue();
    }

    private static boolean flag(Map<String, Object> o, String key, String where, boolean dflt) {
        Object v = o.containsKey(key) ? o.get(key) : dflt;
        if (!(v instanceof Boolean b)) throw new IllegalArgumentException(where + "." + key + " must be a boolean, got " + v);
        return b;
    }

    // ------------------------------------------------------------------ repr

    /** Like PyTorch's {@code repr(optimizer)}: each group's hyperparameters, keys sorted. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(getClass().getSimpleName()).append(" (");
        for (int i = 0; i < groups.size(); i++) {
            sb.append("\nParameter Group ").append(i);
            for (Map.Entry<String, Object> e : new TreeMap<>(groups.get(i).options()).entrySet()) {
                sb.append("\n    ").append(e.getKey()).append(": ").append(PyRepr.of(e.getValue()));
            }
        }
        return sb.append("\n)").toString();
    }
}
