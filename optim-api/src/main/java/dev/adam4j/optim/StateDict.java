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
 * <p>Unlike PyTorch's, which references the live tensors, {@code Adam.stateDict()} copies the
 * buffers: a snapshot never changes after it is taken.
 */
public record StateDict(SortedMap<Integer, ParamState> state, List<Group> paramGroups) {

    public StateDict {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(paramGroups, "paramGroups");
        state = Collections.unmodifiableSortedMap(new TreeMap<>(state));
        paramGroups = List.copyOf(paramGroups);
    }

    /**
     * One parameter's state. {@code maxExpAvgSq} is null when amsgrad was never on.
     */
    public record ParamState(long step, DataBuffer expAvg, DataBuffer expAvgSq, DataBuffer maxExpAvgSq) {
        public ParamState {
            Objects.requireNonNull(expAvg, "exp_avg");
            Objects.requireNonNull(expAvgSq, "exp_avg_sq");
        }
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
