package dev.adam4j.optim;

import java.util.List;

/**
 * PyTorch's {@code torch.optim.AdamW}: {@link Adam} with decoupled weight decay always on (also
 * after loading a state that says otherwise) and a default weight decay of 1e-2. The same code path
 * as Adam; only the defaults differ.
 */
public final class AdamW extends Adam {
    private static AdamOptions base() {
        return AdamOptions.pytorchDefaults().weightDecay(1e-2).decoupledWeightDecay(true);
    }

    public AdamW(List<Param> params) {
        this(params, AdamOptions.of());
    }

    public AdamW(List<Param> params, AdamOptions defaults) {
        this(defaults, List.of(ParamGroupSpec.of(params)));
    }

    public AdamW(AdamOptions defaults, List<ParamGroupSpec> groups) {
        super(base(), defaults, groups, true);
    }
}
