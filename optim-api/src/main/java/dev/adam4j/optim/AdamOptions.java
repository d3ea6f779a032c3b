package dev.adam4j.optim;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.EpsilonMode;
import dev.adam4j.kernels.Precision;
import dev.adam4j.kernels.WeightDecay;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Hyperparameter values, each optional: used for an optimizer's defaults and for a group's
 * overrides (a group takes what it sets and inherits the rest, as PyTorch's {@code add_param_group}
 * fills missing keys from {@code defaults}). Immutable; every method returns a copy. Values are
 * validated when set, with PyTorch's ranges and messages ({@link AdamHyperparameters}'s checks).
 *
 * <p>This class is the one home of the {@code param_groups} schema: the keys and their order
 * ({@link #toMap}), how a saved group is read back ({@link #parse}), and PyTorch's defaults
 * ({@link #pytorchDefaults}). The state dict, checkpoints and {@code toString} all go through it.
 *
 * <p>{@code stateDtype} is adam4j's: the precision of the moments, when it is not the parameters'
 * (f32 parameters with bf16 or f16 moments; see {@link #stateDtype(Precision)}). So are
 * {@code splitMasterWeights} (bf16 parameters with exact f32 master weights, {@link #splitMasterWeights})
 * and {@code stochasticRounding} (bf16 parameters rounded stochastically, {@link #stochasticRounding}).
 *
 * <p>{@code extra(key, value)} carries hyperparameters of optimizers built on {@link Adam} (a
 * warm-up length, say) and values schedulers write into a group ({@code initial_lr}); they are saved
 * in the state dict like the others.
 */
public final class AdamOptions {
    /** The built-in keys, as PyTorch names them in {@code param_groups}; every other key is an extra. */
    static final Set<String> KEYS = Set.of("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize",
            "decoupled_weight_decay", "eps_mode", "state_dtype", "split_master_weights", "stochastic_rounding_seed", "foreach", "capturable", "differentiable", "fused", "params",
            "param_names");
    /** PyTorch's keys that adam4j accepts for compatibility and ignores (null or a boolean). */
    private static final List<String> IGNORED = List.of("foreach", "capturable", "differentiable", "fused");

    private static final AdamOptions PYTORCH = new AdamOptions(new LinkedHashMap<>())
            .lr(1e-3).betas(0.9, 0.999).eps(1e-8).weightDecay(0.0).amsgrad(false).maximize(false)
            .decoupledWeightDecay(false).epsMode(EpsilonMode.PYTORCH);

    Double lr, beta1, beta2, eps, weightDecay;
    Boolean amsgrad, maximize, decoupledWeightDecay;
    EpsilonMode epsMode;
    Precision stateDtype; // null, also when complete: the state has each parameter's precision
    Boolean splitMasterWeights; // null (also when complete): off
    Long stochasticRoundingSeed; // null (also when complete): round to nearest even
    final Map<String, Double> extras;

    private AdamOptions(Map<String, Double> extras) {
        this.extras = extras;
    }

    private AdamOptions copy() {
        AdamOptions o = new AdamOptions(new LinkedHashMap<>(extras));
        o.lr = lr; o.beta1 = beta1; o.beta2 = beta2; o.eps = eps; o.weightDecay = weightDecay;
        o.amsgrad = amsgrad; o.maximize = maximize; o.decoupledWeightDecay = decoupledWeightDecay;
        o.epsMode = epsMode; o.stateDtype = stateDtype;
        o.splitMasterWeights = splitMasterWeights; o.stochasticRoundingSeed = stochasticRoundingSeed;
        return o;
    }

    /** No value set: everything inherited. */
    public static AdamOptions of() {
        return new AdamOptions(new LinkedHashMap<>());
    }

    /**
     * PyTorch's {@code torch.optim.Adam} defaults, every value set: lr 1e-3, betas (0.9, 0.999),
     * eps 1e-8, weight decay 0, amsgrad, maximize and decoupled weight decay off, eps mode
     * {@link EpsilonMode#PYTORCH}. A preset lays its own values over these.
     */
    public static AdamOptions pytorchDefaults() {
        return PYTORCH;
    }

    public AdamOptions lr(double v) {
        AdamHyperparameters.checkLr(v);
        AdamOptions o = copy(); o.lr = v; return o;
    }

    public AdamOptions betas(double b1, double b2) {
        AdamHyperparameters.checkBetas(b1, b2);
        AdamOptions o = copy(); o.beta1 = b1; o.beta2 = b2; return o;
    }

    public AdamOptions eps(double v) {
        AdamHyperparameters.checkEps(v);
        AdamOptions o = copy(); o.eps = v; return o;
    }

    public AdamOptions weightDecay(double v) {
        AdamHyperparameters.checkWeightDecay(v);
        AdamOptions o = copy(); o.weightDecay = v; return o;
    }

    public AdamOptions amsgrad(boolean v) {
        AdamOptions o = copy(); o.amsgrad = v; return o;
    }

    public AdamOptions maximize(boolean v) {
        AdamOptions o = copy(); o.maximize = v; return o;
    }

    /** AdamW's decay ({@code p·(1 − lr·wd)}) instead of L2 ({@code g + wd·p}). */
    public AdamOptions decoupledWeightDecay(boolean v) {
        AdamOptions o = copy(); o.decoupledWeightDecay = v; return o;
    }

    public AdamOptions epsMode(EpsilonMode v) {
        AdamOptions o = copy(); o.epsMode = Objects.requireNonNull(v, "epsMode"); return o;
    }

    /**
     * The precision of the moments ({@code exp_avg}, {@code exp_avg_sq} and, with amsgrad,
     * {@code max_exp_avg_sq}) of the group's parameters. Unset, the default, each parameter's state has
     * the parameter's own precision, as in PyTorch. {@link Precision#BF16} or {@link Precision#F16} with
     * {@link Precision#F32} parameters is the mixed layout: the parameters and gradients stay f32, the
     * step is computed in f32 and only the moments are rounded (to nearest even) when stored, 20 bytes
     * an element per step instead of 28 ({@link dev.adam4j.kernels.AdamKernels}' f32-parameter,
     * 16-bit-moment step). Setting the parameters' own precision is the same as leaving it unset.
     *
     * <p>Why a group option: groups are how PyTorch configures some tensors differently
     * ({@code torchdistx}'s {@code AnyPrecisionAdamW} takes its {@code momentum_dtype} and
     * {@code variance_dtype} the same way), so one model can keep, say, its embeddings' moments in f32
     * and the rest in bf16. One knob covers all three buffers because the kernel stores them in one type.
     *
     * <p>Checked against every parameter when the group is made, before anything is allocated: f64
     * parameters keep f64 state, bf16 and f16 parameters their own type (split f32 master weights are a
     * different layout), and views of one {@link FlatParameters} allocation share one state dtype (their
     * state is one buffer). It is part of how the optimizer is built, like the parameters' precision: it
     * appears in the state dict as {@code state_dtype} (PyTorch's dtype name, e.g. {@code "bfloat16"}),
     * but {@link Optimizer#loadStateDict} keeps the optimizer's own and converts the saved moments to it.
     *
     * @throws NullPointerException if {@code v} is null
     */
    public AdamOptions stateDtype(Precision v) {
        AdamOptions o = copy(); o.stateDtype = Objects.requireNonNull(v, "stateDtype"); return o;
    }

    /** A copy with the state dtype {@code v}, null (each parameter's precision) allowed: for loadStateDict. */
    AdamOptions withStateDtype(Precision v) {
        AdamOptions o = copy(); o.stateDtype = v; return o;
    }

    /**
     * bf16 parameters with split f32 master weights ({@code true}): each parameter stays a plain bf16
     * tensor that the model reads, and the optimizer keeps, as state buffer {@code master_weight_low}, the
     * low 16 bits of an f32 master weight whose high 16 bits are the bf16 itself. The step is exactly the
     * f32 Adam step on the master weights (bit for bit), with f32 moments; the bf16 the model then reads
     * is the new master truncated toward zero ({@link dev.adam4j.kernels.AdamKernels#stepSplit}). Memory
     * per element: 2 (bf16) + 2 (low half) + 8 (f32 moments) bytes, the same as f32 Adam, and 28 bytes
     * moved per step, as f32. A new state starts with zero low halves, so the master is the bf16 value.
     *
     * <p>Checked when the group is made: for BF16 parameters only (named in the message), with f32
     * moments (a {@link #stateDtype} other than F32 is refused), not with {@link #stochasticRounding}
     * (nothing is rounded). Like the state dtype it is part of how the optimizer is built: it appears in
     * the state dict as {@code split_master_weights}, and {@link Optimizer#loadStateDict} keeps the
     * optimizer's own.
     */
    public AdamOptions splitMasterWeights(boolean v) {
        AdamOptions o = copy(); o.splitMasterWeights = v; return o;
    }

    /**
     * Stochastic rounding of the group's bf16 parameters, with random bits drawn from {@code seed}:
     * the all-bf16 step (PyTorch's fused-kernel contract) with only the final rounding of the parameter
     * changed, unbiased instead of to nearest even, so that updates smaller than half a bf16 ulp still
     * move the weights on average ({@link dev.adam4j.kernels.AdamKernels#stepStochastic}); the moments are
     * still rounded to nearest even. The bits of element {@code i} of the parameter with state-dict id
     * {@code k} at step {@code t} are a hash of ({@code seed + k}, {@code t}, {@code i}), so a run is
     * reproducible and independent of the thread count, chunking and vector width.
     *
     * <p>Checked when the group is made: for BF16 parameters only, and not with
     * {@link #splitMasterWeights}. In the state dict as {@code stochastic_rounding_seed} (an integer);
     * {@link Optimizer#loadStateDict} keeps the optimizer's own, as for the state dtype.
     */
    public AdamOptions stochasticRounding(long seed) {
        AdamOptions o = copy(); o.stochasticRoundingSeed = seed; return o;
    }

    /** A copy with {@code from}'s layout options (state dtype, split master weights, stochastic rounding): for loadStateDict. */
    AdamOptions withLayoutOf(AdamOptions from) {
        AdamOptions o = copy();
        o.stateDtype = from.stateDtype;
        o.splitMasterWeights = from.splitMasterWeights;
        o.stochasticRoundingSeed = from.stochasticRoundingSeed;
        return o;
    }

    /** Whether split master weights are on (complete or not: unset is off). */
    boolean split() {
        return Boolean.TRUE.equals(splitMasterWeights);
    }

    /** An optimizer-specific hyperparameter (finite), or a value a scheduler keeps in the group. */
    public AdamOptions extra(String key, double value) {
        Objects.requireNonNull(key, "key");
        if (KEYS.contains(key)) {
            throw new IllegalArgumentException("'" + key + "' is a built-in hyperparameter, not an extra");
        }
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("Invalid value for '" + key + "': " + value + " (must be finite)");
        }
        AdamOptions o = copy(); o.extras.put(key, value); return o;
    }

    /** {@code this} where set, else {@code base}. */
    AdamOptions over(AdamOptions base) {
        AdamOptions o = base.copy();
        if (lr != null) o.lr = lr;
        if (beta1 != null) { o.beta1 = beta1; o.beta2 = beta2; }
        if (eps != null) o.eps = eps;
        if (weightDecay != null) o.weightDecay = weightDecay;
        if (amsgrad != null) o.amsgrad = amsgrad;
        if (maximize != null) o.maximize = maximize;
        if (decoupledWeightDecay != null) o.decoupledWeightDecay = decoupledWeightDecay;
        if (epsMode != null) o.epsMode = epsMode;
        if (stateDtype != null) o.stateDtype = stateDtype;
        if (splitMasterWeights != null) o.splitMasterWeights = splitMasterWeights;
        if (stochasticRoundingSeed != null) o.stochasticRoundingSeed = stochasticRoundingSeed;
        o.extras.putAll(extras);
        return o;
    }

    /**
     * The kernel's view of these (complete) options. Decay is L2 or decoupled by the flag; the kernel
     * applies none when the weight decay is 0, as PyTorch skips it ({@link AdamHyperparameters#effectiveWeightDecay}).
     */
    AdamHyperparameters hyperparameters() {
        return new AdamHyperparameters(lr, beta1, beta2, eps, weightDecay,
                decoupledWeightDecay ? WeightDecay.DECOUPLED : WeightDecay.L2, amsgrad, maximize, epsMode);
    }

    /**
     * These (complete) options under PyTorch's {@code param_groups} keys, in PyTorch's order
     * ({@code betas} a 2-list; {@code foreach}, {@code capturable}, {@code differentiable}, {@code fused}
     * as PyTorch reports them on CPU), then our {@code eps_mode} (lower case), our {@code state_dtype}
     * when it is set (PyTorch's name of the dtype: {@code "bfloat16"}, {@code "float16"}, {@code "float32"},
     * {@code "float64"}), {@code split_master_weights} (true) and {@code stochastic_rounding_seed} (a
     * {@code Long}) when they are on, and the extras. A new map.
     */
    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lr", lr);
        m.put("betas", List.of(beta1, beta2));
        m.put("eps", eps);
        m.put("weight_decay", weightDecay);
        m.put("amsgrad", amsgrad);
        m.put("maximize", maximize);
        m.put("foreach", null);
        m.put("capturable", false);
        m.put("differentiable", false);
        m.put("fused", null);
        m.put("decoupled_weight_decay", decoupledWeightDecay);
        m.put("eps_mode", epsMode.name().toLowerCase(Locale.ROOT));
        if (stateDtype != null) m.put("state_dtype", torchName(stateDtype));
        if (split()) m.put("split_master_weights", true);
        if (stochasticRoundingSeed != null) m.put("stochastic_rounding_seed", stochasticRoundingSeed);
        m.putAll(extras);
        return m;
    }

    /**
     * A saved group's options ({@link #toMap}'s schema), validated; a built-in key it lacks (a state
     * saved before the key existed) takes its value from {@code defaults}, which are complete.
     * Messages start with {@code where}.
     */
    static AdamOptions parse(Map<String, Object> o, AdamOptions defaults, String where) {
        try {
            AdamOptions r = of().lr(number(o, "lr", where, defaults.lr));
            Object betas = o.containsKey("betas") ? o.get("betas") : List.of(defaults.beta1, defaults.beta2);
            if (!(betas instanceof List<?> bl) || bl.size() != 2 || !(bl.get(0) instanceof Number b1)
                    || !(bl.get(1) instanceof Number b2)) {
                throw new IllegalArgumentException(where + ".betas must be a list of two numbers, got " + betas);
            }
            r = r.betas(b1.doubleValue(), b2.doubleValue())
                    .eps(number(o, "eps", where, defaults.eps))
                    .weightDecay(number(o, "weight_decay", where, defaults.weightDecay))
                    .amsgrad(flag(o, "amsgrad", where, false))
                    .maximize(flag(o, "maximize", where, false))
                    .decoupledWeightDecay(flag(o, "decoupled_weight_decay", where, false));
            Object mode = o.getOrDefault("eps_mode", "pytorch");
            if (!(mode instanceof String ms)) throw new IllegalArgumentException(where + ".eps_mode must be a string, got " + mode);
            // exactly the names toMap writes: a file that says "pyTorch" would otherwise load and save back as another text
            EpsilonMode em = null;
            for (EpsilonMode c : EpsilonMode.values()) {
                if (c.name().toLowerCase(Locale.ROOT).equals(ms)) em = c;
            }
            if (em == null) throw new IllegalArgumentException(where + ".eps_mode '" + ms + "' is not one of pytorch, eps_hat");
            r = r.epsMode(em);
            Object sd = o.get("state_dtype");
            if (sd != null) {
                if (!(sd instanceof String ss)) throw new IllegalArgumentException(where + ".state_dtype must be a string, got " + sd);
                Precision sp = null;
                for (Precision c : Precision.values()) {
                    if (torchName(c).equals(ss)) sp = c;
                }
                if (sp == null) {
                    throw new IllegalArgumentException(where + ".state_dtype '" + ss
                            + "' is not one of float32, float64, bfloat16, float16");
                }
                r = r.stateDtype(sp);
            }
            Object split = o.get("split_master_weights");
            if (split != null) {
                if (!(split instanceof Boolean b)) {
                    throw new IllegalArgumentException(where + ".split_master_weights must be a boolean, got " + split);
                }
                r = r.splitMasterWeights(b);
            }
            Object seed = o.get("stochastic_rounding_seed");
            if (seed != null) {
                if (!(seed instanceof Long || seed instanceof Integer)) {
                    throw new IllegalArgumentException(where + ".stochastic_rounding_seed must be an integer, got " + seed);
                }
                r = r.stochasticRounding(((Number) seed).longValue());
            }
            for (String ignored : IGNORED) {
                Object v = o.get(ignored);
                if (v != null && !(v instanceof Boolean)) {
                    throw new IllegalArgumentException(where + "." + ignored + " must be a boolean or null, got " + v);
                }
            }
            for (Map.Entry<String, Object> e : o.entrySet()) {
                if (KEYS.contains(e.getKey())) continue;
                if (!(e.getValue() instanceof Number n)) {
                    throw new IllegalArgumentException(where + "." + e.getKey() + " must be a number, got " + e.getValue());
                }
                r = r.extra(e.getKey(), n.doubleValue());
            }
            return r;
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(where) ? e : new IllegalArgumentException(where + ": " + e.getMessage(), e);
        }
    }

    /** PyTorch's name of the dtype ({@code torch.bfloat16} is {@code "bfloat16"}). */
    static String torchName(Precision p) {
        return switch (p) {
            case F32 -> "float32";
            case F64 -> "float64";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
        };
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
}
