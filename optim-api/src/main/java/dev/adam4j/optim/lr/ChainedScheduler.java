package dev.adam4j.optim.lr;

import dev.adam4j.optim.ParamGroup;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** PyTorch's {@code ChainedScheduler}: every scheduler steps, in order, on the same optimizer. */
public final class ChainedScheduler {
    private final List<LRScheduler> schedulers;
    private List<Double> lastLr;

    public ChainedScheduler(List<LRScheduler> schedulers) {
        this.schedulers = List.copyOf(schedulers);
        if (this.schedulers.isEmpty()) throw new IllegalArgumentException("ChainedScheduler needs at least one scheduler");
        for (int i = 1; i < this.schedulers.size(); i++) {
            if (this.schedulers.get(i).optimizer != this.schedulers.get(0).optimizer) {
                throw new IllegalArgumentException("ChainedScheduler expects all schedulers to belong to the same optimizer, but "
                        + "got schedulers at index 0 and " + i + " to be different");
            }
        }
        record();
    }

    private void record() {
        List<Double> l = new ArrayList<>();
        for (ParamGroup g : schedulers.get(schedulers.size() - 1).optimizer.paramGroups()) l.add(g.lr());
        lastLr = List.copyOf(l);
    }

    public void step() {
        for (LRScheduler s : schedulers) s.step();
        record();
    }

    public List<Double> getLastLr() {
        return lastLr;
    }

    public Map<String, Object> stateDict() {
        Map<String, Object> sd = new LinkedHashMap<>();
        sd.put("_last_lr", lastLr);
        sd.put("_schedulers", StateValues.states(schedulers));
        return sd;
    }

    public void loadStateDict(Map<String, Object> sd) {
        Objects.requireNonNull(sd, "state dict");
        List<Double> last = StateValues.doubles(sd, "_last_lr", -1);
        StateValues.loadStates(schedulers, sd);
        lastLr = last;
    }
}
