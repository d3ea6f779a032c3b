/**
 * adam4j's optimizer facade with PyTorch's semantics ({@link dev.adam4j.optim.Adam},
 * {@link dev.adam4j.optim.AdamW}) and safetensors checkpoints ({@link dev.adam4j.optim.checkpoint.Checkpoint}).
 */
module dev.adam4j.optim {
    requires transitive dev.adam4j.kernels;
    requires com.fasterxml.jackson.core;

    exports dev.adam4j.optim;
    exports dev.adam4j.optim.checkpoint;
    exports dev.adam4j.optim.lr;
    exports dev.adam4j.optim.clip;
    exports dev.adam4j.optim.amp;
}
