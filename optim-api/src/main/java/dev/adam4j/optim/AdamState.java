package dev.adam4j.optim;

/**
 * The optimizer's state of one parameter, PyTorch's {@code state[p]}: the number of steps taken and
 * the moment buffers (same storage kind and length as the parameter; the precision is the
 * parameter's, or its group's {@link AdamOptions#stateDtype stateDtype}). The buffers are
 * live: they are what the next step updates.
 */
public final class AdamState {
    long step;
    final DataBuffer expAvg;
    final DataBuffer expAvgSq;
    DataBuffer maxExpAvgSq; // created when amsgrad is first on

    AdamState(DataBuffer expAvg, DataBuffer expAvgSq, DataBuffer maxExpAvgSq) {
        this.expAvg = expAvg;
        this.expAvgSq = expAvgSq;
        this.maxExpAvgSq = maxExpAvgSq;
    }

    /** Steps taken by this parameter. */
    public long step() { return step; }
    public DataBuffer expAvg() { return expAvg; }
    public DataBuffer expAvgSq() { return expAvgSq; }
    /** AMSGrad's running maximum, or null if amsgrad has never been on for this parameter. */
    public DataBuffer maxExpAvgSq() { return maxExpAvgSq; }
}
