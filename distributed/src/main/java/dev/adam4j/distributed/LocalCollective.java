package dev.adam4j.distributed;

import dev.adam4j.kernels.Precision;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A {@link Collective} between threads of one process: each rank is a thread holding one member of
 * {@link #group}. For tests and for single-machine data parallelism without an engine. Sums are
 * taken in rank order (rank 0 + rank 1 + ...), each addition rounded in the buffer's precision, so
 * results are reproducible run to run. A rank that does not arrive within the timeout breaks the
 * group: every waiting rank gets a {@link CollectiveException}.
 */
public final class LocalCollective implements Collective {
    private final Shared shared;
    private final int rank;
    private boolean closed;

    private static final class Shared {
        final int size;
        final CyclicBarrier barrier;
        final long timeoutNanos;
        final Object[] posted;

        Shared(int size, Duration timeout) {
            this.size = size;
            this.barrier = new CyclicBarrier(size);
            this.timeoutNanos = timeout.toNanos();
            this.posted = new Object[size];
        }
    }

    private LocalCollective(Shared shared, int rank) {
        this.shared = shared;
        this.rank = rank;
    }

    /** A group of {@code size} members (member {@code i} has rank {@code i}), each for one thread. */
    public static List<Collective> group(int size, Duration timeout) {
        if (size < 1) throw new IllegalArgumentException("Invalid world size: " + size + " (must be >= 1)");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("Invalid timeout: " + timeout);
        Shared s = new Shared(size, timeout);
        List<Collective> out = new ArrayList<>();
        for (int r = 0; r < size; r++) out.add(new LocalCollective(s, r));
        return List.copyOf(out);
    }

    @Override public int rank() { return rank; }
    @Override public int worldSize() { return shared.size; }

    private void await(String op) {
        if (closed) throw new IllegalStateException("this collective is closed");
        try {
            shared.barrier.await(shared.timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new CollectiveException(op + ": not every rank arrived within "
                    + Duration.ofNanos(shared.timeoutNanos) + " (rank " + rank + " of " + shared.size + " waited)", e);
        } catch (BrokenBarrierException e) {
            throw new CollectiveException(op + ": the group is broken (another rank timed out or failed)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shared.barrier.reset();
            throw new CollectiveException(op + ": interrupted", e);
        }
    }

    /** Posts this rank's argument, waits for all, runs {@code own} on everyone's, waits again. */
    private void exchange(String op, Object arg, Runnable own) {
        shared.posted[rank] = arg;
        await(op);
        try {
            own.run();
        } finally {
            await(op);
        }
    }

    private MemorySegment posted(int r) {
        return (MemorySegment) shared.posted[r];
    }

    private static long count(MemorySegment s, Precision p, String what) {
        if (s.byteSize() % p.byteSize() != 0) {
            throw new IllegalArgumentException(what + " of " + s.byteSize() + " bytes is not a whole number of " + p + " values");
        }
        return s.byteSize() / p.byteSize();
    }

    @Override
    public void reduceScatter(MemorySegment input, MemorySegment output, Precision precision) {
        long n = count(output, precision, "output");
        if (count(input, precision, "input") != n * shared.size) {
            throw new IllegalArgumentException("reduceScatter: input has " + input.byteSize() / precision.byteSize()
                    + " elements, expected " + shared.size + " x " + n);
        }
        exchange("reduceScatter", input, () -> {
            long from = rank * n;
            for (int r = 0; r < shared.size; r++) {
                MemorySegment in = posted(r).asSlice(from * precision.byteSize(), n * precision.byteSize());
                if (r == 0) output.copyFrom(in);
                else add(output, in, precision, n);
            }
        });
    }

    private static void add(MemorySegment acc, MemorySegment x, Precision p, long n) {
        switch (p) {
            case BF16, F16 -> throw Buffers.reduced(p);
            case F32 -> {
                for (long i = 0; i < n; i++) {
                    acc.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i,
                            acc.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i) + x.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i));
                }
            }
            case F64 -> {
                for (long i = 0; i < n; i++) {
                    acc.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i,
                            acc.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i) + x.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i));
                }
            }
        }
    }

    @Override
    public void allGather(MemorySegment input, MemorySegment output, Precision precision) {
        long n = count(input, precision, "input");
        if (count(output, precision, "output") != n * shared.size) {
            throw new IllegalArgumentException("allGather: output has " + output.byteSize() / precision.byteSize()
                    + " elements, expected " + shared.size + " x " + n);
        }
        long bytes = n * precision.byteSize();
        exchange("allGather", input, () -> {
            for (int r = 0; r < shared.size; r++) {
                MemorySegment dst = output.asSlice(r * bytes, bytes);
                MemorySegment src = posted(r);
                if (!(r == rank && dst.equals(src))) dst.copyFrom(src);
            }
        });
    }

    @Override
    public void allToAll(MemorySegment input, MemorySegment output, Precision precision) {
        long total = count(input, precision, "input");
        if (total % shared.size != 0 || count(output, precision, "output") != total) {
            throw new IllegalArgumentException("allToAll: input and output must both hold " + shared.size
                    + " equal chunks, got " + total + " and " + output.byteSize() / precision.byteSize() + " elements");
        }
        long bytes = total / shared.size * precision.byteSize();
        exchange("allToAll", input, () -> {
            for (int r = 0; r < shared.size; r++) {
                output.asSlice(r * bytes, bytes).copyFrom(posted(r).asSlice(rank * bytes, bytes));
            }
        });
    }

    @Override
    public void allReduceSum(MemorySegment buffer, Precision precision) {
        long n = count(buffer, precision, "buffer");
        MemorySegment copy = MemorySegment.ofArray(new byte[Math.toIntExact(buffer.byteSize())]);
        exchange("allReduceSum", buffer, () -> {
            for (int r = 0; r < shared.size; r++) {
                if (r == 0) copy.copyFrom(posted(r));
                else add(copy, posted(r), precision, n);
            }
        });
        buffer.copyFrom(copy); // after every rank has read every input
    }

    @Override
    public double allReduceSum(double value) {
        double[] out = new double[1];
        exchange("allReduceSum", MemorySegment.ofArray(new double[] {value}), () -> {
            double s = 0;
            for (int r = 0; r < shared.size; r++) {
                double v = posted(r).getAtIndex(ValueLayout.JAVA_DOUBLE, 0);
                s = r == 0 ? v : s + v;
            }
            out[0] = s;
        });
        return out[0];
    }

    @Override
    public double allReduceMax(double value) {
        double[] out = new double[1];
        exchange("allReduceMax", MemorySegment.ofArray(new double[] {value}), () -> {
            double[] all = new double[shared.size];
            for (int r = 0; r < shared.size; r++) all[r] = posted(r).getAtIndex(ValueLayout.JAVA_DOUBLE, 0);
            out[0] = Scalars.max(all);
        });
        return out[0];
    }

    @Override
    public void barrier() {
        exchange("barrier", null, () -> {});
    }

    @Override
    public void close() {
        closed = true;
    }
}
