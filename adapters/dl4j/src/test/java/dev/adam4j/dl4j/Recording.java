package dev.adam4j.dl4j;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * Wraps an updater configuration so that every {@code applyUpdater} call logs a copy of the gradient
 * DL4J hands over (and the iteration) before delegating: the gradients a reference replays.
 */
final class Recording implements IUpdater {
    private static final long serialVersionUID = 1L;

    /** The gradient copied to the heap at once (a dup would live in DL4J's workspace), in its precision. */
    record Call(float[] f32, double[] f64, int iteration) {
        long length() { return f32 != null ? f32.length : f64.length; }
    }

    final IUpdater inner;
    final transient List<Call> log; // shared by clones (DL4J clones the configuration per layer)

    Recording(IUpdater inner, List<Call> log) {
        this.inner = inner;
        this.log = log;
    }

    @Override public long stateSize(long numParams) { return inner.stateSize(numParams); }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        return wrap(inner.instantiate(viewArray, initializeViewArray));
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        return wrap(inner.instantiate(updaterState, initializeStateArrays));
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private GradientUpdater wrap(GradientUpdater u) {
        return new GradientUpdater<Recording>() {
            @Override public Recording getConfig() { return Recording.this; }
            @Override public void setState(Map<String, INDArray> m, boolean init) { u.setState(m, init); }
            @Override public Map<String, INDArray> getState() { return u.getState(); }
            @Override public void setStateViewArray(INDArray v, long[] s, char o, boolean init) { u.setStateViewArray(v, s, o, init); }
            @Override public void applyUpdater(INDArray gradient, int iteration, int epoch) {
                boolean f32 = gradient.dataType() == org.nd4j.linalg.api.buffer.DataType.FLOAT;
                log.add(new Call(f32 ? gradient.toFloatVector() : null, f32 ? null : gradient.toDoubleVector(), iteration));
                u.applyUpdater(gradient, iteration, epoch);
            }
        };
    }

    @Override public Recording clone() { return new Recording(inner.clone(), log); }
    @Override public double getLearningRate(int iteration, int epoch) { return inner.getLearningRate(iteration, epoch); }
    @Override public boolean hasLearningRate() { return inner.hasLearningRate(); }
    @Override public void setLrAndSchedule(double lr, ISchedule lrSchedule) { inner.setLrAndSchedule(lr, lrSchedule); }
    @Override public boolean equals(Object o) { return o instanceof Recording r && r.inner.equals(inner); }
    @Override public int hashCode() { return inner.hashCode(); }
}
