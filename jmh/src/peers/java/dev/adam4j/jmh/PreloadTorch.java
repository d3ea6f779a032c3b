package dev.adam4j.jmh;

/**
 * Loads bytedeco's libtorch once, so that JavaCPP has extracted every library into its cache before the
 * first benchmark fork starts. A first load into a fresh cache can die in {@code pthread_mutex_lock}
 * when another libtorch_cpu.so is on the linker's default path (Debian's libtorch-dev installs one):
 * a library is opened before its sibling is extracted and the linker picks the system's copy. With
 * the cache complete, every later load resolves to the extracted copies. {@code ./bench} runs this up to
 * twice before the peer benchmarks.
 */
public final class PreloadTorch {
    private PreloadTorch() {}

    public static void main(String[] args) {
        org.bytedeco.javacpp.Loader.load(org.bytedeco.pytorch.global.torch.class);
        System.out.println("libtorch " + org.bytedeco.pytorch.global.torch.ones(1).item_float() + " ok");
    }
}
