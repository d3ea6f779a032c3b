package dev.adam4j.optim;

import dev.adam4j.kernels.Precision;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.Function;

/**
 * The base of adam4j's optimizers, PyTorch's {@code torch.optim.Optimizer} for the Adam family: it
 * owns the parameter groups, the per-parameter state (lazily created, typed {@link AdamState}), the
 * hooks, {@code zeroGrad}, gradient accumulation, the state dict and {@code toString}; a member of
 * the family ({@link Adam}, {@link AdamW}, a variant) adds its defaults and the update itself
 * ({@link #update}). Learning-rate schedulers, clipping and loss scaling work on any optimizer
 * through this type, touching only its groups' hyperparameters.
 *
 * <p>Not thread-safe: one thread steps an optimizer at a time.
 */
public abstract class Optimizer {
    private static final Hooks GLOBAL = new Hooks();

    private final AdamOptions defaults;
    private final GroupRule rule;
    private final List<ParamGroup> groups = new ArrayList<>();
    final Map<Param, AdamState> state = new IdentityHashMap<>();
    private final Map<FlatParameters, FlatState> flatState = new IdentityHashMap<>();
    private final GradAccumulator accumulator = new GradAccumulator();
    private final Hooks hooks = new Hooks();

    /**
     * A member of the family's rule for its groups' options, applied whenever options are set:
     * at construction, by {@link #addParamGroup}, by {@link ParamGroup}'s setters ({@code loaded}
     * false: it may refuse) and by {@link #loadStateDict} ({@code loaded} true: it must accept
     * whatever the checks let through, adjusting it). {@link AdamW}'s keeps decay decoupled.
     */
    @FunctionalInterface
    protected interface GroupRule {
        AdamOptions apply(AdamOptions complete, boolean loaded);

        /** Accepts every option as it is. */
        GroupRule NONE = (o, loaded) -> o;
    }

    /**
     * Contiguous state of a flat allocation, in {@code precision}; members' states are views of it (so
     * every view of one allocation has the same state dtype, which {@link #addParamGroup} checks).
     */
    private static final class FlatState {
        final Precision precision;
        final DataBuffer expAvg, expAvgSq;
        DataBuffer maxExpAvgSq, masterWeightLow;

        FlatState(DataBuffer like, Precision precision) {
            this.precision = precision;
            expAvg = like.allocateLike(precision);
            expAvgSq = like.allocateLike(precision);
        }
    }

    /**
     * @param defaults every value set (a preset's defaults with the user's overrides laid over them)
     * @param specs the groups, each overriding {@code defaults}
     * @param rule the family member's rule for its groups' options
     */
    Optimizer(AdamOptions defaults, List<ParamGroupSpec> specs, GroupRule rule) {
        Objects.requireNonNull(specs, "groups");
        this.rule = Objects.requireNonNull(rule, "rule");
        this.defaults = rule.apply(defaults, false);
        if (specs.isEmpty() || (specs.size() == 1 && specs.get(0).params().isEmpty())) {
            throw new IllegalArgumentException("optimizer got an empty parameter list");
        }
        for (ParamGroupSpec g : specs) {
            addGroup(g);
        }
    }

    /**
     * Names of {@link AdamOptions#extra} hyperparameters every group must have (none by default). A
     * variant returns a constant set: it is called during construction.
     */
    protected Set<String> requiredExtras() {
        return Set.of();
    }

    /**
     * The update of one step: called by every {@code step} variant, after the pre-hooks and the
     * closure and before the post-hooks. {@code gradOf} gives each parameter's gradient (null: skip
     * it); every gradient is multiplied by {@code gradScale} first. An implementation validates
     * everything before its first write, so that a step either happens whole or not at all.
     */
    protected abstract void update(Function<Param, DataBuffer> gradOf, double gradScale);

    // ------------------------------------------------------------------ groups

    /**
     * Adds a group (fine-tuning unfreezes layers this way). Validated before anything changes:
     * null or duplicate parameters, parameters already in a group, a mix of named and unnamed
     * parameters, two parameters with one name, and missing required values are refused with
     * PyTorch's messages; a {@link AdamOptions#stateDtype state dtype} a parameter cannot have, or two
     * state dtypes for views of one {@link FlatParameters}, with a message naming the parameter.
     */
    public final void addParamGroup(ParamGroupSpec spec) {
        addGroup(spec);
    }

