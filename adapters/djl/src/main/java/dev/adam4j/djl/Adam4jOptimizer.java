package dev.adam4j.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.ParameterTracker;
import ai.djl.util.Pair;
import dev.adam4j.kernels.EpsilonMode;
import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.Adam;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.AdamState;
import dev.adam4j.optim.AdamW;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.Param;
import dev.adam4j.optim.StateDict;
import dev.adam4j.optim.checkpoint.Checkpoint;
import dev.adam4j.optim.checkpoint.CheckpointException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A DJL {@link Optimizer} that steps every parameter with adam4j: PyTorch's {@code torch.optim.Adam}
 * or {@code AdamW}, bit for bit, instead of DJL's Adam (which puts ε outside the bias correction).
 * The swap is one line:
 *
 * <pre>{@code
 * .optOptimizer(Optimizer.adam().optLearningRateTracker(lr).build())          // DJL's
 * .optOptimizer(Adam4j.adam().optLearningRateTracker(lr).build())             // adam4j's
 * }</pre>
 *
 * <h2>Memory</h2>
 * On the PyTorch engine a parameter whose tensor is dense, contiguous, on the CPU and float32 or
 * float64 is stepped <em>in place</em>: adam4j's kernel reads and writes the tensor's own memory
 * ({@link StepPath#ZERO_COPY}), and the gradient is read from its tensor's memory too. Any other
 * parameter (another engine, a GPU, a non-contiguous view) is read into a Java array, stepped there and
 * written back with {@code NDArray.set} ({@link StepPath#COPY}); the first such parameter is logged
 * once, and {@link #bindings()} tells the path and the count of copied steps of every parameter.
 * Every update checks that the weight still lives where the parameter was bound (DJL replaces a
 * tensor's memory on {@code set} or when a model is loaded); if not, the parameter is bound again
 * and keeps its moments and step count. The gradient's memory is looked up on every call, never kept.
 *
 * <h2>What each update does</h2>
 * The learning rate is the tracker's value for DJL's update count (as DJL's Adam computes it), set
 * as the adam4j group's lr; the gradient is multiplied by DJL's {@code rescaleGrad} inside the fused
 * pass; every parameter keeps its own step count (PyTorch's, for the bias corrections); after the
 * step the weight's gradient is zeroed on the PyTorch engine, as DJL's own optimizers do (DJL's
 * PyTorch engine accumulates gradients across backward passes otherwise). DJL's {@code optClipGrad}
 * (clamping each gradient element from above) has no PyTorch Adam equivalent and is refused.
 *
 * <h2>Names and checkpoints</h2>
 * DJL identifies parameters by random ids; with {@link Builder#forBlock(Block)} they get the block's
 * parameter names (e.g. {@code 01Linear_weight}), are bound all at once in the block's order on the
 * first update, and the state can be saved and loaded across runs with {@link #save(Path)} and
 * {@link #load(Path)} (adam4j's safetensors {@link Checkpoint}). Without a block, parameters are named
 * by their ids, bound as they come, and a checkpoint only loads back into the same run.
 *
 * <p>Updates are serialized ({@code synchronized}). Multi-device training (one parameter mirrored on
 * several devices) is not supported and is refused.
 */
public final class Adam4jOptimizer extends Optimizer {
    private static final System.Logger LOG = System.getLogger(Adam4jOptimizer.class.getName());

    /** How a parameter is stepped. */
    public enum StepPath {
        /** In place, on the tensor's own memory. */
        ZERO_COPY,
        /** Read into a Java array, stepped, written back with {@code NDArray.set}. */
        COPY
    }

    /**
     * What the optimizer knows of one parameter: its name, DJL id, current path (and, for a copy,
     * why), the updates it took, how many of them went through a copy of the weight, and how many
     * read a copy of the gradient (DJL's gradient not readable in place).
     */
    public record Binding(String name, String parameterId, StepPath path, String copyReason, long steps, long copiedSteps,
            long copiedGradients) {}

    private final boolean adamW;
    private final AdamOptions options;
    private final ParameterTracker lrTracker; // null: the fixed lr in options
    private final int beginNumUpdate;
    private final int threads;
    private final Block block;

    private final Map<String, Slot> slots = new LinkedHashMap<>(); // by DJL id, in adam4j's order
    private List<Slot> order = List.of(); // the slots of `adam`'s parameters, by adam4j id
    private Adam adam;
    private int numUpdate;
    private boolean loggedCopy;

    /** One DJL parameter as adam4j sees it. */
    private static final class Slot {
        final String id;
        final String name;
        Param param;
        StepPath path;
        String copyReason;
        MemorySegment bound; // ZERO_COPY: the weight memory `param` views
        Device device;
        DataBuffer gradStage; // staging for a gradient that cannot be read in place
        long steps, copiedSteps, copiedGradients;

        Slot(String id, String name) {
            this.id = id;
            this.name = name;
        }
    }

    private Adam4jOptimizer(Builder b) {
        super(b);
        if (clipGrad >= 0) {
            throw new IllegalArgumentException("optClipGrad(" + clipGrad + ") is DJL's per-element clamp, which PyTorch's "
                    + "Adam does not have: clip the gradients before the step instead");
        }
        if (!Float.isFinite(rescaleGrad)) {
            throw new IllegalArgumentException("Invalid rescaleGrad: " + rescaleGrad + " (must be finite)");
        }
        this.adamW = b.adamW;
        AdamOptions o = AdamOptions.of().betas(b.beta1, b.beta2).eps(b.eps).amsgrad(b.amsgrad).maximize(b.maximize)
                .epsMode(b.epsMode);
        if (b.lr != null) o = o.lr(b.lr);
        if (b.weightDecay != null) o = o.weightDecay(b.weightDecay);
        else if (getWeightDecay() != 0f) o = o.weightDecay(getWeightDecay());
        this.options = o;
        this.lrTracker = b.lrTracker;
        this.beginNumUpdate = b.beginNumUpdate;
        this.threads = b.threads;
        this.block = b.block;
        // Build a throw-away optimizer now so that invalid hyperparameters fail here, not at the first update.
        Param probe = Param.of("probe", new float[1]);
        if (adamW) new AdamW(List.of(probe), o);
        else new Adam(List.of(probe), o);
    }

    // ------------------------------------------------------------------ the update

    /** {@inheritDoc} Steps {@code weight} in place with adam4j on {@code grad}, then zeroes the weight's gradient. */
    @Override
    public synchronized void update(String parameterId, NDArray weight, NDArray grad) {
        Objects.requireNonNull(parameterId, "parameterId");
        Objects.requireNonNull(weight, "weight");
        Objects.requireNonNull(grad, "grad");
        // ---- validate everything before the first write
        Precision precision = precisionOf(weight.getDataType(), parameterId);
        if (grad.getDataType() != weight.getDataType() || !grad.getShape().equals(weight.getShape())) {
            throw new IllegalArgumentException("gradient of parameter " + parameterId + " is " + grad.getDataType() + " "
                    + grad.getShape() + ", the weight is " + weight.getDataType() + " " + weight.getShape());
        }
        Slot s = slots.get(parameterId);
        if (s != null && !s.device.equals(weight.getDevice())) {
            throw new IllegalStateException("parameter '" + s.name + "' was bound on " + s.device + " and now arrives on "
                    + weight.getDevice() + ": multi-device training is not supported by adam4j-djl");
        }

        // ---- bind (or re-bind) the parameter to the weight's current memory; nothing is written yet
        long bytes = Math.multiplyExact(weight.size(), (long) precision.byteSize());
        String[] why = {null};
        MemorySegment memory = inPlace(weight, bytes, why);
        if (s == null) {
            s = bindNew(parameterId, weight, memory, why[0], precision);
        } else if (!matches(s, memory, precision, weight.size())) {
            rebind(s, weight, memory, why[0], precision);
            rebuild();
        }
        int count = updateCount(stepOf(s) + 1);
        if (lrTracker != null) {
            double lr = lrTracker.getNewValue(parameterId, count);
            if (!(lr >= 0.0)) {
                throw new IllegalArgumentException("Invalid learning rate: " + lr + " (from the tracker at update " + count
                        + " of parameter '" + s.name + "')");
            }
            adam.paramGroups().get(0).setLr(lr);
        }

        // ---- gradient and, on the copy path, the weight into Java memory
        DataBuffer g = gradient(s, grad, precision, bytes);
        if (s.path == StepPath.COPY) readInto(weight, s.param.data(), bytes);

        s.param.setGrad(g);
        try {
            adam.step(rescaleGrad);
        } finally {
            s.param.setGrad(null); // never keep a view of DJL's gradient past this call
        }
        if (s.path == StepPath.COPY) {
            writeBack(weight, s.param.data());
            s.copiedSteps++;
        }
        s.steps++;
        numUpdate = count;
        if (isPyTorch(weight)) PtMemory.zeroGrad(weight);
    }

    /**
     * DJL's update count for a parameter taking its {@code step}-th step: {@code beginNumUpdate + step},
     * and never less than any count seen before (DJL's {@code Optimizer.updateCount}, kept here so
     * that a checkpoint restores it from the step counts).
     */
    private int updateCount(long step) {
        return Math.max(numUpdate, (int) Math.min(beginNumUpdate + step, Integer.MAX_VALUE));
    }

    private long stepOf(Slot s) {
        AdamState st = adam.state(s.param);
        return st == null ? 0 : st.step();
    }

    private static Precision precisionOf(DataType type, String what) {
        return switch (type) {
            case FLOAT32 -> Precision.F32;
            case FLOAT64 -> Precision.F64;
            default -> throw new IllegalArgumentException("adam4j steps float32 and float64 parameters; parameter '"
                    + what + "' is " + type);
        };
    }

    /**
     * Whether {@code a} belongs to the PyTorch engine, by class name, so that no class of the engine
     * (nor {@link PtMemory}) is loaded on another engine.
     */
    static boolean isPyTorch(NDArray a) {
        return a.getClass().getName().equals("ai.djl.pytorch.engine.PtNDArray");
    }

    /** The weight's memory when it can be stepped in place, else null with the reason in {@code why[0]}. */
    private static MemorySegment inPlace(NDArray a, long bytes, String[] why) {
        if (!isPyTorch(a)) {
            why[0] = "the engine is " + a.getManager().getEngine().getEngineName() + ", not PyTorch";
            return null;
        }
        return PtMemory.storage(a, bytes, why);
    }

    private static boolean matches(Slot s, MemorySegment memory, Precision precision, long length) {
        if (s.param.data().precision() != precision || s.param.length() != length) return false;
        return switch (s.path) {
            case ZERO_COPY -> memory != null && memory.address() == s.bound.address() && memory.byteSize() == s.bound.byteSize();
            case COPY -> memory == null; // a weight that became contiguous (e.g. after our set) is bound in place
        };
    }

    // ------------------------------------------------------------------ binding

    private Slot bindNew(String parameterId, NDArray weight, MemorySegment memory, String why, Precision precision) {
        if (adam == null && block != null) {
            bindBlock(); // every parameter of the block at once, in the block's order
        }
        Slot s = slots.get(parameterId);
        if (s == null) {
            String name = uniqueName(parameterId);
            s = new Slot(parameterId, name);
            slots.put(parameterId, s);
            rebind(s, weight, memory, why, precision);
        } else if (!matches(s, memory, precision, weight.size())) {
            rebind(s, weight, memory, why, precision);
        }
        rebuild();
        return s;
    }

    private String uniqueName(String wanted) {
        Set<String> taken = new HashSet<>();
        for (Slot x : slots.values()) taken.add(x.name);
        if (!taken.contains(wanted)) return wanted;
        throw new IllegalStateException("two parameters would both be named '" + wanted + "'");
    }

    /** Binds every trainable, initialized float parameter of the block that is not bound yet. */
    private void bindBlock() {
        Set<String> names = new HashSet<>();
        for (Slot x : slots.values()) names.add(x.name);
        for (Pair<String, Parameter> e : block.getParameters()) {
            Parameter p = e.getValue();
            if (slots.containsKey(p.getId()) || !p.requiresGradient() || !p.isInitialized()) continue;
            NDArray w = p.getArray();
            DataType type = w.getDataType();
            if (type != DataType.FLOAT32 && type != DataType.FLOAT64) continue; // refused at its own update
            if (!names.add(e.getKey())) throw new IllegalStateException("the block has two parameters named '" + e.getKey() + "'");
            Precision precision = precisionOf(type, e.getKey());
            String[] why = {null};
            MemorySegment memory = inPlace(w, Math.multiplyExact(w.size(), (long) precision.byteSize()), why);
            Slot s = new Slot(p.getId(), e.getKey());
            slots.put(p.getId(), s);
            rebind(s, w, memory, why[0], precision);
        }
    }

    /** Points {@code s} at {@code weight}: in place when {@code memory} is non-null, else at a Java copy. */
    private void rebind(Slot s, NDArray weight, MemorySegment memory, String why, Precision precision) {
        long[] shape = weight.getShape().getShape();
        long n = weight.size();
        s.device = weight.getDevice();
        s.gradStage = null;
        if (memory != null) {
            s.path = StepPath.ZERO_COPY;
            s.copyReason = null;
            s.bound = memory;
            s.param = Param.of(s.name, DataBuffer.of(memory, precision), shape);
            LOG.log(System.Logger.Level.DEBUG, "adam4j-djl: parameter ''{0}'' is stepped in place", s.name);
        } else {
            s.path = StepPath.COPY;
            s.copyReason = why;
            s.bound = null;
            int len = Math.toIntExact(n);
            DataBuffer data = switch (precision) {
                case F32 -> DataBuffer.of(new float[len]);
                case F64 -> DataBuffer.of(new double[len]);
                // unreachable: this adapter maps only FLOAT32 and FLOAT64 arrays (16-bit DJL arrays are refused above)
                case BF16, F16 -> throw new AssertionError("the DJL adapter does not bind " + precision + " parameters");
            };
            s.param = Param.of(s.name, data, shape);
            if (!loggedCopy) {
                loggedCopy = true;
                LOG.log(System.Logger.Level.WARNING, "adam4j-djl: parameter ''{0}'' is stepped through a copy because {1}; "
                        + "parameters on the PyTorch engine''s CPU are stepped in place", s.name, why);
            }
        }
    }

    /**
     * Makes a new adam4j optimizer over the slots, carrying over the state and hyperparameters of the
     * previous one (a parameter whose length or precision changed starts afresh).
     */
    private void rebuild() {
        List<Slot> next = List.copyOf(slots.values());
        List<Param> params = new ArrayList<>(next.size());
        Map<Slot, Integer> ids = new IdentityHashMap<>();
        List<Integer> idList = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Slot x : next) {
            ids.put(x, params.size());
            idList.add(params.size());
            names.add(x.name);
            params.add(x.param);
        }
        Adam fresh = adamW ? new AdamW(params, options) : new Adam(params, options);
        if (adam != null) {
            StateDict old = adam.stateDict();
            SortedMap<Integer, StateDict.ParamState> carried = new TreeMap<>();
            for (Map.Entry<Integer, StateDict.ParamState> e : old.state().entrySet()) {
                Slot x = order.get(e.getKey());
                StateDict.ParamState ps = e.getValue();
                if (ps.expAvg().length() == x.param.length() && ps.expAvg().precision() == x.param.data().precision()) {
                    carried.put(ids.get(x), ps);
                }
            }
            Map<String, Object> groupOptions = old.paramGroups().get(0).options();
            fresh.loadStateDict(new StateDict(carried, List.of(new StateDict.Group(groupOptions, idList, names))));
        }
        if (threads > 1) fresh.setParallelism(threads);
        adam = fresh;
        order = next;
    }

    // ------------------------------------------------------------------ memory

    private DataBuffer gradient(Slot s, NDArray grad, Precision precision, long bytes) {
        if (s.path == StepPath.ZERO_COPY) {
            String[] why = {null};
            MemorySegment memory = inPlace(grad, bytes, why);
            if (memory != null) return DataBuffer.of(memory, precision);
            if (s.gradStage == null) {
                s.gradStage = DataBuffer.of(Arena.ofAuto().allocate(Math.max(1, bytes), 64), precision).slice(0, s.param.length());
            }
        } else if (s.gradStage == null) {
            s.gradStage = s.param.data().allocateLike();
        }
        readInto(grad, s.gradStage, bytes);
        s.copiedGradients++;
        return s.gradStage;
    }

    /** Copies {@code a}'s values into {@code dst} (same precision and length). */
    private static void readInto(NDArray a, DataBuffer dst, long bytes) {
        ByteBuffer b = a.toByteBuffer();
        if (b.remaining() != bytes) {
            throw new IllegalStateException("DJL returned " + b.remaining() + " bytes for an array of " + bytes);
        }
        MemorySegment src = MemorySegment.ofBuffer(b);
        MemorySegment target = switch (dst) {
            case DataBuffer.F32Array x -> MemorySegment.ofArray(x.array()).asSlice(4L * x.offset(), bytes);
            case DataBuffer.F64Array x -> MemorySegment.ofArray(x.array()).asSlice(8L * x.offset(), bytes);
            case DataBuffer.HalfArray x -> MemorySegment.ofArray(x.array()).asSlice(2L * x.offset(), bytes);
            case DataBuffer.Segment x -> x.bytes();
        };
        target.copyFrom(src); // DJL's buffers hold the values in native byte order, as the segment does
    }

    private static void writeBack(NDArray weight, DataBuffer data) {
        switch (data) {
            case DataBuffer.F32Array x -> weight.set(FloatBuffer.wrap(x.array(), x.offset(), x.count()));
            case DataBuffer.F64Array x -> weight.set(DoubleBuffer.wrap(x.array(), x.offset(), x.count()));
            case DataBuffer.HalfArray x -> throw new AssertionError("the DJL adapter does not bind 16-bit parameters: " + x);
            case DataBuffer.Segment x -> throw new AssertionError("copy-path parameters live in Java arrays: " + x);
        }
    }

    // ------------------------------------------------------------------ inspection and checkpoints

    /** Every bound parameter, in adam4j's order (the checkpoint's ids). */
    public synchronized List<Binding> bindings() {
        List<Binding> r = new ArrayList<>();
        for (Slot s : slots.values()) r.add(new Binding(s.name, s.id, s.path, s.copyReason, s.steps, s.copiedSteps, s.copiedGradients));
        return r;
    }

    /** Updates, over all parameters, that went through a copy. 0 when everything was stepped in place. */
    public synchronized long copiedSteps() {
        long n = 0;
        for (Slot s : slots.values()) n += s.copiedSteps;
        return n;
    }

    /**
     * The adam4j optimizer behind this one (null before anything is bound): its groups, state, state
     * dict and hooks. It is replaced when a parameter is bound or re-bound, so do not keep it across
     * updates.
     */
    public synchronized Adam adam4j() {
        return adam;
    }

    /**
     * Saves the optimizer state (moments, step counts, hyperparameters, names) as an adam4j
     * safetensors checkpoint. The parameters themselves are the model's: save them with DJL.
     *
     * @throws IllegalStateException when nothing is bound yet and no block was given
     */
    public void save(Path file) throws CheckpointException {
        save(file, Checkpoint.SaveOptions.defaults());
    }

    /** {@link #save(Path)} with adam4j's options (e.g. bf16 moments). */
    public synchronized void save(Path file, Checkpoint.SaveOptions saveOptions) throws CheckpointException {
        Checkpoint.save(bound(), file, saveOptions);
    }

    /**
     * Loads a state saved by {@link #save(Path)}: with a block, the block's trainable parameters are
     * bound first (so this works before the first update); the checkpoint must name the same
     * parameters in the same order with the same shapes, or {@link CheckpointException} says which one
     * differs and nothing changes. The learning-rate tracker continues from the restored step counts.
     */
    public synchronized void load(Path file) throws CheckpointException {
        Checkpoint.load(bound(), file);
        long max = 0;
        for (Slot s : slots.values()) max = Math.max(max, stepOf(s));
        numUpdate = 0;
        numUpdate = updateCount(max);
    }

    private Adam bound() {
        if (block != null) {
            int before = slots.size();
            bindBlock();
            if (slots.size() != before || adam == null) {
                if (slots.isEmpty()) throw new IllegalStateException("the block has no initialized trainable parameter yet");
                rebuild();
            }
        }
        if (adam == null) {
            throw new IllegalStateException("no parameter is bound yet: step once, or build with forBlock(block)");
        }
        return adam;
    }

    @Override
    public synchronized String toString() {
        return "Adam4jOptimizer(" + (adam != null ? adam : (adamW ? "AdamW " : "Adam ") + options) + ")";
    }

    // ------------------------------------------------------------------ builder

    /**
     * Options with PyTorch's names and defaults. DJL's inherited options: {@code setRescaleGrad} scales
     * every gradient inside the step, {@code optWeightDecays(float)} is used when
     * {@link #optWeightDecay(double)} is not, {@code optBeginNumUpdate} offsets the count the tracker
     * sees, and {@code optClipGrad} is refused.
     */
    public static final class Builder extends OptimizerBuilder<Builder> {
        private final boolean adamW;
        private Double lr;
        private ParameterTracker lrTracker;
        private double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
        private Double weightDecay;
        private boolean amsgrad, maximize;
        private EpsilonMode epsMode = EpsilonMode.PYTORCH;
        private int beginNumUpdate;
        private int threads = 1;
        private Block block;

        Builder(boolean adamW) {
            this.adamW = adamW;
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** A fixed learning rate, exactly (default 1e-3). Replaces a tracker. */
        public Builder optLearningRate(double v) {
            this.lr = v;
            this.lrTracker = null;
            return this;
        }

        /** DJL's learning-rate tracker, read on every update (a float, widened exactly). Replaces a fixed rate. */
        public Builder optLearningRateTracker(ParameterTracker tracker) {
            this.lrTracker = Objects.requireNonNull(tracker, "tracker");
            this.lr = null;
            return this;
        }

        public Builder optBetas(double b1, double b2) {
            this.beta1 = b1;
            this.beta2 = b2;
            return this;
        }

        /** ε, added to the bias-corrected root of the second moment (PyTorch's place for it). */
        public Builder optEpsilon(double v) {
            this.eps = v;
            return this;
        }

        /** Weight decay: L2 added to the gradient for Adam, decoupled for AdamW (exact double). */
        public Builder optWeightDecay(double v) {
            this.weightDecay = v;
            return this;
        }

        public Builder optAmsgrad(boolean v) {
            this.amsgrad = v;
            return this;
        }

        public Builder optMaximize(boolean v) {
            this.maximize = v;
            return this;
        }

        /** Where ε enters; {@link EpsilonMode#EPS_HAT} is the form DJL's Adam uses. Default PyTorch's. */
        public Builder optEpsMode(EpsilonMode v) {
            this.epsMode = Objects.requireNonNull(v, "epsMode");
            return this;
        }

        @Override
        public Builder optBeginNumUpdate(int v) {
            if (v < 0) throw new IllegalArgumentException("Invalid beginNumUpdate: " + v + " (must be >= 0)");
            this.beginNumUpdate = v;
            return super.optBeginNumUpdate(v);
        }

        /** Splits large parameters across adam4j's own threads (bitwise identical results); default 1. */
        public Builder optParallelism(int threads) {
            if (threads < 1) throw new IllegalArgumentException("Invalid thread count: " + threads + " (must be >= 1)");
            this.threads = threads;
            return this;
        }

        /** Names parameters after {@code block}'s, binds them in its order, and makes checkpoints portable across runs. */
        public Builder forBlock(Block block) {
            this.block = Objects.requireNonNull(block, "block");
            return this;
        }

        /**
         * The optimizer. Hyperparameters are validated here, with PyTorch's messages.
         *
         * @throws IllegalArgumentException for an invalid value or {@code optClipGrad}
         */
        public Adam4jOptimizer build() {
            return new Adam4jOptimizer(this);
        }
    }
}
