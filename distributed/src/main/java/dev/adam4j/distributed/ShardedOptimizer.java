package dev.adam4j.distributed;

import dev.adam4j.kernels.GradNorms;
import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.FlatParameters;
import dev.adam4j.optim.Optimizer;
import dev.adam4j.optim.Param;
import dev.adam4j.optim.clip.ClipGrad;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * ZeRO stage 1 over a {@link Collective}: every rank holds the whole {@link FlatParameters} (values
 * and gradients) but the optimizer's moments only for its own shard ({@link ShardLayout}), 1/N of
 * them. A step:
 * <ol>
 * <li>reduce-scatters the gradients: rank r receives the sum over the ranks of shard r;</li>
 * <li>steps its shard with an ordinary adam4j optimizer ({@link #optimizer()}, made by the factory
 *     given to {@link #create}), the mean (1/N) and any clipping coefficient folded into the
 *     kernel's gradient scale;</li>
 * <li>all-gathers the parameters, so every rank holds the whole updated model.</li>
 * </ol>
 * The shard's optimizer is a normal {@link Optimizer} with one group over one parameter (the owned
 * part of the flat buffer, named {@code "shard"}): schedulers, {@code GradScaler}-style gradient
 * scales, hooks and its state dict work on it as in one process (every rank runs the same schedule).
 *
 * <p>For the same reduced gradient the step is bit-identical to a single-process step of the same
 * optimizer on the whole flat buffer with gradient scale {@code gradScale / N}: the kernel is
 * elementwise and the shard is a slice of the same buffers. What the reduction adds is summed in the
 * engine's order, which depends on N; {@link #accumulateMicroBatch()} offers a reduction whose
 * result does not.
 *
 * <h2>Deterministic reduction</h2>
 * The global batch is M micro-batches, micro-batch {@code m} computed by rank {@code m mod N}, in
 * rounds: in round k every rank puts the gradient of micro-batch {@code k·N + rank} in the flat
 * gradient buffer and calls {@link #accumulateMicroBatch()}, an all-to-all that gives each rank its
 * shard of every rank's gradient, which it adds to its sum in micro-batch order. After the last
 * round {@link #stepAccumulated(double)} steps on the mean. The sum is then
 * {@code ((g0 + g1) + g2) + ...} in micro-batch order for any N that divides M, so the parameters
 * do not depend on N at all; it costs one all-to-all per round (M/N rounds) instead of one
 * reduce-scatter, and one more flat buffer.
 *
 * <h2>Clipping</h2>
 * {@link #clipAndStep} clips the mean gradient's global norm: by default each rank reduces its shard
 * of the summed gradient and one scalar all-reduce combines them (the total depends on N in its last
 * bits, except for the inf-norm, which is exact); with {@link #setExactClipping(boolean)} the summed
 * gradient is all-gathered into every rank's flat gradient buffer first and the norm is
 * {@link ClipGrad#totalNorm} of the parameters' gradients, bit-identical to a single process's.
 *
 * <p>A collective that fails leaves the group unusable: this object then refuses to step. Not
 * thread-safe.
 */
public final class ShardedOptimizer implements AutoCloseable {
    private final FlatParameters flat;
    private final Collective collective;
    private final Function<List<Param>, ? extends Optimizer> factory;
    private final ShardLayout layout;
    private final Optimizer optimizer;
    private final Param shard;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment dataAll, gradAll, dataOwned;
    private final DataBuffer reduced; // shardLength elements: this rank's summed gradient
    private final MemorySegment reducedAll;
    private final List<DataBuffer> paramGrads; // per-parameter views of the flat gradient (exact clipping)
    private DataBuffer exchange; // paddedLength elements, for the deterministic all-to-all
    private int microBatches;
    private boolean exactClipping;
    private boolean broken;
    private boolean closed;

    private ShardedOptimizer(FlatParameters flat, Collective collective, Function<List<Param>, ? extends Optimizer> factory) {
        this.flat = flat;
        this.collective = collective;
        this.factory = factory;
        DataBuffer data = flat.data();
        Precision p = data.precision();
        this.layout = ShardLayout.of(data.length(), collective.worldSize(), p);
        int rank = collective.rank();
        this.dataAll = Buffers.storage(data, layout.paddedLength(), "the flat parameter buffer");
        this.gradAll = Buffers.storage(flat.grad(), layout.paddedLength(), "the flat gradient buffer");
        long bytes = p.byteSize();
        this.dataOwned = dataAll.asSlice(layout.start(rank) * bytes, layout.shardLength() * bytes);
        this.reduced = Buffers.allocate(data, layout.shardLength(), arena);
        this.reducedAll = Buffers.storage(reduced, layout.shardLength(), "the reduced gradient");
        long owned = layout.ownedLength(rank);
        this.shard = Param.of("shard", data.slice(Math.min(layout.start(rank), data.length()), owned));
        shard.setGrad(reduced.slice(0, owned));
        Optimizer o = factory.apply(List.of(shard));
        Objects.requireNonNull(o, "the optimizer factory returned null");
        if (o.paramGroups().size() != 1 || o.paramGroups().get(0).params().size() != 1
                || o.paramGroups().get(0).params().get(0) != shard) {
            throw new IllegalArgumentException("the optimizer factory must make an optimizer of exactly the one parameter it is given");
        }
        Precision state = o.paramGroups().get(0).statePrecision(shard);
        if (state != p) {
            throw new IllegalArgumentException("the shard's optimizer keeps " + state + " moments (stateDtype) for " + p
                    + " parameters: not supported when sharding yet (sharded checkpoints gather the moments in the "
                    + "parameters' precision)");
        }
        if (o.paramGroups().get(0).stochasticRoundingSeed() != null) {
            throw new IllegalArgumentException("the shard's optimizer rounds stochastically: not supported when sharding yet "
                    + "(its random bits are indexed by the position in the shard, not in each parameter)");
        }
        this.optimizer = o;
        List<DataBuffer> grads = new ArrayList<>();
        long at = 0;
        for (Param q : flat.params()) {
            grads.add(flat.grad().slice(at, q.length()));
            at += q.length();
        }
        this.paramGrads = List.copyOf(grads);
    }

    /**
     * A sharded optimizer of {@code flat} over {@code collective}: {@code factory} makes the shard's
     * optimizer from the one parameter it is given, e.g. {@code ps -> new AdamW(ps, AdamOptions.of().lr(3e-4))}.
     * {@code flat} must have been built with {@code .padTo(ShardLayout.padMultiple(precision, worldSize))}
     * (and in native memory for an engine that needs native buffers, as Gloo does), and hold the same
     * initial values on every rank.
     *
     * @throws IllegalArgumentException if the flat buffers are too short for the layout
     */
    public static ShardedOptimizer create(FlatParameters flat, Collective collective,
            Function<List<Param>, ? extends Optimizer> factory) {
        Objects.requireNonNull(flat, "flat");
        Objects.requireNonNull(collective, "collective");
        Objects.requireNonNull(factory, "factory");
        Precision p = flat.data().precision();
        if (p.isReduced()) {
            throw new IllegalArgumentException("sharding " + p + " parameters is not supported yet (f32 and f64 are): the "
                    + "collectives and the deterministic reduction add in f32/f64 only");
        }
        return new ShardedOptimizer(flat, collective, factory);
    }

    public ShardLayout layout() { return layout; }

    /** The factory the shard's optimizer was made with (checkpoint loading makes more with it). */
    Function<List<Param>, ? extends Optimizer> factory() { return factory; }
    public Collective collective() { return collective; }
    public FlatParameters flat() { return flat; }

    /** The shard's optimizer: attach schedulers, read or set hyperparameters, take its state dict. */
    public Optimizer optimizer() { return optimizer; }

    /** The owned slice of the flat parameters, the shard optimizer's only parameter. */
    public Param shardParam() { return shard; }

    /**
     * This rank's summed gradient after the last reduction: {@code layout().ownedLength(rank)}
     * elements (a live buffer, overwritten by the next reduction).
     */
    public DataBuffer reducedGrad() { return shard.grad(); }

    /**
     * With {@code exact}, clipping all-gathers the summed gradient into every rank's flat gradient
     * buffer (one more all-gather, which overwrites the local gradients) and computes the norm as one
     * process would; without (the default), one scalar all-reduce of per-shard norms.
     */
    public ShardedOptimizer setExactClipping(boolean exact) {
        this.exactClipping = exact;
        return this;
    }

    // ------------------------------------------------------------------ steps

    /** Reduce-scatter, step on the mean gradient, all-gather. */
    public void step() {
        step(1.0);
    }

    /** {@link #step()} with the gradients also multiplied by {@code gradScale} (an AMP unscale). */
    public void step(double gradScale) {
        checkScale(gradScale);
        checkUsable(false);
        reduceScatter();
        finish(gradScale, collective.worldSize(), Double.NaN, 0, false);
    }

    /**
     * Reduce-scatter, clip the mean gradient's global {@code normType}-norm to {@code maxNorm}
     * (PyTorch's {@code clip_grad_norm_} coefficient), step, all-gather. Returns the total norm of
     * the mean gradient (before clipping).
     *
     * @throws IllegalArgumentException (on every rank, nothing stepped) if the norm is non-finite and
     *     {@code errorIfNonfinite}
     */
    public double clipAndStep(double maxNorm, double normType, boolean errorIfNonfinite) {
        checkClip(maxNorm, normType);
        checkUsable(false);
        reduceScatter();
        return finish(1.0, collective.worldSize(), maxNorm, normType, errorIfNonfinite);
    }

    /**
     * One round of the deterministic reduction: every rank's flat gradient buffer holds the gradient
     * of its micro-batch of this round ({@code round·N + rank}); afterwards this rank's sum holds
     * its shard of the sum of every micro-batch so far, added in micro-batch order.
     */
    public void accumulateMicroBatch() {
        checkUsable(true);
        int n = collective.worldSize();
        Precision p = flat.data().precision();
        if (exchange == null) exchange = Buffers.allocate(flat.data(), layout.paddedLength(), arena);
        MemorySegment ex = Buffers.storage(exchange, layout.paddedLength(), "the exchange buffer");
        run(() -> collective.allToAll(gradAll, ex, p));
        long bytes = layout.shardLength() * p.byteSize();
        for (int r = 0; r < n; r++) {
            MemorySegment chunk = ex.asSlice(r * bytes, bytes);
            if (microBatches == 0 && r == 0) reducedAll.copyFrom(chunk);
            else Buffers.add(reducedAll, chunk, p);
        }
        microBatches += n;
    }

    /** Micro-batches summed by {@link #accumulateMicroBatch()} since the last step. */
    public int accumulatedMicroBatches() {
        return microBatches;
    }

    /** Steps on the mean of the accumulated micro-batches (times {@code gradScale}), then all-gathers. */
    public void stepAccumulated(double gradScale) {
        checkScale(gradScale);
        checkAccumulated();
        finish(gradScale, microBatches, Double.NaN, 0, false);
        microBatches = 0; // the round ends only when the step happened
    }

    /** {@link #stepAccumulated} with clipping as in {@link #clipAndStep}; returns the norm of the mean. */
    public double clipAndStepAccumulated(double maxNorm, double normType, boolean errorIfNonfinite) {
        checkClip(maxNorm, normType);
        checkAccumulated();
        double norm = finish(1.0, microBatches, maxNorm, normType, errorIfNonfinite);
        microBatches = 0; // a refused (non-finite) round can be retried or inspected
        return norm;
    }

    /**
     * Makes every rank's parameters its owners' values (an all-gather of the shards): call it once
     * after loading a sharded checkpoint or when the ranks' initial values might differ.
     */
    public void syncParameters() {
        checkUsable(false);
        allGatherParams();
    }

    /**
     * The scale the kernel multiplies the summed gradient by: {@code gradScale · coef / count}, in
     * this order, in double. A single-process step with this scale on the same summed gradient gives
     * the same bits.
     */
    public static double kernelScale(double gradScale, double coef, int count) {
        return gradScale * coef / count;
    }

    /**
     * The global norm of the mean ({@code sum / count}) of {@code normType}, computed as
     * {@link #clipAndStep} computes it without exact clipping, from per-rank partial reductions.
     */
    private double globalNorm(double normType, int count) {
        if (exactClipping) {
            allGatherGrads();
            return ClipGrad.totalNorm(paramGrads, normType) / count;
        }
        DataBuffer g = shard.grad();
        MemorySegment s = Buffers.storage(g, g.length(), "the reduced gradient");
        Precision p = g.precision();
        if (normType == Double.POSITIVE_INFINITY) {
            double local = g.length() == 0 ? 0.0 : GradNorms.maxAbs(p, s, 0, g.length());
            double[] out = new double[1];
            run(() -> out[0] = collective.allReduceMax(local));
            return out[0] / count;
        }
        double local = g.length() == 0 ? 0.0 : normType == 2.0 ? GradNorms.sumOfSquares(p, s, 0, g.length())
                : GradNorms.powerSum(p, s, 0, g.length(), normType);
        double[] out = new double[1];
        run(() -> out[0] = collective.allReduceSum(local));
        double total = normType == 2.0 ? Math.sqrt(out[0]) : Math.pow(out[0], 1.0 / normType);
        // rounded to the gradients' dtype, as ClipGrad.totalNorm (and PyTorch) return it
        return (p == Precision.F32 ? (float) total : total) / count;
    }

    private double finish(double gradScale, int count, double maxNorm, double normType, boolean errorIfNonfinite) {
        double coef = 1.0;
        double norm = Double.NaN;
        if (!Double.isNaN(maxNorm)) {
            norm = globalNorm(normType, count);
            if (errorIfNonfinite && !Double.isFinite(norm)) {
                throw new IllegalArgumentException("The total norm of order " + normType + " for gradients from "
                        + "all ranks is non-finite (" + norm + "), so it cannot be clipped. To disable this error and "
                        + "scale the gradients by the non-finite norm anyway, set errorIfNonfinite=false");
            }
            coef = ClipGrad.coefficient(norm, maxNorm, shard.grad().precision()); // PyTorch's arithmetic, in the dtype
        }
        double scale = kernelScale(gradScale, coef, count);
        if (!Double.isFinite(scale)) {
            throw new IllegalArgumentException("the gradient scale " + gradScale + " x clip coefficient " + coef
                    + " / " + count + " is not finite");
        }
        try {
            optimizer.step(scale);
        } catch (RuntimeException | Error e) {
            // Every rank validates the same configuration, so all fail alike; a rank-local failure
            // (freed memory) leaves the others waiting in the all-gather: mark the group broken.
            broken = true;
            throw e;
        }
        allGatherParams();
        return norm;
    }

    private void reduceScatter() {
        Precision p = flat.data().precision();
        run(() -> collective.reduceScatter(gradAll, reducedAll, p));
    }

    private void allGatherParams() {
        Precision p = flat.data().precision();
        run(() -> collective.allGather(dataOwned, dataAll, p));
    }

    private void allGatherGrads() {
        Precision p = flat.data().precision();
        run(() -> collective.allGather(reducedAll, gradAll, p));
    }

    private void run(Runnable op) {
        try {
            op.run();
        } catch (RuntimeException | Error e) {
            broken = true;
            throw e;
        }
    }

    private void checkUsable(boolean accumulating) {
        if (closed) throw new IllegalStateException("this sharded optimizer is closed");
        if (broken) throw new IllegalStateException("a collective operation failed earlier: the group is unusable, "
                + "restart every rank from the last checkpoint");
        if (!accumulating && microBatches > 0) {
            throw new IllegalStateException(microBatches + " micro-batches are accumulated: finish the round with "
                    + "stepAccumulated or clipAndStepAccumulated");
        }
    }

    private void checkAccumulated() {
        if (closed || broken) checkUsable(true);
        if (microBatches == 0) throw new IllegalStateException("no micro-batch was accumulated since the last step");
    }

    private static void checkScale(double gradScale) {
        if (!Double.isFinite(gradScale)) throw new IllegalArgumentException("Invalid gradScale: " + gradScale + " (must be finite)");
    }

    private static void checkClip(double maxNorm, double normType) {
        if (!(maxNorm >= 0) || Double.isInfinite(maxNorm)) {
            throw new IllegalArgumentException("Invalid max_norm: " + maxNorm + " (must be finite and >= 0)");
        }
        if (!(normType > 0)) throw new IllegalArgumentException("Invalid norm_type: " + normType + " (must be > 0 or inf)");
    }

    /** Frees this object's buffers (not the collective, which the caller owns). Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        arena.close();
    }
}
