/**
 * adam4j's fused Adam step kernels: {@link dev.adam4j.kernels.AdamKernels} and its hyperparameter
 * types. The Vector API implementation is used when {@code jdk.incubator.vector} is in the module
 * graph ({@code --add-modules jdk.incubator.vector}); otherwise a scalar implementation runs.
 */
module dev.adam4j.kernels {
    requires static jdk.incubator.vector;

    exports dev.adam4j.kernels;
}
