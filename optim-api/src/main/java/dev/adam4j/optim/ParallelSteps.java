package dev.adam4j.optim;

import dev.adam4j.kernels.AdamHyperparameters;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Splits one kernel call across threads. The step is element-wise, so any split gives results
 * bitwise identical to one thread. Chunks start on 64-byte cache lines: exactly for native segments
 * (their address is known), and counted from the array's first element for Java arrays, whose
 * address the JVM neither exposes nor keeps (the collector moves them): there, at most the one line
 * around each boundary may be written by two threads.
 */
final class ParallelSteps {
    /**
     * Below this many elements a run stays on the caller's thread: waking a pool thread costs tens
     * of microseconds, as much as stepping 64K elements (measured: 2 threads on 65,536 elements ran at
     * a third of 1 thread's speed, on 1,048,576 at 1.6 times it; PeerBench, docs/benchmarks.md).
     */
    static final long THRESHOLD = 1 << 18;
    private static final int LINE = 64;
    /** Never started: asks a segment whether threads other than its owner may touch it. */
    private static final Thread OTHER = Thread.ofPlatform().unstarted(() -> { });

    private final Executor executor;
    private final int threads;

    ParallelSteps(Executor executor, int threads) {
        this.executor = executor;
        this.threads = threads;
    }

    /** adam4j's own pool of daemon threads, created on first use; never the common ForkJoinPool. */
    static Executor defaultExecutor() {
        return DefaultPool.POOL;
    }

    private static final class DefaultPool {
        static final ExecutorService POOL;

        static {
            AtomicInteger n = new AtomicInteger();
            POOL = Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "adam4j-step-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
    }

    void step(AdamHyperparameters h, long t, double gradScale, DataBuffer p, DataBuffer g, DataBuffer m,
            DataBuffer v, DataBuffer x) {
        long n = p.length();
        if (threads <= 1 || n < THRESHOLD || !shareable(p, g, m, v, x)) {
            KernelCall.step(h, t, gradScale, p, g, m, v, x);
            return;
        }
        int parts = (int) Math.min(threads, Math.max(1, n / (THRESHOLD / 2)));
        long quantum = LINE / p.precision().byteSize();
        long lead = p instanceof DataBuffer.Segment s && s.segment().isNative()
                ? ((s.segment().address() + s.offset() * p.precision().byteSize()) % LINE) / p.precision().byteSize()
                : 0; // elements before the first line boundary are counted from index 0
        long[] cut = new long[parts + 1];
        cut[parts] = n;
        for (int k = 1; k < parts; k++) {
            long ideal = n * k / parts;
            long aligned = ((ideal + lead + quantum - 1) / quantum) * quantum - lead;
            cut[k] = Math.min(n, Math.max(cut[k - 1], aligned));
        }
        CompletableFuture<?>[] others = new CompletableFuture<?>[parts - 1];
        for (int k = 1; k < parts; k++) {
            long from = cut[k], len = cut[k + 1] - cut[k];
            others[k - 1] = CompletableFuture.runAsync(() -> KernelCall.step(h, t, gradScale, p.slice(from, len),
                    g.slice(from, len), m.slice(from, len), v.slice(from, len), x == null ? null : x.slice(from, len)), executor);
        }
        RuntimeException first = null;
        try {
            KernelCall.step(h, t, gradScale, p.slice(0, cut[1]), g.slice(0, cut[1]), m.slice(0, cut[1]),
                    v.slice(0, cut[1]), x == null ? null : x.slice(0, cut[1]));
        } catch (RuntimeException e) {
            first = e;
        }
        for (CompletableFuture<?> f : others) {
            try {
                f.join();
            } catch (CompletionException e) {
                if (first == null) first = e.getCause() instanceof RuntimeException r ? r : e;
            }
        }
        if (first != null) throw first;
    }

    /** Segments confined to one thread cannot be handed to others. */
    private static boolean shareable(DataBuffer... buffers) {
        for (DataBuffer b : buffers) {
            if (b instanceof DataBuffer.Segment s) {
                MemorySegment seg = s.segment();
                if (!seg.isAccessibleBy(OTHER)) return false;
            }
        }
        return true;
    }
}
