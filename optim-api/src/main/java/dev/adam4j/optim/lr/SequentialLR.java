package dev.adam4j.optim.lr;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * PyTorch's {@code SequentialLR}: runs {@code schedulers[i]} from milestone {@code i−1} on; at a
 * milestone the next one starts from its closed form at epoch 0 (PyTorch's {@code step(0)}).
 */
public final class SequentialLR {
    private final List<LRScheduler> schedulers;
    private final List<Long> milestones;
    private long lastEpoch;
    private List<Double> lastLr;

    public SequentialLR(List<LRScheduler> schedulers, List<Long> milestones) {
        this.schedulers = List.copyOf(schedulers);
        this.milestones = List.copyOf(milestones);
        if (this.schedulers.isEmpty()) throw new IllegalArgumentException("SequentialLR needs at least one scheduler");
        for (int i = 1; i < this.schedulers.size(); i++) {
            if (this.schedulers.get(i).optimizer != this.schedulers.get(0).optimizer) {
                throw new IllegalArgumentException("Sequential Schedulers expects all schedulers to belong to the same optimizer, but "
                        + "got schedulers at index 0 and " + i + " to be different");
            }
        }
        if (this.milestones.size() != this.schedulers.size() - 1) {
            throw new IllegalArgumentException("Sequential Schedulers expects number of schedulers provided to be one more than the "
                    + "number of milestone points, but got number of schedulers " + this.schedulers.size()
                    + " and the number of milestones to be equal to " + this.milestones.size());
        }
        this.lastEpoch = 0;
        for (var g : this.schedulers.get(0).optimizer.paramGroups()) g.setLr(g.extra("initial_lr"));
        for (LRScheduler s : this.schedulers) s.lastEpoch -= 1;
        this.schedulers.get(0).initialStep();
        this.lastLr = this.schedulers.get(0).getLastLr();
    }

    public void step() {
        lastEpoch += 1;
        int idx = Collections.binarySearch(milestones, lastEpoch);
        idx = idx >= 0 ? upperBound(idx) : -idx - 1; // bisect_right
        LRScheduler s = schedulers.get(idx);
        if (idx > 0 && milestones.get(idx - 1) == lastEpoch) s.stepTo(0);
        else s.step();
        lastLr = s.getLastLr();
    }

    private int upperBound(int i) {
        while (i < milestones.size() && milestones.get(i) <= lastEpoch) i++;
        return i;
    }

    public List<Double> getLastLr() {
        return lastLr;
    }

    /** PyTorch's keys: {@code _milestones}, {@code last_epoch}, {@code _last_lr}, {@code _schedulers} (their state dicts). */
    public Map<String, Object> stateDict() {
        Map<String, Object> sd = new LinkedHashMap<>();
        sd.put("_milestones", milestones);
        sd.put("last_epoch", lastEpoch);
        sd.put("_last_lr", lastLr);
        sd.put("_schedulers", StateValues.states(schedulers));
        return sd;
    }

    public void loadStateDict(Map<String, Object> sd) {
        Objects.requireNonNull(sd, "state dict");
        long epoch = StateValues.integer(sd, "last_epoch");
        List<Double> last = StateValues.doubles(sd, "_last_lr", -1);
        StateValues.loadStates(schedulers, sd);
        lastEpoch = epoch;
        lastLr = last;
    }
}
