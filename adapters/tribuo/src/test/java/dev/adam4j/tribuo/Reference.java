package dev.adam4j.tribuo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.oracle.labs.mlrg.olcut.provenance.ConfiguredObjectProvenance;
import dev.adam4j.optim.Adam;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.Param;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tribuo.math.Parameters;
import org.tribuo.math.StochasticGradientOptimiser;
import org.tribuo.math.la.Matrix;
import org.tribuo.math.la.MatrixTuple;
import org.tribuo.math.la.SGDVector;
import org.tribuo.math.la.Tensor;
import org.tribuo.math.la.VectorTuple;

/**
 * adam4j's own step beside the adapter: an {@link Adam} over flat copies of the parameters, one
 * {@link Param} per Tribuo tensor, fed copies of the very gradients the adapter receives. Used as the
 * optimiser of a real Tribuo trainer, it asserts before every step and at {@link #finalise()} that
 * Tribuo's parameters equal the reference bit for bit (raw bits, so signed zeros count; any NaN equals any NaN, as Java leaves payloads unspecified).
 */
final class Reference implements StochasticGradientOptimiser {
    /** Shared by a {@code Reference} and its copies (trainers step a copy). */
    static final class Stats {
        int steps;
        long compared;
    }

    final AdamOptimiser adapter;
    final AdamOptions options;
    final Stats stats;
    private Parameters parameters;
    private Adam reference;
    private double[][] refParams, refGrads;

    Reference(AdamOptimiser adapter, AdamOptions options) {
        this(adapter, options, new Stats());
    }

    private Reference(AdamOptimiser adapter, AdamOptions options, Stats stats) {
        this.adapter = adapter;
        this.options = options.maximize(true);
        this.stats = stats;
    }

    @Override
    public void initialise(Parameters parameters) {
        adapter.initialise(parameters);
        this.parameters = parameters;
        Tensor[] ts = parameters.get();
        refParams = new double[ts.length][];
        refGrads = new double[ts.length][];
        List<Param> ps = new ArrayList<>();
        for (int i = 0; i < ts.length; i++) {
            refParams[i] = flatten(ts[i]);
            refGrads[i] = new double[refParams[i].length];
            long[] shape = Arrays.stream(ts[i].getShape()).asLongStream().toArray();
            Param p = Param.of("t" + i, refParams[i], shape);
            p.setGrad(dev.adam4j.optim.DataBuffer.of(refGrads[i]));
            ps.add(p);
        }
        reference = new Adam(ps, options);
    }

    @Override
    public Tensor[] step(Tensor[] updates, double weight) {
        assertSame("before step " + (stats.steps + 1));
        for (int i = 0; i < updates.length; i++) {
            double[] g = flatten(updates[i]);
            System.arraycopy(g, 0, refGrads[i], 0, g.length);
        }
        reference.step(weight);
        stats.steps++;
        return adapter.step(updates, weight);
    }

    @Override
    public void finalise() {
        assertSame("after the last step");
        adapter.finalise();
    }

    void assertSame(String when) {
        Tensor[] ts = parameters.get();
        for (int i = 0; i < ts.length; i++) {
            double[] actual = flatten(ts[i]);
            for (int j = 0; j < actual.length; j++) {
                long a = Double.doubleToRawLongBits(actual[j]), e = Double.doubleToRawLongBits(refParams[i][j]);
                if (a != e && !(Double.isNaN(actual[j]) && Double.isNaN(refParams[i][j]))) { // NaN payloads are unspecified
                    assertEquals(refParams[i][j], actual[j], "tensor " + i + " element " + j + " " + when
                            + " (raw bits " + Long.toHexString(e) + " expected, " + Long.toHexString(a) + ")");
                    assertEquals(e, a, "tensor " + i + " element " + j + " " + when + ": raw bits");
                }
            }
            stats.compared += actual.length;
        }
    }

    /** Row-major values of a vector or matrix, absent sparse entries as +0.0. */
    static double[] flatten(Tensor t) {
        int[] shape = t.getShape();
        if (t instanceof SGDVector v) {
            double[] out = new double[shape[0]];
            for (VectorTuple e : v) out[e.index] = e.value;
            return out;
        }
        Matrix m = (Matrix) t;
        int cols = shape[1];
        double[] out = new double[shape[0] * cols];
        for (MatrixTuple e : m) out[e.i * cols + e.j] = e.value;
        return out;
    }

    @Override
    public void reset() {
        adapter.reset();
        reference = null;
        parameters = null;
    }

    @Override
    public Reference copy() {
        return new Reference(adapter.copy(), options, stats);
    }

    @Override
    public ConfiguredObjectProvenance getProvenance() {
        return adapter.getProvenance();
    }
}
