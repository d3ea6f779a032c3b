package dev.adam4j.optim;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.EpsilonMode;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
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
 * <p>Defaults are PyTorch's ({@link AdamOptions#pytorchDefaults()}), plus {@code epsMode}
 * {@link EpsilonMode#PYTORCH}. Parameters without a gradient are skipped (no state is created,
 * their step count does not move). State is created lazily; every parameter keeps its own step
 * count. Groups, state, hooks, accumulation and the state dict are {@link Optimizer}'s; this class
 * adds the defaults and the kernel call.
 *
 * <p>The state has each parameter's precision (f32, f64, bf16, f16), or, for a group with
 * {@link AdamOptions#stateDtype stateDtype(Precision.BF16)} (or {@code F16}), f32 parameters keep bf16
 * (f16) moments: {@code new Adam(params, AdamOptions.of().stateDtype(Precision.BF16))} steps with
 * {@link dev.adam4j.kernels.AdamKernels}' f32-parameter, 16-bit-moment kernel, 20 bytes an element
 * instead of 28. {@link AdamOptions#splitMasterWeights splitMasterWeights(true)} gives bf16 parameters exact
 * f32 master weights (the f32 step, f32 moments, the low halves as state); {@link AdamOptions#stochasticRounding
 * stochasticRounding(seed)} rounds bf16 parameters stochastically.
 *
 * <h2>Extending</h2>
 * A variant that changes the hyperparameters per step (a warm-up, a per-step learning rate)
 * overrides {@link #hyperparameters(ParamGroup, long)}; its own hyperparameters go into
 * {@link AdamOptions#extra} and may be declared required with {@link #requiredExtras()}. A preset
 * passes its defaults (laid over PyTorch's) and, if it constrains the options, a {@link GroupRule}
 * to {@link #Adam(AdamOptions, AdamOptions, List, GroupRule)}: {@link AdamW} is such a preset.
 *
 * <p>Not thread-safe: one thread steps an optimizer at a time.
 */
public class Adam extends Optimizer {
    private ParallelSteps parallel = new ParallelSteps(Runnable::run, 1, ParallelSteps.DEFAULT_GRAIN);
    private boolean warnedNoGradient;

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
        this(AdamOptions.of(), defaults, groups, GroupRule.NONE);
    }

    /**
     * For presets and variants: {@code preset} holds the preset's own defaults (any subset; the rest
     * are PyTorch's), {@code defaults} the user's overrides of them, and {@code rule} constrains every
     * group's options (see {@link GroupRule}).
     */
    protected Adam(AdamOptions preset, AdamOptions defaults, List<ParamGroupSpec> groups, GroupRule rule) {
        super(Objects.requireNonNull(defaults, "defaults").over(preset.over(AdamOptions.pytorchDefaults())), groups, rule);
    }

    /**
     * For presets written against the first version of this class: {@code base} is the preset's
     * defaults. {@code decoupledLocked} must be false: a preset that always decouples weight decay
     * extends {@link AdamW}.
     *
     * @deprecated use {@link #Adam(AdamOptions, AdamOptions, List, GroupRule)}
     */
    @Deprecated
    protected Adam(AdamOptions base, AdamOptions defaults, List<ParamGroupSpec> groups, boolean decoupledLocked) {
        this(base, defaults, groups, GroupRule.NONE);
        if (decoupledLocked) {
            throw new IllegalArgumentException("decoupledLocked presets extend AdamW");
        }
    }

    /**
     * The hyperparameters for one kernel call on parameters of {@code group} at step {@code step}
     * (1-based, after incrementing). The extension point for variants: the default is the group's.
     */
    protected AdamHyperparameters hyperparameters(ParamGroup group, long step) {
        return group.hyperparameters();
    }

    // ------------------------------------------------------------------ threads

    /**
     * Splits runs of at least {@code 2 * 16,384} elements across {@code threads} threads of adam4j's
     * own daemon pool (never the common ForkJoinPool), at least 16,384 elements per thread. Results
     * are bitwise identical for any thread count.
     */
    public Adam setParallelism(int threads) {
        return setParallelism(ParallelSteps.defaultExecutor(), threads, ParallelSteps.DEFAULT_GRAIN);
    }

    /**
     * Splits runs across up to {@code threads} tasks on {@code executor} (the caller's thread runs
     * one of them), at least 131,072 elements per task: an executor's threads may have to be woken
     * up, which costs as much as stepping tens of thousands of elements.
     */
    public Adam setParallelism(Executor executor, int threads) {
        return setParallelism(executor, threads, ParallelSteps.EXECUTOR_GRAIN);
    }

    /**
     * Splits runs across up to {@code threads} tasks on {@code executor} (the caller's thread runs
     * one of them), giving each at least {@code grain} elements: a run of fewer than
     * {@code 2 * grain} elements stays on the caller's thread. Chunks start on cache-line
     * boundaries. See {@code ParallelSteps}.
     */
    public Adam setParallelism(Executor executor, int threads, int grain) {
        Objects.requireNonNull(executor, "executor");
        if (threads < 1) throw new IllegalArgumentException("Invalid thread count: " + threads + " (must be >= 1)");
        if (grain < 1) throw new IllegalArgumentException("Invalid grain: " + grain + " (must be >= 1)");
        this.parallel = new ParallelSteps(executor, threads, grain);
        return this;
    }

    @Override
    public int parallelParts(long elements, List<? extends DataBuffer> buffers) {
        return parallel.parts(elements, buffers);
    }

    @Override
    public void runParallel(int parts, java.util.function.IntConsumer part) {
        parallel.run(parts, part);
    }

    // ------------------------------------------------------------------ the step

    /**
     * One kernel call: a run of {@code count} parameters of a group, adjacent in every buffer, whose
     * states are {@code planned[states, states + count)}.
     */
    private record Run(int states, int count, long t, AdamHyperparameters h,
            DataBuffer data, DataBuffer low, DataBuffer grad, DataBuffer m, DataBuffer v, DataBuffer x,
            boolean stochastic, long seed) {}

    // Reused from step to step (cleared after each): no allocation grows with the parameter count.
    private final List<Run> runs = new ArrayList<>();
    private final List<Param> created = new ArrayList<>();
    private final StateSlabs slabs = new StateSlabs(); // the arrays new states are carved from, this step
    private final List<AdamState> planned = new ArrayList<>(); // the runs' states, in order

    /**
     * Plans every kernel call of the step, validates all of them (buffers, aliasing, writability,
     * step overflow), and only then increments the step counts and runs them: a step that fails
     * validation changes nothing, not even the state it would have created.
     *
     * <p>The price, measured with {@code OptimizerBench.manyTensors} (3 interleaved forks each, on the
     * AVX-512 machine of that change): 10,000 separate 1,000-element tensors stepped at ~82 steps/s
     * instead of ~106 with the former single pass,
     * because the validating pass reads each tensor's metadata, which lies between the tensors' arrays,
     * without the data streaming that used to bring it into cache for free; the kernel-only loop
     * ({@code manyCalls}) is unchanged, and so are flat views ({@code FLAT}, one run).
     */
    @Override
    protected void update(Function<Param, DataBuffer> gradOf, double gradScale) {
        try {
            try {
                int firstId = 0; // the state-dict id of the group's first parameter
                for (ParamGroup g : paramGroups()) {
                    plan(g, firstId, gradOf, gradScale, created, runs);
                    firstId += g.params().size();
                }
            } catch (RuntimeException | Error e) {
                for (Param p : created) state.remove(p);
                throw e;
            }
            if (runs.isEmpty()) {
                warnNoGradient();
                return;
            }
            // Everything is validated: each run's step counts move right before its kernel call (one
            // pass over the parameters' metadata instead of two).
            for (Run r : runs) {
                for (int k = r.states, end = r.states + r.count; k < end; k++) planned.get(k).step = r.t;
                parallel.step(r.h, r.t, gradScale, r.data, r.low, r.grad, r.m, r.v, r.x, r.stochastic, r.seed);
            }
        } finally {
            runs.clear();
            created.clear();
            slabs.clear();
            planned.clear();
        }
    }

    /**
     * Plans the group's kernel calls. A run of adjacent parameters becomes one call, except with
     * stochastic rounding: there each parameter is its own call, so that its random bits are indexed by
     * the element's position within the parameter and drawn with the seed {@code groupSeed + id} (its
     * state-dict id), whatever the layout of the buffers.
     */
    private void plan(ParamGroup group, int firstId, Function<Param, DataBuffer> gradOf, double gradScale,
            List<Param> created, List<Run> runs) {
        List<Param> ps = group.params();
        boolean amsgrad = group.amsgrad();
        Long srSeed = group.stochasticRoundingSeed();
        boolean stochastic = srSeed != null;
        int n = ps.size();
        int i = 0;
        while (i < n) {
            Param p = ps.get(i);
            DataBuffer grad = gradOf.apply(p);
            if (grad == null) {
                i++;
                continue;
            }
            checkUsable(p, grad);
            AdamState s = stateFor(p, group, amsgrad, created, slabs, i, gradOf);
            if (s.step == Long.MAX_VALUE) {
                throw new IllegalStateException("the step count of " + p.describe() + " is " + s.step
                        + " (Long.MAX_VALUE) and cannot be incremented");
            }
            int states = planned.size();
            planned.add(s);
            // Extend the run over following parameters stored right after this one, in every buffer,
            // at the same step: one kernel call covers them all (flat views are laid out that way).
            // Adjacency is checked without allocating; the run's buffers are made once at the end.
            DataBuffer lastData = p.data(), lastGrad = grad, lastM = s.expAvg, lastV = s.expAvgSq,
                    lastX = amsgrad ? s.maxExpAvgSq : null, lastLow = s.masterWeightLow;
            long runLength = p.length();
            FlatParameters flat = p.flat;
            int j = i + 1;
            while (j < n && !stochastic) {
                Param q = ps.get(j);
                DataBuffer qg;
                AdamState qs;
                if (flat != null) {
                    // The next view of the same flat allocation lies right after the last one in its data,
                    // and its state is the flat state's view at the same offset (stateFor), so only the
                    // gradient (the caller's, or accumulated sums) and the step count are checked: the
                    // other buffers' records stay unread, a cache miss each saved per parameter.
                    if (q.flat != flat || q.flatIndex != p.flatIndex + (j - i)) break;
                    qg = gradOf.apply(q);
                    if (qg == null) break;
                    checkMemory(q, qg); // the data's memory is the first view's, checked
                    qs = stateFor(q, group, amsgrad, created, slabs, j, gradOf);
                    if (qs.step != s.step || !KernelCall.adjacent(lastGrad, qg)) break;
                    assert adjacentState(ps.get(j - 1), planned.getLast(), q, qs, amsgrad) : q;
                    lastGrad = qg;
                } else {
                    if (!KernelCall.adjacent(lastData, q.data())) break; // first the cheap test: separate tensors stop here
                    qg = gradOf.apply(q);
                    if (qg == null) break;
                    checkUsable(q, qg);
                    qs = stateFor(q, group, amsgrad, created, slabs, j, gradOf);
                    if (qs.step != s.step || !KernelCall.adjacent(lastGrad, qg)
                            || !KernelCall.adjacent(lastM, qs.expAvg) || !KernelCall.adjacent(lastV, qs.expAvgSq)
                            || (amsgrad && !KernelCall.adjacent(lastX, qs.maxExpAvgSq))
                            || (lastLow != null && !KernelCall.adjacent(lastLow, qs.masterWeightLow))) {
                        break;
                    }
                    lastData = q.data(); lastGrad = qg; lastM = qs.expAvg; lastV = qs.expAvgSq;
                    lastX = amsgrad ? qs.maxExpAvgSq : null;
                    lastLow = qs.masterWeightLow;
                    runLength += q.length();
                }
                planned.add(qs);
                j++;
            }
            if (flat != null) runLength = flat.offsetOf(p.flatIndex + (j - i)) - flat.offsetOf(p.flatIndex);
            DataBuffer data = p.data(), m = s.expAvg, v = s.expAvgSq, x = amsgrad ? s.maxExpAvgSq : null;
            DataBuffer low = s.masterWeightLow;
            if (j > i + 1) {
                data = KernelCall.span(data, runLength);
                if (low != null) low = KernelCall.span(low, runLength);
                grad = KernelCall.span(grad, runLength);
                m = KernelCall.span(m, runLength);
                v = KernelCall.span(v, runLength);
                if (x != null) x = KernelCall.span(x, runLength);
            }
            long t = s.step + 1;
            AdamHyperparameters h = hyperparameters(group, t);
            long seed = stochastic ? srSeed + firstId + i : 0;
            try {
                KernelCall.validate(h, t, gradScale, data, low, grad, m, v, x, stochastic, seed);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(runName(ps, i, j) + ": " + e.getMessage(), e);
            } catch (IllegalStateException e) {
                throw new IllegalStateException(runName(ps, i, j) + ": " + e.getMessage(), e);
            }
            runs.add(new Run(states, j - i, t, h, data, low, grad, m, v, x, stochastic, seed));
            i = j;
        }
    }

    /** Whether {@code q}'s data and state lie right after {@code p}'s in every buffer (for assertions). */
    private static boolean adjacentState(Param p, AdamState ps, Param q, AdamState qs, boolean amsgrad) {
        return KernelCall.adjacent(p.data(), q.data()) && KernelCall.adjacent(ps.expAvg, qs.expAvg)
                && KernelCall.adjacent(ps.expAvgSq, qs.expAvgSq)
                && (!amsgrad || KernelCall.adjacent(ps.maxExpAvgSq, qs.maxExpAvgSq))
                && (ps.masterWeightLow == null ? qs.masterWeightLow == null
                        : KernelCall.adjacent(ps.masterWeightLow, qs.masterWeightLow));
    }

    /** A parameter's memory must still exist and be reachable from this thread. */
    private static void checkUsable(Param p, DataBuffer grad) {
        checkMemory(p, p.data());
        checkMemory(p, grad);
    }

    static void checkMemory(Param p, DataBuffer b) {
        if (b instanceof DataBuffer.Segment s) {
            if (!s.segment().scope().isAlive()) {
                throw new IllegalStateException("the memory of " + p.describe() + " was freed (its arena is closed)");
            }
            if (!s.segment().isAccessibleBy(Thread.currentThread())) {
                throw new IllegalStateException("the memory of " + p.describe() + " is confined to another thread");
            }
        }
    }

    private static String runName(List<Param> ps, int from, int to) {
        return to == from + 1 ? ps.get(from).describe()
                : "parameters " + ps.get(from).describe() + " to " + ps.get(to - 1).describe();
    }

    /**
     * A step that finds no gradient at all is legal (PyTorch skips every parameter), but it is
     * almost always a loop that writes gradients without defining them: said once, loudly.
     */
    /** Whether the no-gradient WARNING was logged (once per optimizer). */
    boolean warnedNoGradient() {
        return warnedNoGradient;
    }

    private void warnNoGradient() {
        if (warnedNoGradient) return;
        warnedNoGradient = true;
        System.getLogger("dev.adam4j.optim").log(Level.WARNING, "step() found no gradient for any parameter of "
                + getClass().getSimpleName() + ", so nothing was updated: after zeroGrad() a gradient must be "
                + "defined again (Param.defineGrad(), FlatParameters.defineAllGrads(), or Param.setGrad(buffer))");
    }
}
