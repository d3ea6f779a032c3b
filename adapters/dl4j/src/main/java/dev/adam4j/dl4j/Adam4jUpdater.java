package dev.adam4j.dl4j;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.AdamKernels;
import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.ParallelRanges;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;

/**
 * The per-block state of {@link Adam4j}: {@code exp_avg}, {@code exp_avg_sq} (and
 * {@code max_exp_avg_sq}) as views of DL4J's updater state array, stepped in place by adam4j's kernel
 * through their native addresses (no copy).
 *
 * <h2>The update DL4J subtracts</h2>
 * DL4J calls {@link #applyUpdater} with the gradient, then subtracts what it leaves there from the
 * parameters ({@code params.subi(update)}, ND4J's element-wise subtraction); the updater never sees
 * the parameters. adam4j's step ends with {@code p' = p + d}, where {@code d = (−stepSize·m)/denom}
 * does not depend on {@code p} (no weight decay inside the updater). The updater runs adam4j's
 * {@link AdamKernels#updateToSubtract}, which steps the moments and writes {@code u = −d} over the
 * gradient, in the same pass: IEEE 754 defines {@code x − y} as {@code x + (−y)}, so DL4J computes
 * {@code fl(p − u) = fl(p + d)}, the kernel's own last operation, hence bit for bit the parameter
 * adam4j's step produces (signed zeros, infinities and NaN included). The pass reads the gradient and
 * the moments and writes the moments and the update: 24 bytes an f32 element, nothing allocated.
 */
public final class Adam4jUpdater implements GradientUpdater<Adam4j> {
    /** Keys of {@link #getState()}: DL4J's own Adam uses "M" and "V"; AMSGrad's maximum is "V_HAT". */
    public static final String M_STATE = "M", V_STATE = "V", V_HAT_STATE = "V_HAT";

    private final Adam4j config;
    private INDArray m, v, vHat;
    private Precision precision;
    private long length = -1;

    Adam4jUpdater(Adam4j config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    Adam4jUpdater(Adam4j config, INDArray viewArray, boolean initialize) {
        this(config);
        setStateViewArray(viewArray, null, 'c', initialize);
    }

    @Override
    public Adam4j getConfig() {
        return config;
    }

    /**
     * Uses {@code viewArray} (a contiguous FLOAT or DOUBLE array of {@code stateSize(n)} elements, a view
     * of DL4J's updater state) for the moments: the first {@code n} elements are {@code exp_avg}, the next
     * {@code n} {@code exp_avg_sq}, the last {@code n} {@code max_exp_avg_sq} with AMSGrad. Zeroes it when
     * {@code initialize}. The gradient shape and order are not needed: the state is flat, as the gradient.
     */
    @Override
    public void setStateViewArray(INDArray viewArray, long[] gradientShape, char gradientOrder, boolean initialize) {
        Objects.requireNonNull(viewArray, "viewArray");
        Nd4jMemory.segment(viewArray, "the updater state view"); // validates type and contiguity
        int k = config.buffers();
        long total = viewArray.length();
        if (total % k != 0) {
            throw new IllegalArgumentException("updater state view of " + total + " elements is not " + k
                    + " buffers of equal length");
        }
        if (initialize) viewArray.assign(0);
        INDArray flat = viewArray.reshape(total);
        long n = total / k;
        Map<String, INDArray> state = new LinkedHashMap<>();
        state.put(M_STATE, flat.get(NDArrayIndex.interval(0, n)));
        state.put(V_STATE, flat.get(NDArrayIndex.interval(n, 2 * n)));
        if (k == 3) state.put(V_HAT_STATE, flat.get(NDArrayIndex.interval(2 * n, 3 * n)));
        setState(state, false);
    }

    /** Uses the given arrays (same length, same FLOAT/DOUBLE type, contiguous) as the state. */
    @Override
    public void setState(Map<String, INDArray> stateMap, boolean initialize) {
        Objects.requireNonNull(stateMap, "stateMap");
        boolean ams = config.isAmsgrad();
        int expected = ams ? 3 : 2;
        if (stateMap.size() != expected || !stateMap.containsKey(M_STATE) || !stateMap.containsKey(V_STATE)
                || (ams && !stateMap.containsKey(V_HAT_STATE))) {
            throw new IllegalArgumentException("state map must hold exactly " + (ams ? "[M, V, V_HAT]" : "[M, V]")
                    + ", got " + stateMap.keySet());
        }
        INDArray nm = stateMap.get(M_STATE), nv = stateMap.get(V_STATE), nh = ams ? stateMap.get(V_HAT_STATE) : null;
        Precision p = Nd4jMemory.precision(nm, "state M");
        for (INDArray a : ams ? new INDArray[] {nm, nv, nh} : new INDArray[] {nm, nv}) {
            Nd4jMemory.segment(a, "updater state");
            if (Nd4jMemory.precision(a, "updater state") != p || a.length() != nm.length()) {
                throw new IllegalArgumentException("updater state arrays differ in type or length: "
                        + a.dataType() + "[" + a.length() + "] vs " + nm.dataType() + "[" + nm.length() + "]");
            }
        }
        if (initialize) {
            nm.assign(0);
            nv.assign(0);
            if (nh != null) nh.assign(0);
        }
        this.m = nm;
        this.v = nv;
        this.vHat = nh;
        this.precision = p;
        this.length = nm.length();
    }

    @Override
    public Map<String, INDArray> getState() {
        Map<String, INDArray> r = new LinkedHashMap<>();
        r.put(M_STATE, m);
        r.put(V_STATE, v);
        if (vHat != null) r.put(V_HAT_STATE, vHat);
        return r;
    }

    /**
     * Replaces {@code gradient} by the update DL4J subtracts, after one adam4j step of the moments at
     * {@code t = iteration + 1} (see the class documentation).
     *
     * @throws IllegalStateException before the state is set
     * @throws IllegalArgumentException for a gradient of another length or type, not contiguous, or a
     *     negative iteration; nothing is changed then
     */
    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        if (m == null) throw new IllegalStateException("Adam4jUpdater has no state: instantiate it with a state view first");
        Objects.requireNonNull(gradient, "gradient");
        if (iteration < 0) throw new IllegalArgumentException("Invalid iteration: " + iteration + " (must be >= 0)");
        if (gradient.length() != length) {
            throw new IllegalArgumentException("gradient has " + gradient.length() + " elements, the updater state " + length);
        }
        if (Nd4jMemory.precision(gradient, "gradient") != precision) {
            throw new IllegalArgumentException("gradient is " + gradient.dataType() + ", the updater state " + m.dataType());
        }
        MemorySegment g = Nd4jMemory.segment(gradient, "gradient");
        AdamHyperparameters h = config.hyperparameters(config.getLearningRate(iteration, epoch));
        if (length == 0) return;
        MemorySegment expAvg = Nd4jMemory.segment(m, "M"), expAvgSq = Nd4jMemory.segment(v, "V");
        MemorySegment max = vHat == null ? null : Nd4jMemory.segment(vHat, "V_HAT");
        long t = iteration + 1L;
        // every argument checked over the whole range before a chunk writes
        AdamKernels.validateUpdateToSubtract(h, t, 1.0, precision, g, 0, g, 0, expAvg, 0, expAvgSq, 0, max, 0, length);
        ParallelRanges.run(config.getParallelism(), length, g.address(), precision.byteSize(), (from, n) ->
                AdamKernels.updateToSubtract(h, t, 1.0, precision, g, from, g, from, expAvg, from, expAvgSq, from, max, from, n));
    }
}
