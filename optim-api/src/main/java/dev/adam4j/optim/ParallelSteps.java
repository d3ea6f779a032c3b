package dev.adam4j.optim;

import dev.adam4j.kernels.AdamHyperparameters;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Splits one kernel call across threads. The step is element-wise, so any split gives results
 * bitwise identical to one thread. Chunks start on 64-byte cache lines: exactly for native segments
 * (their address is known), and counted from the array's first element for Java arrays, whose
 * address the JVM neither exposes nor keeps (the collector moves them): there, at most the one line
 * around each boundary may be written by two threads.
 */
final class ParallelSteps {
    /**
     * Elements per thread below which adam4j's own pool ({@link StepPool}) is not worth a hand-off.
     * Measured with {@code OptimizerBench.threads} and the grain lowered to 1,024 (one fork each,
     * f32): 2 threads vs 1 were 0.74x at 16,384 elements, 1.15x at 32,768 and 1.52x at 65,536.
     */
    static final int DEFAULT_GRAIN = 1 << 14;
    /**
     * The same for an executor the user passes in, whose threads may have to be woken up: waking a
     * parked thread costs tens of microseconds here, as much as stepping 64K elements.
     */
    static final int EXECUTOR_GRAIN = 1 << 17;
    /** How long the caller spins for the other parts to finish before it parks. */
    static final long JOIN_SPIN_NANOS = 50_000;
    private static final int LINE = 64;
    /** Never started: asks a segment whether threads other than its owner may touch it. */
    private static final Thread OTHER = Thread.ofPlatform().unstarted(() -> { });

    private final Executor executor;
    private final int threads;
    private final long grain;

    ParallelSteps(Executor executor, int threads, long grain) {
        this.executor = executor;
        this.threads = threads;
        this.grain = grain;
    }

    /** adam4j's own pool of daemon threads, created on first use; never the common ForkJoinPool. */
    static Executor defaultExecutor() {
        return StepPool.INSTANCE;
    }

    /**
     * One kernel call split into chunks on cache-line boundaries. The chunks are claimed atomically,
     * by the caller and by the tasks handed to the executor, so every chunk runs exactly once
     * whatever the executor does: a task it drops, runs twice, runs late, or runs and then throws
     * changes nothing, because the caller claims every chunk no task has claimed (so a step never
     * waits for a task that may never run), and a task that runs after the chunks are gone claims
     * nothing. The caller returns only when every claimed chunk is finished, so no other thread
     * writes the buffers after {@code step} returns or throws. The first failure of a chunk is
     * rethrown; an executor that refuses a task ({@code RuntimeException}) only loses the help; an
     * {@code Error} thrown by {@code execute} is rethrown once the step is complete.
     */
    void step(AdamHyperparameters h, long t, double gradScale, DataBuffer p, DataBuffer low, DataBuffer g, DataBuffer m,
            DataBuffer v, DataBuffer x, boolean stochastic, long seed) {
        long n = p.length();
        int parts = (int) Math.min(threads, n / grain);
        if (parts <= 1 || !shareable(p, low, g, m, v, x)) {
            KernelCall.step(h, t, gradScale, p, low, g, m, v, x, stochastic, seed, 0);
            return;
        }
        // in elements of the narrowest buffer (16-bit moments of f32 parameters), so that its chunks too start on lines
        long quantum = LINE / Math.min(p.precision().byteSize(), m.precision().byteSize());
        long lead = p instanceof DataBuffer.Segment s && s.segment().isNative()
                ? ((s.segment().address() + s.offset() * p.precision().byteSize()) % LINE) / p.precision().byteSize()
                : 0; // elements before the first line boundary are counted from index 0
        long[] cut = cuts(n, parts, quantum, lead);
        run(parts, k -> {
            long from = cut[k], len = cut[k + 1] - cut[k];
            // a chunk's first element is element `from` of the call (a stochastic call covers one parameter)
            KernelCall.step(h, t, gradScale, p.slice(from, len), low == null ? null : low.slice(from, len), g.slice(from, len),
                    m.slice(from, len), v.slice(from, len), x == null ? null : x.slice(from, len), stochastic, seed, from);
        });
    }

