package dev.adam4j.dl4j;

import dev.adam4j.optim.ParallelRanges;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.schedule.ISchedule;

/**
 * A benchmark's yardstick, not an optimizer: an updater that moves exactly the bytes any Adam updater
 * in DL4J must move — read the gradient and two moments, write the two moments and the update over
 * the gradient (24 bytes an f32 element) — in one Vector API pass with no arithmetic to speak of
 * (integer XORs, so no value can slow a lane down), on {@code threads} threads as {@link Adam4j} splits
 * its pass. DL4J's step with it is the fastest step an Adam updater could give on this machine: the
 * framework's own work around the updater plus Adam's memory traffic. Its state is two buffers of the
 * gradient's length in DL4J's updater state view, as {@link Adam4j}'s.
 */
public final class MemoryFloor implements IUpdater {
    private static final long serialVersionUID = 1L;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private final int threads;

    public MemoryFloor(int threads) {
        if (threads < 1) throw new IllegalArgumentException("Invalid threads: " + threads);
        this.threads = threads;
    }

    @Override public long stateSize(long numParams) { return 2 * numParams; }

    @Override
    public GradientUpdater instantiate(INDArray viewArray, boolean initializeViewArray) {
        if (initializeViewArray) viewArray.assign(0);
        INDArray flat = viewArray.reshape(viewArray.length());
        long n = viewArray.length() / 2;
        return updater(flat.get(NDArrayIndex.interval(0, n)), flat.get(NDArrayIndex.interval(n, 2 * n)));
    }

    @Override
    public GradientUpdater instantiate(Map<String, INDArray> updaterState, boolean initializeStateArrays) {
        return updater(updaterState.get("M"), updaterState.get("V"));
    }

    @SuppressWarnings("rawtypes")
    private GradientUpdater updater(INDArray m, INDArray v) {
        return new GradientUpdater<MemoryFloor>() {
            @Override public MemoryFloor getConfig() { return MemoryFloor.this; }
            @Override public void setState(Map<String, INDArray> s, boolean init) { throw new UnsupportedOperationException("a yardstick"); }
            @Override public void setStateViewArray(INDArray a, long[] s, char o, boolean init) { throw new UnsupportedOperationException("a yardstick"); }

            @Override
            public Map<String, INDArray> getState() {
                Map<String, INDArray> r = new LinkedHashMap<>();
                r.put("M", m);
                r.put("V", v);
                return r;
            }

            @Override
            public void applyUpdater(INDArray gradient, int iteration, int epoch) {
                MemorySegment g = Nd4jMemory.segment(gradient, "gradient"), ms = Nd4jMemory.segment(m, "M"), vs = Nd4jMemory.segment(v, "V");
                int bytes = Nd4jMemory.precision(gradient, "gradient").byteSize();
                long words = gradient.length() * bytes / Integer.BYTES;
                ParallelRanges.run(threads, words, g.address(), Integer.BYTES, (from, len) -> pass(g, ms, vs, from, len));
            }
        };
    }

    /** {@code m ^= g; v ^= g; g ^= m} (the old m) over 32-bit words {@code [from, from + len)}. */
    static void pass(MemorySegment g, MemorySegment m, MemorySegment v, long from, long len) {
        long i = from * Integer.BYTES, bound = i + I.loopBound(len) * Integer.BYTES, end = (from + len) * Integer.BYTES;
        for (; i < bound; i += I.vectorByteSize()) {
            IntVector gv = IntVector.fromMemorySegment(I, g, i, NATIVE), mv = IntVector.fromMemorySegment(I, m, i, NATIVE);
            IntVector vv = IntVector.fromMemorySegment(I, v, i, NATIVE);
            mv.lanewise(VectorOperators.XOR, gv).intoMemorySegment(m, i, NATIVE);
            vv.lanewise(VectorOperators.XOR, gv).intoMemorySegment(v, i, NATIVE);
            gv.lanewise(VectorOperators.XOR, mv).intoMemorySegment(g, i, NATIVE);
        }
        for (; i < end; i += Integer.BYTES) {
            int gw = g.get(ValueLayout.JAVA_INT_UNALIGNED, i), mw = m.get(ValueLayout.JAVA_INT_UNALIGNED, i);
            m.set(ValueLayout.JAVA_INT_UNALIGNED, i, mw ^ gw);
            v.set(ValueLayout.JAVA_INT_UNALIGNED, i, v.get(ValueLayout.JAVA_INT_UNALIGNED, i) ^ gw);
            g.set(ValueLayout.JAVA_INT_UNALIGNED, i, gw ^ mw);
        }
    }

    @Override public MemoryFloor clone() { return new MemoryFloor(threads); }
    @Override public double getLearningRate(int iteration, int epoch) { return 0; }
    @Override public boolean hasLearningRate() { return false; }
    @Override public void setLrAndSchedule(double lr, ISchedule lrSchedule) { }
    @Override public boolean equals(Object o) { return o instanceof MemoryFloor f && f.threads == threads; }
    @Override public int hashCode() { return threads; }
}
