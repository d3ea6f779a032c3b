package dev.adam4j.optim;

import java.util.List;
import java.util.Objects;

/**
 * A parameter group to create: its parameters, in order, and the hyperparameters it overrides
 * (PyTorch's {@code {'params': [...], 'lr': 1e-4}}).
 */
public record ParamGroupSpec(List<Param> params, AdamOptions overrides) {
    /** @throws IllegalArgumentException naming the index of a null parameter */
    public ParamGroupSpec {
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(overrides, "overrides");
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i) == null) {
                throw new IllegalArgumentException("parameter group contains a null parameter (at index " + i + ")");
            }
        }
        params = List.copyOf(params);
    }

    public static ParamGroupSpec of(List<Param> params) {
        return new ParamGroupSpec(params, AdamOptions.of());
    }

    public static ParamGroupSpec of(List<Param> params, AdamOptions overrides) {
        return new ParamGroupSpec(params, overrides);
    }
}
