package dev.adam4j.optim;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Gradient accumulation over micro-batches (Dragon's {@code sum_grad}): one sum buffer per
 * parameter (views of one flat buffer for flat views), the first micro-batch of a round copied so
 * no pass is spent clearing.
 */
final class GradAccumulator {
    private final Map<Param, DataBuffer> sums = new IdentityHashMap<>();
    private final Map<FlatParameters, DataBuffer> flatSums = new IdentityHashMap<>();
    private final Set<Param> thisRound = Collections.newSetFromMap(new IdentityHashMap<>());
    private int microBatches;

    void add(List<ParamGroup> groups) {
        for (ParamGroup g : groups) {
            for (Param p : g.params()) {
                DataBuffer grad = p.grad();
                if (grad == null) continue;
                DataBuffer acc = sumBufferOf(p);
                if (thisRound.add(p)) acc.copyFrom(grad);
                else acc.addFrom(grad);
            }
        }
        microBatches++;
    }

    int microBatches() {
        return microBatches;
    }

    /** The round's sum for {@code p}, or null if {@code p} received no gradient in it. */
    DataBuffer sum(Param p) {
        return thisRound.contains(p) ? sums.get(p) : null;
    }

    void reset() {
        thisRound.clear();
        microBatches = 0;
    }

    private DataBuffer sumBufferOf(Param p) {
        return sums.computeIfAbsent(p, q -> q.flat == null ? q.data().allocateLike()
                : flatSums.computeIfAbsent(q.flat, f -> f.data().allocateLike())
                        .slice(q.flat.offsetOf(q.flatIndex), q.length()));
    }
}
