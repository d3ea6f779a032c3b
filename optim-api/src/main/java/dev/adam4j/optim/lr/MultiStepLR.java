package dev.adam4j.optim.lr;

import dev.adam4j.optim.Optimizer;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * PyTorch's {@code MultiStepLR}: multiplies the lr by {@code gamma} at each milestone (by
 * {@code gamma^k} at a milestone listed k times). The state dict keeps the milestones as PyTorch's
 * {@code Counter}: a map from milestone to count.
 */
public final class MultiStepLR extends LRScheduler {
    private TreeMap<Long, Long> milestones = new TreeMap<>();
    private double gamma;

    public MultiStepLR(Optimizer optimizer, List<Long> milestones, double gamma) {
        this(optimizer, milestones, gamma, -1);
    }

    public MultiStepLR(Optimizer optimizer, List<Long> milestones, double gamma, long lastEpoch) {
        super(optimizer, lastEpoch);
        for (Long m : milestones) this.milestones.merge(m, 1L, Long::sum);
        this.gamma = gamma;
        initialStep();
    }

    @Override
    protected double[] computeLr() {
        double[] lrs = currentLrs();
        Long k = milestones.get(lastEpoch);
        if (k == null) return lrs;
        for (int i = 0; i < lrs.length; i++) lrs[i] = lrs[i] * LibM.pow(gamma, (double) k);
        return lrs;
    }

    @Override
    protected double[] closedFormLr() {
        long passed = 0;
        for (Map.Entry<Long, Long> e : milestones.entrySet()) if (e.getKey() <= lastEpoch) passed += e.getValue();
        double[] lrs = new double[baseLrs.size()];
        for (int i = 0; i < lrs.length; i++) lrs[i] = baseLrs.get(i) * LibM.pow(gamma, (double) passed);
        return lrs;
    }

    @Override protected void saveSettings(Map<String, Object> sd) {
        Map<String, Object> counter = new java.util.LinkedHashMap<>();
        for (Map.Entry<Long, Long> e : milestones.entrySet()) counter.put(String.valueOf(e.getKey()), e.getValue());
        sd.put("milestones", counter);
        sd.put("gamma", gamma);
    }
    @Override protected void checkSettings(Map<String, Object> sd) {
        parse(sd);
        StateValues.number(sd, "gamma");
    }
    @Override protected void loadSettings(Map<String, Object> sd) {
        milestones = parse(sd);
        gamma = StateValues.number(sd, "gamma");
    }

    private static TreeMap<Long, Long> parse(Map<String, Object> sd) {
        TreeMap<Long, Long> m = new TreeMap<>();
        for (Map.Entry<String, Object> e : StateValues.map(sd.get("milestones"), "milestones").entrySet()) {
            try {
                m.put(Long.parseLong(e.getKey()), StateValues.integer(Map.of("count", e.getValue()), "count"));
            } catch (NumberFormatException x) {
                throw new IllegalArgumentException("scheduler state 'milestones' has a non-integer milestone " + e.getKey());
            }
        }
        return m;
    }
}