    /**
     * The boundaries of {@code parts} near-equal chunks of {@code [0, n)}: {@code cut[k]} to
     * {@code cut[k + 1]}, each inner boundary rounded up to a multiple of {@code quantum} elements past
     * the {@code lead} elements before the first line boundary.
     */
    static long[] cuts(long n, int parts, long quantum, long lead) {
        long[] cut = new long[parts + 1];
        cut[parts] = n;
        for (int k = 1; k < parts; k++) {
            long ideal = n * k / parts;
            long aligned = ((ideal + lead + quantum - 1) / quantum) * quantum - lead;
            cut[k] = Math.min(n, Math.max(cut[k - 1], aligned));
        }
        return cut;
    }

    /**
     * How many parts a pass over {@code elements} elements of {@code buffers} is split into: at most
     * the thread count, at least {@link #grain} elements each, and 1 when a buffer is a segment
     * confined to its owner thread.
     */
    int parts(long elements, java.util.List<? extends DataBuffer> buffers) {
        int parts = (int) Math.min(threads, elements / grain);
        if (parts <= 1) return 1;
        for (DataBuffer b : buffers) {
            if (!shareable(b)) return 1;
        }
        return parts;
    }

    /**
     * Runs {@code part.accept(k)} for every {@code k} in {@code [0, parts)}, each exactly once, on the
     * executor's threads and the caller's, with the guarantees of {@link #step}: the caller claims
     * whatever no task claimed, returns only when every claimed part is finished, and rethrows the
     * first failure.
     */
    void run(int parts, java.util.function.IntConsumer part) {
        if (parts <= 1) {
            if (parts == 1) part.accept(0);
            return;
        }
        Job job = new Job(parts, part);
        Error executorError = null;
        for (int k = 1; k < parts; k++) {
            try {
                executor.execute(job::work);
            } catch (RuntimeException rejected) {
                break; // a rejecting executor (shut down, saturated): the caller claims the rest
            } catch (Error e) {
                executorError = e;
                break;
            }
        }
        job.work(); // the caller's share, and whatever no task has claimed
        job.await();
        if (executorError != null) throw executorError;
    }

    /**
     * The chunks of one call: claimed through one counter, counted as finished through another.
     * The caller waits for the finished count, spinning for up to {@link #JOIN_SPIN_NANOS} (the
     * chunks are equal, so they usually finish within a microsecond of the caller's), then parking.
     */
    private static final class Job {
        private final int parts;
        private final java.util.function.IntConsumer chunk;
        private final AtomicInteger next = new AtomicInteger();
        private final AtomicInteger finished = new AtomicInteger();
        private final Thread waiter = Thread.currentThread();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(int parts, java.util.function.IntConsumer chunk) {
            this.parts = parts;
            this.chunk = chunk;
        }

        /** Claims and runs chunks until none is left. Safe to call any number of times, at any time. */
        void work() {
            for (int k = next.getAndIncrement(); k < parts; k = next.getAndIncrement()) {
                try {
                    chunk.accept(k);
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                } finally {
                    if (finished.incrementAndGet() == parts) LockSupport.unpark(waiter);
                }
            }
        }

        void await() {
            long spinUntil = System.nanoTime() + JOIN_SPIN_NANOS;
            boolean interrupted = false;
            while (finished.get() != parts) {
                if (System.nanoTime() - spinUntil < 0) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                    interrupted |= Thread.interrupted();
                }
            }
            if (interrupted) Thread.currentThread().interrupt();
            Throwable e = failure.get();
            if (e instanceof RuntimeException r) throw r;
            if (e instanceof Error r) throw r;
            if (e != null) throw new IllegalStateException(e);
        }
    }

    /** Segments confined to one thread cannot be handed to others. */
    private static boolean shareable(DataBuffer... buffers) {
        for (DataBuffer b : buffers) {
            if (b instanceof DataBuffer.Segment s) { // null (an absent buffer) matches no pattern
                MemorySegment seg = s.segment();
                if (!seg.isAccessibleBy(OTHER)) return false;
            }
        }
        return true;
    }
}
