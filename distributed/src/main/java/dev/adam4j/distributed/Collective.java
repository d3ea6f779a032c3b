package dev.adam4j.distributed;

import dev.adam4j.kernels.Precision;
import java.lang.foreign.MemorySegment;

/**
 * The collective operations a sharded optimizer needs, over {@link MemorySegment}s of f32 or f64
 * values in native byte order: the small surface a collective engine implements (Gloo in
 * {@code adam4j-gloo}; NCCL or MPI could be added the same way). Every rank of a group calls the
 * same operations in the same order with the same sizes; an operation returns when this rank's
 * part of it is complete.
 *
 * <p>Sizes are in elements of {@code precision}. Segments given to one call must not overlap,
 * except where a method says otherwise. A failure (a peer that died or never arrived, a timeout)
 * throws {@link CollectiveException}; the group is then unusable and should be closed, as with
 * PyTorch's process groups.
 *
 * <p>Not thread-safe: one thread calls a collective at a time.
 */
public interface Collective extends AutoCloseable {

    /** This process's rank, 0 to {@code worldSize() - 1}. */
    int rank();

    /** The number of ranks in the group. */
    int worldSize();

    /**
     * Sums {@code input} (worldSize × n elements) over the ranks and leaves chunk {@code rank()} of
     * the sum ({@code n} elements) in {@code output}. The order of the additions is the engine's.
     */
    void reduceScatter(MemorySegment input, MemorySegment output, Precision precision);

    /**
     * Concatenates every rank's {@code input} ({@code n} elements) in rank order into {@code output}
     * (worldSize × n elements). {@code input} may be exactly chunk {@code rank()} of
     * {@code output} (the in-place form).
     */
    void allGather(MemorySegment input, MemorySegment output, Precision precision);

    /**
     * Chunk {@code j} of {@code output} receives chunk {@code rank()} of rank {@code j}'s
     * {@code input}; both hold worldSize × n elements.
     */
    void allToAll(MemorySegment input, MemorySegment output, Precision precision);

    /** Sums {@code buffer} over the ranks, in place. */
    void allReduceSum(MemorySegment buffer, Precision precision);

    /** The sum of {@code value} over the ranks (a one-element all-reduce in f64). */
    double allReduceSum(double value);

    /** The maximum of {@code value} over the ranks; NaN if any rank's is NaN. */
    double allReduceMax(double value);

    /** Returns when every rank has called it. */
    void barrier();

    /** Leaves the group and frees its resources. Idempotent. */
    @Override
    void close();
}
