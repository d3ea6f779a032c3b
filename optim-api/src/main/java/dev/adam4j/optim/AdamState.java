package dev.adam4j.optim;

/**
 * The optimizer's state of one parameter, PyTorch's {@code state[p]}: the number of steps taken and
 * the moment buffers (same storage kind and length as the parameter; the precision is the
 * parameter's, or its group's {@link AdamOptions#stateDtype stateDtype}; f32 with split master weights,
 * which add {@link #masterWeightLow()}). The buffers are
 * live: they are what the next step updates. They are views: those of flat views are ranges of the
 * allocation's flat state, and the states one step creates for separate array parameters of a group
 * are consecutive ranges of one array per moment (so that each moment is contiguous in memory).
 */
public final class AdamState {
    long step;
    final DataBuffer expAvg;
    final DataBuffer expAvgSq;
    DataBuffer maxExpAvgSq; // created when amsgrad is first on
    DataBuffer masterWeightLow; // split master weights only

    AdamState(DataBuffer expAvg, DataBuffer expAvgSq, DataBuffer maxExpAvgSq) {
        this.expAvg = expAvg;
        this.expAvgSq = expAvgSq;
        this.maxExpAvgSq = maxExpAvgSq;
    }

    /** Steps taken by this parameter. */
    public long step() { return step; }
    public DataBuffer expAvg() { return expAvg; }
    public DataBuffer expAvgSq() { return expAvgSq; }
    /**
     * With {@link AdamOptions#splitMasterWeights split master weights}: the low 16 bits of each f32
     * master weight (raw bits in a BF16-typed 16-bit buffer, not bf16 values), whose high 16 bits are the
     * parameter; null otherwise.
     */
    public DataBuffer masterWeightLow() { return masterWeightLow; }
    /** AMSGrad's running maximum, or null if amsgrad has never been on for this parameter. */
    public DataBuffer maxExpAvgSq() { return maxExpAvgSq; }
}
