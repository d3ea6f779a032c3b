package dev.adam4j.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A snapshot of an optimizer's state with PyTorch's schema: {@code state} maps integer ids
 * (assigned in group order, across groups) to each parameter's state, and {@code paramGroups}
 * holds every group's hyperparameters under PyTorch's keys plus the ids of its parameters
 * ({@code params}) and, when every parameter is named, their names.
 *
 * <p>Unlike PyTorch's, which references the live tensors, {@code Optimizer.stateDict()} copies the
 * buffers: a snapshot never changes after it is taken. {@code Optimizer.stateDictView()} gives the
 * live buffers instead, for serializers.
 */
public record StateDict(SortedMap<Integer, ParamState> state, List<Group> paramGroups) {

    public StateDict {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(paramGroups, "paramGroups");
        state = Collections.unmodifiableSortedMap(new TreeMap<>(state));
        paramGroups = List.copyOf(paramGroups);
    }

    /**
     * One parameter's state. {@code maxExpAvgSq} is null when amsgrad was never on; {@code masterWeightLow}
     * (adam4j's {@code master_weight_low}: the low 16 bits of split f32 master weights, raw bits in a
     * 16-bit buffer) is null except with {@link AdamOptions#splitMasterWeights split master weights}.
     */
    public record ParamState(long step, DataBuffer expAvg, DataBuffer expAvgSq, DataBuffer maxExpAvgSq,
            DataBuffer masterWeightLow) {
        /** The names of the state buffers (PyTorch's, then adam4j's {@code master_weight_low}), in the order they are saved. */
        public static final List<String> BUFFER_NAMES = List.of("exp_avg", "exp_avg_sq", "max_exp_avg_sq", "master_weight_low");

        public ParamState {
            Objects.requireNonNull(expAvg, "exp_avg");
            Objects.requireNonNull(expAvgSq, "exp_avg_sq");
            if (masterWeightLow != null && !masterWeightLow.precision().isReduced()) {
                throw new IllegalArgumentException("master_weight_low holds 16-bit halves, not " + masterWeightLow.precision());
            }
        }

        /** A state without split master weights. */
        public ParamState(long step, DataBuffer expAvg, DataBuffer expAvgSq, DataBuffer maxExpAvgSq) {
            this(step, expAvg, expAvgSq, maxExpAvgSq, null);
        }

        /** The buffers under PyTorch's names ({@link #BUFFER_NAMES}), the absent ones left out. */
        public Map<String, DataBuffer> buffers() {
            Map<String, DataBuffer> m = new LinkedHashMap<>();
            m.put("exp_avg", expAvg);
            m.put("exp_avg_sq", expAvgSq);
            if (maxExpAvgSq != null) m.put("max_exp_avg_sq", maxExpAvgSq);
            if (masterWeightLow != null) m.put("master_weight_low", masterWeightLow);
            return m;
        }

        /**
         * A state from buffers under PyTorch's names: {@code exp_avg} and {@code exp_avg_sq} are
         * required, {@code max_exp_avg_sq} and {@code master_weight_low} optional; any other name is refused.
         */
        public static ParamState of(long step, Map<String, DataBuffer> buffers) {
            for (String name : buffers.keySet()) {
                if (!BUFFER_NAMES.contains(name)) {
                    throw new IllegalArgumentException("'" + name + "' is not a state buffer (expected one of " + BUFFER_NAMES + ")");
                }
            }
            for (String name : BUFFER_NAMES.subList(0, 2)) {
                if (buffers.get(name) == null) throw new IllegalArgumentException("state buffer '" + name + "' is missing");
            }
            return new ParamState(step, buffers.get("exp_avg"), buffers.get("exp_avg_sq"), buffers.get("max_exp_avg_sq"),
                    buffers.get("master_weight_low"));
        }
    }

    /**
     * Pairs this state dict's parameter ids with {@code groups}' parameters, by position within each
     * group as PyTorch does, checking the group count and sizes, the ids (no duplicates or nulls), the
     * names where both sides have them, and that every state entry belongs to a listed id.
     *
     * @throws IllegalArgumentException naming the first mismatch
     */
    public Map<Integer, Param> matchParams(List<ParamGroup> groups) {
        if (paramGroups.size() != groups.size()) {
            throw new IllegalArgumentException("loaded state dict has " + paramGroups.size()
                    + " parameter groups, the optimizer has " + groups.size());
        }
        Map<Integer, Param> byId = new LinkedHashMap<>();
        for (int gi = 0; gi < groups.size(); gi++) {
            List<Param> ps = groups.get(gi).params();
            Group sg = paramGroups.get(gi);
            if (sg.params().size() != ps.size()) {
                throw new IllegalArgumentException("loaded state dict contains a parameter group that doesn't match "
                        + "the size of optimizer's group: group " + gi + " has " + sg.params().size()
                        + " parameters saved, " + ps.size() + " here");
            }
            for (int k = 0; k < ps.size(); k++) {
                Param p = ps.get(k);
                Integer id = sg.params().get(k);
                if (id == null || byId.put(id, p) != null) {
                    throw new IllegalArgumentException("loaded state dict has a duplicate or null parameter id " + id
                            + " in group " + gi);
                }
                if (sg.paramNames() != null && p.name() != null && !p.name().equals(sg.paramNames().get(k))) {
                    throw new IllegalArgumentException("loaded state dict names parameter " + id + " '"
                            + sg.paramNames().get(k) + "' but the optimizer's is '" + p.name() + "'");
                }
            }
        }
        for (Integer id : state.keySet()) {
            if (!byId.containsKey(id)) {
                throw new IllegalArgumentException("loaded state dict has state for parameter id " + id
                        + ", which no group lists");
            }
        }
        return byId;
    }

    /**
     * One group: {@code options} with PyTorch's keys ({@code lr}, {@code betas} as a 2-list of
     * Double, {@code eps}, {@code weight_decay}, {@code amsgrad}, {@code maximize},
     * {@code decoupled_weight_decay}, PyTorch's {@code foreach}/{@code capturable}/
     * {@code differentiable}/{@code fused} for compatibility, our {@code eps_mode}, and extras);
     * a key missing from a state saved before it existed loads with its default.
     */
    public record Group(Map<String, Object> options, List<Integer> params, List<String> paramNames) {
        public Group {
            Objects.requireNonNull(options, "options");
            options = Collections.unmodifiableMap(new LinkedHashMap<>(options)); // values may be null
            params = List.copyOf(params);
            paramNames = paramNames == null ? null : List.copyOf(paramNames);
        }
    }
}
