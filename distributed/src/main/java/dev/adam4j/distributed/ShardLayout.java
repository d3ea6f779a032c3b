package dev.adam4j.distributed;

import dev.adam4j.kernels.Precision;
import java.util.Objects;

/**
 * How a flat buffer of {@code totalLength} elements is cut into {@code worldSize} contiguous shards
 * of equal length {@code shardLength}: the smallest multiple of a cache line (64 bytes) that covers
 * {@code ceil(totalLength / worldSize)} elements, so that every shard starts on a cache line when
 * the buffer does. Rank {@code r} owns {@code [r·shardLength, (r+1)·shardLength)}; the part past
 * {@code totalLength} is padding (zero, owned by no parameter), so the last shards may hold fewer
 * real elements, or none.
 *
 * @param totalLength the parameters' elements
 * @param worldSize the number of ranks
 * @param shardLength every shard's length, padding included
 * @param precision the element type (fixes the cache line's element count)
 */
public record ShardLayout(long totalLength, int worldSize, long shardLength, Precision precision) {
    /** Bytes of a cache line on the x86-64 and AArch64 machines adam4j targets. */
    public static final int CACHE_LINE_BYTES = 64;

    public ShardLayout {
        Objects.requireNonNull(precision, "precision");
        if (totalLength < 0) throw new IllegalArgumentException("Invalid total length: " + totalLength);
        if (worldSize < 1) throw new IllegalArgumentException("Invalid world size: " + worldSize + " (must be >= 1)");
        long line = lineElements(precision);
        if (shardLength < 0 || shardLength % line != 0 || shardLength * (double) worldSize < totalLength
                || Math.multiplyHigh(shardLength, worldSize) != 0) {
            throw new IllegalArgumentException("Invalid shard length " + shardLength + " for " + totalLength
                    + " elements over " + worldSize + " ranks");
        }
    }

    /** The layout of {@code totalLength} elements over {@code worldSize} ranks. */
    public static ShardLayout of(long totalLength, int worldSize, Precision precision) {
        if (worldSize < 1) throw new IllegalArgumentException("Invalid world size: " + worldSize + " (must be >= 1)");
        if (totalLength < 0) throw new IllegalArgumentException("Invalid total length: " + totalLength);
        long line = lineElements(precision);
        long perRank = (totalLength + worldSize - 1) / worldSize;
        long shard = (perRank + line - 1) / line * line;
        return new ShardLayout(totalLength, worldSize, shard, precision);
    }

    /**
     * The multiple to give {@code FlatParameters.Builder.padTo} so that a flat buffer can be sharded
     * over {@code worldSize} ranks: {@code worldSize} cache lines.
     */
    public static long padMultiple(Precision precision, int worldSize) {
        if (worldSize < 1) throw new IllegalArgumentException("Invalid world size: " + worldSize + " (must be >= 1)");
        return Math.multiplyExact(lineElements(precision), worldSize);
    }

    /** Elements of {@code precision} in a cache line. */
    public static long lineElements(Precision precision) {
        return CACHE_LINE_BYTES / precision.byteSize();
    }

    /** {@code worldSize × shardLength}: the padded length every rank's buffers must have. */
    public long paddedLength() {
        return shardLength * worldSize;
    }

    /** The first element of rank {@code r}'s shard. */
    public long start(int r) {
        checkRank(r);
        return r * shardLength;
    }

    /** The real (unpadded) elements of rank {@code r}'s shard: {@code 0 .. shardLength}. */
    public long ownedLength(int r) {
        checkRank(r);
        return Math.max(0, Math.min(totalLength, start(r) + shardLength) - start(r));
    }

    private void checkRank(int r) {
        if (r < 0 || r >= worldSize) throw new IllegalArgumentException("rank " + r + " is outside 0.." + (worldSize - 1));
    }
}
