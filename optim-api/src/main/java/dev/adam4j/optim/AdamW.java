package dev.adam4j.optim;

import java.util.List;

/**
 * PyTorch's {@code torch.optim.AdamW}: {@link Adam} with decoupled weight decay always on and a
 * default weight decay of 1e-2. The same code path as Adam; the one rule that differs lives here:
 * asking for {@code decoupled_weight_decay=false} is refused, and a loaded state that says so is
 * decoupled anyway (as PyTorch's {@code AdamW.__setstate__} does).
 */
public final class AdamW extends Adam {
    private static final AdamOptions PRESET = AdamOptions.of().weightDecay(1e-2).decoupledWeightDecay(true);

    private static AdamOptions alwaysDecoupled(AdamOptions o, boolean loaded) {
        if (!o.decoupledWeightDecay && !loaded) {
            throw new IllegalArgumentException(
                    "AdamW always decouples weight decay: decoupled_weight_decay=false is not allowed");
        }
        return o.decoupledWeightDecay ? o : o.decoupledWeightDecay(true);
    }

    public AdamW(List<Param> params) {
        this(params, AdamOptions.of());
    }

    public AdamW(List<Param> params, AdamOptions defaults) {
        this(defaults, List.of(ParamGroupSpec.of(params)));
    }

    public AdamW(AdamOptions defaults, List<ParamGroupSpec> groups) {
        super(PRESET, defaults, groups, AdamW::alwaysDecoupled);
    }
}