    private void addGroup(ParamGroupSpec spec) {
        Objects.requireNonNull(spec, "spec");
        Set<Param> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Param p : spec.params()) {
            if (!seen.add(p)) {
                throw new IllegalArgumentException("optimizer contains a parameter group with duplicate parameters: "
                        + p.describe());
            }
        }
        Map<String, Param> names = new HashMap<>();
        Map<FlatParameters, Precision> flatStates = new IdentityHashMap<>();
        boolean anyNamed = false, anyUnnamed = false;
        for (ParamGroup g : groups) {
            for (Param p : g.params()) {
                if (seen.contains(p)) {
                    throw new IllegalArgumentException("some parameters appear in more than one parameter group: "
                            + p.describe());
                }
                if (p.name() != null) names.put(p.name(), p);
                anyNamed |= p.name() != null;
                anyUnnamed |= p.name() == null;
                if (p.flat != null) flatStates.putIfAbsent(p.flat, g.statePrecision(p));
            }
        }
        for (Param p : spec.params()) {
            anyNamed |= p.name() != null;
            anyUnnamed |= p.name() == null;
            if (p.name() != null && names.put(p.name(), p) != null) {
                throw new IllegalArgumentException("two parameters are named '" + p.name()
                        + "': names key the state dict and checkpoints, so they must be unique");
            }
        }
        if (anyNamed && anyUnnamed) {
            throw new IllegalArgumentException(
                    "all optimizer params should be with/without names. Some param names are missing");
        }
        AdamOptions merged = spec.overrides().over(defaults);
        for (Param p : spec.params()) {
            checkRounding(p, merged);
            Precision sp = merged.split() ? Precision.F32 : merged.stateDtype != null ? merged.stateDtype : p.data().precision();
            if (!merged.split()) checkStateDtype(p, sp);
            Precision other = p.flat == null ? null : flatStates.putIfAbsent(p.flat, sp);
            if (other != null && other != sp) {
                throw new IllegalArgumentException(p.describe() + " would have " + sp + " moments, but other views of its "
                        + "FlatParameters have " + other + " moments: the state of one flat allocation is one buffer, so "
                        + "its views share one stateDtype (allocate parameters with other moments in a FlatParameters "
                        + "of their own)");
            }
        }
        for (String key : requiredExtras()) {
            if (!merged.extras.containsKey(key)) {
                throw new IllegalArgumentException(
                        "parameter group didn't specify a value of required optimization parameter " + key);
            }
        }
        groups.add(new ParamGroup(spec.params(), merged, o -> rule.apply(o, false)));
    }

    /**
     * Whether a parameter of precision {@code param} can keep its moments in {@code state}: its own
     * precision always; an f32 parameter also 16-bit moments (the kernels' f32-parameter, 16-bit-moment
     * step). There is no kernel for the other pairs.
     */
    static boolean momentsAllowed(Precision param, Precision state) {
        return switch (param) {
            case F32 -> switch (state) {
                case F32, BF16, F16 -> true;
                case F64 -> false;
            };
            case F64, BF16, F16 -> state == param;
        };
    }

    /** Split master weights and stochastic rounding: bf16 parameters only, f32 moments with split, not both. */
    private static void checkRounding(Param p, AdamOptions o) {
        Precision pp = p.data().precision();
        if (o.split()) {
            if (pp != Precision.BF16) {
                throw new IllegalArgumentException("Invalid splitMasterWeights for " + p.describe() + ", which is " + pp
                        + ": split f32 master weights are for BF16 parameters (the low halves complete a bf16 to an f32)");
            }
            if (o.stateDtype != null && o.stateDtype != Precision.F32) {
                throw new IllegalArgumentException("Invalid stateDtype " + o.stateDtype + " with splitMasterWeights for "
                        + p.describe() + ": split master weights keep F32 moments (the step is the f32 step)");
            }
            if (o.stochasticRoundingSeed != null) {
                throw new IllegalArgumentException("Invalid stochasticRounding with splitMasterWeights for " + p.describe()
                        + ": split master weights keep the exact f32 value, so there is nothing to round");
            }
        } else if (o.stochasticRoundingSeed != null && pp != Precision.BF16) {
            throw new IllegalArgumentException("Invalid stochasticRounding for " + p.describe() + ", which is " + pp
                    + ": stochastic rounding is for BF16 parameters");
        }
    }

    private static void checkStateDtype(Param p, Precision state) {
        Precision pp = p.data().precision();
        if (momentsAllowed(pp, state)) return;
        String rule = switch (pp) {
            case F32 -> "F32 parameters take F32, BF16 or F16 moments";
            case F64 -> "F64 parameters keep F64 moments; 16-bit moments are for F32 parameters";
            case BF16, F16 -> pp + " parameters keep " + pp + " moments (BF16 parameters with F32 moments: "
                    + "AdamOptions.splitMasterWeights(true))";
        };
        throw new IllegalArgumentException("Invalid stateDtype " + state + " for " + p.describe() + ", which is " + pp
                + ": " + rule);
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
        runStep(Param::grad, 1.0, () -> loss[0] = closure.getAsDouble());
        return loss[0];
    }

    /**
     * One step with every gradient multiplied by {@code gradScale} first, inside the same pass:
     * AMP unscaling ({@code 1/scale}), clipping by a precomputed coefficient, or averaging summed
     * gradients, without writing the gradients.
     */
    public void step(double gradScale) {
        runStep(Param::grad, gradScale, null);
    }

    private void runStep(Function<Param, DataBuffer> gradOf, double gradScale, Runnable closure) {
        if (!Double.isFinite(gradScale)) {
            throw new IllegalArgumentException("Invalid gradScale: " + gradScale + " (must be finite)");
        }
        Hooks.run(GLOBAL.stepPre, this);
        Hooks.run(hooks.stepPre, this);
        if (closure != null) closure.run();
        update(gradOf, gradScale);
        Hooks.run(hooks.stepPost, this);
        Hooks.run(GLOBAL.stepPost, this);
    }

    /**
     * The state of {@code p} (a parameter of {@code group}), created (zeroed) on first use in the
     * group's state precision (with split master weights, zero low halves too); flat views get views of
     * flat state. {@code created} collects the
     * parameters whose state this call created.
     */
    AdamState stateFor(Param p, ParamGroup group, boolean amsgrad, List<Param> created) {
        return stateFor(p, group, amsgrad, created, null, 0, null);
    }

    /**
     * As {@link #stateFor(Param, ParamGroup, boolean, List)} for the step: {@code p} is parameter
     * {@code index} of {@code group}, the step's gradients are {@code gradOf}, and a new state of an
     * array parameter is carved from {@code slabs} (see {@link StateSlabs}).
     */
    AdamState stateFor(Param p, ParamGroup group, boolean amsgrad, List<Param> created, StateSlabs slabs, int index,
            Function<Param, DataBuffer> gradOf) {
        AdamState s = state.get(p);
        if (s == null) {
            Precision sp = group.statePrecision(p);
            if (p.flat != null) {
                FlatState f = flatState.computeIfAbsent(p.flat, fp -> new FlatState(fp.data(), sp));
                assert f.precision == sp : "views of one FlatParameters share a state dtype (checked in addParamGroup)";
                long off = p.flat.offsetOf(p.flatIndex);
                s = new AdamState(f.expAvg.slice(off, p.length()), f.expAvgSq.slice(off, p.length()), null);
                s.expAvg.fillZero(); // the flat buffer may hold a dropped state's values
                s.expAvgSq.fillZero();
                if (group.splitMasterWeights()) {
                    if (f.masterWeightLow == null) f.masterWeightLow = p.flat.data().allocateLike();
                    s.masterWeightLow = f.masterWeightLow.slice(off, p.length());
                    s.masterWeightLow.fillZero(); // zero low halves: the master weight is the bf16 value
                }
            } else {
                if (slabs != null && !(p.data() instanceof DataBuffer.Segment)) {
                    s = slabs.take(p, sp, amsgrad, group.splitMasterWeights());
                    if (s == null && carve(slabs, group, index, gradOf, sp, amsgrad)) {
                        s = slabs.take(p, sp, amsgrad, group.splitMasterWeights());
                    }
                }
                if (s == null) {
                    s = new AdamState(p.data().allocateLike(sp), p.data().allocateLike(sp), null);
                    if (group.splitMasterWeights()) s.masterWeightLow = p.data().allocateLike();
                }
            }
            state.put(p, s);
            if (created != null) created.add(p);
        }
        if (amsgrad && s.maxExpAvgSq == null) {
            if (p.flat != null) {
                FlatState f = flatState.get(p.flat);
                if (f.maxExpAvgSq == null) f.maxExpAvgSq = p.flat.data().allocateLike(f.precision);
                s.maxExpAvgSq = f.maxExpAvgSq.slice(p.flat.offsetOf(p.flatIndex), p.length());
                s.maxExpAvgSq.fillZero();
            } else {
                s.maxExpAvgSq = p.data().allocateLike(s.expAvg.precision());
            }
        }
        return s;
    }

    /**
     * Moments created during one step for parameters with array storage come from one new array per
     * moment ({@code exp_avg}, {@code exp_avg_sq}, and {@code max_exp_avg_sq} and the master weights'
     * low halves when the group has them), each state a view of its range, in the group's order: a
     * state stream is then contiguous in memory, instead of one small array per parameter with the
     * other moment's array of that parameter right after it (m0, v0, m1, v1, ..., each v_i a little
     * under 4 KiB after m_i for 1,000 f32 elements) and later moved around by the garbage collector.
     * Kernel calls alone on 10,000 × 1,000 elements ({@code OptimizerBench.manyCalls}) step about 1.2×
     * faster with the state laid out so ({@code SLAB_MV} vs {@code ARRAYS}). Views of one array also let
     * a run of parameters whose data and gradients are adjacent slices of the caller's arrays step in
     * one kernel call.
     * {@link #carve} sizes them; cleared after each step, so a step's arrays are not reused.
     */
    static final class StateSlabs {
        /**
         * The largest array carved (elements): 64 MiB of f32, so that the heap never has to find room for
         * one huge array where the parameters' own arrays would have fitted; contiguity breaks once in
         * 16M elements.
         */
        static final int MAX_ELEMENTS = 1 << 24;

        private DataBuffer m, v, x, low; // whole arrays, null when there are none
        private Class<?> kind;
        private Precision precision, dataPrecision;
        private long next, end;

        /** The state of {@code p} as views of the current arrays, or null when {@code p} does not fit them. */
        AdamState take(Param p, Precision sp, boolean amsgrad, boolean split) {
            long n = p.length();
            if (m == null || kind != p.data().getClass() || precision != sp || dataPrecision != p.data().precision()
                    || (x != null) != amsgrad || (low != null) != split || end - next < n) {
                return null;
            }
            long off = next;
            next += n;
            AdamState s = new AdamState(m.slice(off, n), v.slice(off, n), x == null ? null : x.slice(off, n));
            if (low != null) s.masterWeightLow = low.slice(off, n);
            return s;
        }

        void clear() {
            m = v = x = low = null;
        }
    }

    /**
     * Allocates {@code slabs}' arrays for the parameters of {@code group} from {@code from} on that this
     * step creates a state for (no state yet, a gradient, not a flat view), in order, while they have
     * the storage kind and precisions of the first and fit {@link StateSlabs#MAX_ELEMENTS}; false (nothing
     * allocated) when that is only the first, which then gets arrays of its own. Called only when a state
     * is created, and each parameter is counted by at most one call a step.
     */
    private boolean carve(StateSlabs slabs, ParamGroup group, int from, Function<Param, DataBuffer> gradOf,
            Precision sp, boolean amsgrad) {
        List<Param> ps = group.params();
        DataBuffer first = ps.get(from).data();
        long total = 0;
        int count = 0;
        for (int k = from; k < ps.size(); k++) {
            Param q = ps.get(k);
            if (q.flat != null || state.containsKey(q) || gradOf.apply(q) == null) continue;
            if (q.data().getClass() != first.getClass() || q.data().precision() != first.precision()
                    || group.statePrecision(q) != sp || total + q.length() > StateSlabs.MAX_ELEMENTS) {
                break;
            }
            total += q.length();
            count++;
        }
        if (count < 2) return false;
        int n = (int) total;
        slabs.m = DataBuffer.allocate(sp, n);
        slabs.v = DataBuffer.allocate(sp, n);
        slabs.x = amsgrad ? DataBuffer.allocate(sp, n) : null;
        slabs.low = group.splitMasterWeights() ? DataBuffer.allocate(first.precision(), n) : null;
        slabs.kind = first.getClass();
        slabs.precision = sp;
        slabs.dataPrecision = first.precision();
        slabs.next = 0;
        slabs.end = n;
        return true;
    }

    /**
     * How many parts a pass over {@code elements} elements of {@code buffers} (a gradient-norm pass,
     * say) would be split into on this optimizer's step threads: 1 here; {@link Adam} answers from its
     * {@code setParallelism} (thread count and grain), and 1 when a buffer is confined to one thread.
     */
    public int parallelParts(long elements, List<? extends DataBuffer> buffers) {
        return 1;
    }

    /**
     * Runs {@code part.accept(k)} for {@code k} in {@code [0, parts)} on this optimizer's step threads,
     * the caller taking a share, each part exactly once; returns when all are finished and rethrows
     * the first failure. Parts must be independent. Here, all run on the caller in order.
     */
    public void runParallel(int parts, java.util.function.IntConsumer part) {
        for (int k = 0; k < parts; k++) part.accept(k);
    }

    /**
     * Clears the gradients. With {@code setToNone} (PyTorch's default) gradients adam4j allocated
     * ({@link Param#defineGrad()}, flat views) become absent, so parameters without a new gradient
     * are skipped by the next step; a gradient buffer the caller attached with
     * {@link Param#setGrad} stays attached and is zero-filled instead, because the caller writes it
     * directly and an absent gradient would silently skip the parameter. Without {@code setToNone}
     * every gradient is zero-filled.
     */
    public void zeroGrad(boolean setToNone) {
        for (ParamGroup g : groups) {
            for (Param p : g.params()) {
                p.zeroGrad(setToNone);
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
        accumulator.add(groups);
    }

    /** Micro-batches accumulated since the last {@link #stepAccumulated}. */
    public int accumulatedMicroBatches() {
        return accumulator.microBatches();
    }

    /**
     * The sum of {@code p}'s gradients accumulated in this round (a live buffer: clipping reads it),
     * or null when {@code p} received none.
     */
    public DataBuffer accumulatedGrad(Param p) {
        return accumulator.sum(p);
    }

    /**
     * Steps on the accumulated gradients, their sum or ({@code mean}) their mean, the division
     * folded into the kernel's gradient scale ({@code (1/n)·Σg}, rounded once as a factor); then
     * starts a new round. Parameters that received no gradient in the round are skipped.
     *
     * @throws IllegalStateException if nothing was accumulated
     */
    public void stepAccumulated(boolean mean) {
        stepAccumulated(mean, 1.0);
    }

    /**
     * {@link #stepAccumulated(boolean)} with an extra factor on the gradients, folded into the same
     * scale (one rounding): a clipping coefficient computed from {@link #accumulatedGrad}, or an AMP
     * unscale. The round ends only when the step happened.
     */
    public void stepAccumulated(boolean mean, double gradScale) {
        int n = accumulator.microBatches();
        if (n == 0) {
            throw new IllegalStateException("stepAccumulated: no gradients were accumulated since the last step");
        }
        runStep(accumulator::sum, mean ? gradScale / n : gradScale, null);
        accumulator.reset();
    }

    // ------------------------------------------------------------------ hooks

    /** Runs before every step of this optimizer (after the global pre-hooks). */
    public HookHandle registerStepPreHook(Consumer<? super Optimizer> hook, boolean prepend) {
        return Hooks.register(hooks.stepPre, hook, prepend);
    }

    public HookHandle registerStepPreHook(Consumer<? super Optimizer> hook) {
        return registerStepPreHook(hook, false);
    }

    /** Runs after every step of this optimizer (before the global post-hooks). */
    public HookHandle registerStepPostHook(Consumer<? super Optimizer> hook, boolean prepend) {
        return Hooks.register(hooks.stepPost, hook, prepend);
    }

    public HookHandle registerStepPostHook(Consumer<? super Optimizer> hook) {
        return registerStepPostHook(hook, false);
    }

    /** Runs before every step of every optimizer, first. */
    public static HookHandle registerGlobalStepPreHook(Consumer<? super Optimizer> hook, boolean prepend) {
        return Hooks.register(GLOBAL.stepPre, hook, prepend);
    }

    /** Runs after every step of every optimizer, last. */
    public static HookHandle registerGlobalStepPostHook(Consumer<? super Optimizer> hook, boolean prepend) {
        return Hooks.register(GLOBAL.stepPost, hook, prepend);
    }

    public HookHandle registerStateDictPreHook(Consumer<? super Optimizer> hook, boolean prepend) {
        return Hooks.register(hooks.stateDictPre, hook, prepend);
    }

    /** May return a replacement state dict (or the one given). */
    public HookHandle registerStateDictPostHook(BiFunction<? super Optimizer, StateDict, StateDict> hook, boolean prepend) {
        return Hooks.register(hooks.stateDictPost, hook, prepend);
    }

    /** May return a replacement state dict to load (or the one given). */
    public HookHandle registerLoadStateDictPreHook(BiFunction<? super Optimizer, StateDict, StateDict> hook, boolean prepend) {
        return Hooks.register(hooks.loadStateDictPre, hook, prepend);
    }

    public HookHandle registerLoadStateDictPostHook(Consumer<? super Optimizer> hook, boolean prepend) {
        return Hooks.register(hooks.loadStateDictPost, hook, prepend);
    }

    // ------------------------------------------------------------------ state dict

    /** A snapshot (copies) of the state with PyTorch's schema; see {@link StateDict}. */
    public StateDict stateDict() {
        return exportState(true);
    }

    /**
     * The state dict over the live buffers (no copies), as PyTorch's {@code state_dict()} references
     * its tensors: valid until the next step or load. For serializers ({@code Checkpoint}); the
     * state-dict hooks run as for {@link #stateDict()}.
     */
    public StateDict stateDictView() {
        return exportState(false);
    }

    private StateDict exportState(boolean copy) {
        Hooks.run(hooks.stateDictPre, this);
        SortedMap<Integer, StateDict.ParamState> saved = new TreeMap<>();
        List<StateDict.Group> savedGroups = new ArrayList<>();
        int id = 0;
        for (ParamGroup g : groups) {
            List<Integer> ids = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (Param p : g.params()) {
                AdamState s = state.get(p);
                if (s != null) {
                    saved.put(id, new StateDict.ParamState(s.step, copy ? copy(s.expAvg) : s.expAvg,
                            copy ? copy(s.expAvgSq) : s.expAvgSq,
                            s.maxExpAvgSq == null ? null : copy ? copy(s.maxExpAvgSq) : s.maxExpAvgSq,
                            s.masterWeightLow == null ? null : copy ? copy(s.masterWeightLow) : s.masterWeightLow));
                }
                ids.add(id++);
                names.add(p.name());
            }
            boolean named = !g.params().isEmpty() && g.params().get(0).name() != null;
            savedGroups.add(new StateDict.Group(g.options(), ids, named ? names : null));
        }
        return Hooks.run(hooks.stateDictPost, this, new StateDict(saved, savedGroups));
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
     *
     * <p>The hyperparameters are the saved ones, as in PyTorch, except the {@link AdamOptions#stateDtype
     * state dtype}: it is part of how this optimizer was built, like the parameters' precision, and is
     * kept. Saved moments in another precision that the parameter's layouts allow (F32, BF16 or F16 for
     * an F32 parameter) are converted to it: widened exactly, or rounded to nearest even (PyTorch's
     * {@code load_state_dict} also casts floating-point state, to the parameter's dtype). So a state dict
     * of an f32 run loads into an optimizer with bf16 moments and the other way round. Any other
     * precision (F64 moments for an F32 parameter, F32 moments for a BF16 one) is refused, naming the
     * buffer.
     */
    public void loadStateDict(StateDict sd) {
        Objects.requireNonNull(sd, "state dict");
        sd = Hooks.run(hooks.loadStateDictPre, this, sd);
        // ---- validate everything
        Map<Integer, Param> byId = sd.matchParams(groups);
        Map<Param, ParamGroup> groupOf = new IdentityHashMap<>();
        for (ParamGroup g : groups) for (Param p : g.params()) groupOf.put(p, g);
        List<AdamOptions> options = new ArrayList<>();
        for (int gi = 0; gi < groups.size(); gi++) {
            String where = "param_groups[" + gi + "]";
            AdamOptions o = AdamOptions.parse(sd.paramGroups().get(gi).options(), defaults, where);
            for (String key : requiredExtras()) {
                if (!o.extras.containsKey(key)) {
                    if (!defaults.extras.containsKey(key)) {
                        throw new IllegalArgumentException(where + " lacks the required hyperparameter " + key);
                    }
                    o = o.extra(key, defaults.extras.get(key));
                }
            }
            options.add(rule.apply(o.withLayoutOf(groups.get(gi).settings()), true));
        }
        for (Map.Entry<Integer, StateDict.ParamState> e : sd.state().entrySet()) {
            Param p = byId.get(e.getKey());
            StateDict.ParamState ps = e.getValue();
            if (ps.step() < 0) {
                throw new IllegalArgumentException("state " + e.getKey() + ": step " + ps.step() + " is negative");
            }
            for (Map.Entry<String, DataBuffer> b : ps.buffers().entrySet()) {
                checkBuffer(e.getKey(), b.getKey(), b.getValue(), p, groupOf.get(p));
            }
        }
        // ---- apply: nothing below can fail
        for (Map.Entry<Integer, Param> e : byId.entrySet()) {
            Param p = e.getValue();
            StateDict.ParamState ps = sd.state().get(e.getKey());
            if (ps == null) {
                state.remove(p);
                continue;
            }
            AdamState s = stateFor(p, groupOf.get(p), ps.maxExpAvgSq() != null, null);
            if (s.masterWeightLow != null) { // a state without low halves (a plain bf16 run's): the master is the bf16
                if (ps.masterWeightLow() != null) SplitMasterWeights.copyBits(s.masterWeightLow, ps.masterWeightLow());
                else s.masterWeightLow.fillZero();
            }
            convertFrom(s.expAvg, ps.expAvg());
            convertFrom(s.expAvgSq, ps.expAvgSq());
            if (ps.maxExpAvgSq() != null) convertFrom(s.maxExpAvgSq, ps.maxExpAvgSq());
            else s.maxExpAvgSq = null;
            s.step = ps.step();
        }
        for (int gi = 0; gi < groups.size(); gi++) {
            groups.get(gi).assign(options.get(gi));
        }
        Hooks.run(hooks.loadStateDictPost, this);
    }

    private static void checkBuffer(int id, String key, DataBuffer b, Param p, ParamGroup g) {
        Precision pp = p.data().precision();
        if (key.equals("master_weight_low")) {
            if (!g.splitMasterWeights()) {
                throw new IllegalArgumentException("state " + id + " has master_weight_low (split f32 master weights), but "
                        + p.describe() + " is in a group without splitMasterWeights");
            }
            if (b.precision() != Precision.BF16 || b.length() != p.length()) {
                throw new IllegalArgumentException("state " + id + " master_weight_low is " + b.precision() + " x " + b.length()
                        + " but " + p.describe() + " needs BF16 x " + p.length() + " low halves");
            }
            return;
        }
        boolean splitMoments = g.splitMasterWeights() && b.precision() == Precision.F32; // BF16 moments widen into them
        if ((!momentsAllowed(pp, b.precision()) && !splitMoments) || b.length() != p.length()) {
            Precision sp = g.statePrecision(p);
            throw new IllegalArgumentException("state " + id + " " + key + " is " + b.precision() + " x " + b.length()
                    + " but " + p.describe() + " is " + pp + " x " + p.length()
                    + (sp != pp ? " with " + sp + " moments" : "")
                    + (b.length() == p.length() ? " (" + (pp == Precision.F32 ? "F32, BF16 and F16 moments load into it, converted"
                            : "its moments are " + pp) + ")" : ""));
        }
    }

    /**
     * Copies {@code src} into {@code dst} of the same length, converting the precision if they differ
     * (only the pairs {@link #momentsAllowed} lets through: F32 and 16-bit values, each exact in f32):
     * widening is exact, narrowing rounds to nearest even once.
     */
    private static void convertFrom(DataBuffer dst, DataBuffer src) {
        if (dst.precision() == src.precision()) {
            dst.copyFrom(src);
            return;
        }
        for (long i = 0; i < dst.length(); i++) dst.set(i, src.get(i));
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
