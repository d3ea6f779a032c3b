package dev.adam4j.optim;

/**
 * An element-wise pass over native memory split across adam4j's step threads, exactly as
 * {@link Adam#setParallelism(int)} splits a kernel call: for code that calls {@link dev.adam4j.kernels.AdamKernels}
 * directly (the Deeplearning4j adapter). {@code [0, n)} is cut into at most {@code threads} near-equal
 * chunks of at least 16,384 elements, each inner boundary on a 64-byte line of the first buffer, and
 * the chunks run on adam4j's pool of daemon threads and on the caller, each exactly once. The caller
 * returns when every chunk has finished and rethrows the first failure, so no other thread touches the
 * memory after {@link #run} returns or throws.
 */
public final class ParallelRanges {
    private ParallelRanges() {}

    /** One chunk of the pass: elements {@code [from, from + length)}. */
    @FunctionalInterface
    public interface Chunk {
        void run(long from, long length);
    }

    /**
     * Runs {@code chunk} over {@code [0, n)} on up to {@code threads} threads (the caller's included).
     *
     * @param address the address of element 0 of the buffer whose lines the chunks follow
     * @param elementBytes that buffer's element size
     * @throws IllegalArgumentException for {@code threads < 1}, {@code n < 0} or an element size that
     *     does not divide 64
     */
    public static void run(int threads, long n, long address, int elementBytes, Chunk chunk) {
        if (threads < 1) throw new IllegalArgumentException("Invalid threads: " + threads + " (must be >= 1)");
        if (n < 0) throw new IllegalArgumentException("Invalid n: " + n + " (must be >= 0)");
        if (elementBytes < 1 || 64 % elementBytes != 0) {
            throw new IllegalArgumentException("Invalid elementBytes: " + elementBytes + " (must divide 64)");
        }
        java.util.Objects.requireNonNull(chunk, "chunk");
        ParallelSteps parallel = new ParallelSteps(ParallelSteps.defaultExecutor(), threads, ParallelSteps.DEFAULT_GRAIN);
        int parts = parallel.parts(n, java.util.List.of()); // native memory: any thread may touch it
        if (n == 0) return;
        // elements of the first line before element 0, as ParallelSteps counts them
        long[] cut = ParallelSteps.cuts(n, parts, 64 / elementBytes, Math.floorMod(address, 64L) / elementBytes);
        parallel.run(parts, k -> chunk.run(cut[k], cut[k + 1] - cut[k]));
    }
}
