package dev.adam4j.optim;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * adam4j's default pool for multi-threaded steps: daemon threads that, after finishing a task, spin
 * for up to {@link #IDLE_SPIN_NANOS} waiting for the next one before they park. Parking and waking
 * a thread costs tens of microseconds on these machines, as much as stepping 64K elements; a
 * training loop or a benchmark that steps several large runs back to back hands each one over in
 * about a microsecond instead. It is the policy OpenMP runtimes use (libgomp's spin count, Intel's
 * KMP_BLOCKTIME), bounded here to {@value #IDLE_SPIN_NANOS} ns of one core per worker after each task.
 *
 * <p>Threads are created on demand, one per task that finds no idle worker, and then stay parked
 * while unused; there are never more than the largest number of tasks that were pending at once.
 */
final class StepPool implements Executor {
    /** How long an idle worker spins for the next task before it parks. */
    static final long IDLE_SPIN_NANOS = 50_000;

    static final StepPool INSTANCE = new StepPool("adam4j-step-");

    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final CopyOnWriteArrayList<Worker> workers = new CopyOnWriteArrayList<>();
    /** Workers waiting for a task minus tasks queued for them: a task may be queued only against a waiting worker. */
    private final AtomicInteger idle = new AtomicInteger();
    private final AtomicInteger names = new AtomicInteger();
    private final String prefix;

    StepPool(String prefix) {
        this.prefix = prefix;
    }

    /** Threads created so far. */
    int size() {
        return workers.size();
    }

    /** Workers waiting for a task (spinning or parked) and not yet promised one. */
    int idle() {
        return idle.get();
    }

    /** Workers parked. */
    int parked() {
        int n = 0;
        for (Worker w : workers) if (w.parked) n++;
        return n;
    }

    @Override
    public void execute(Runnable task) {
        for (int i = idle.get(); i > 0; i = idle.get()) {
            if (idle.compareAndSet(i, i - 1)) {
                tasks.offer(task);
                for (Worker w : workers) {
                    if (w.parked) {
                        LockSupport.unpark(w.thread);
                        break;
                    }
                }
                return;
            }
        }
        Worker w = new Worker(task);
        Thread t = new Thread(w, prefix + names.incrementAndGet());
        t.setDaemon(true);
        w.thread = t;
        workers.add(w);
        t.start();
    }

    private final class Worker implements Runnable {
        private Runnable first;
        volatile Thread thread;
        volatile boolean parked;

        Worker(Runnable first) {
            this.first = first;
        }

        @Override
        public void run() {
            Runnable task = first;
            first = null;
            while (true) {
                try {
                    task.run();
                } catch (Throwable e) {
                    // tasks report their own failures (ParallelSteps.Join); the worker survives
                }
                task = next();
            }
        }

        private Runnable next() {
            idle.incrementAndGet();
            long spinUntil = System.nanoTime() + IDLE_SPIN_NANOS;
            while (true) {
                Runnable task = tasks.poll();
                if (task != null) return task;
                if (System.nanoTime() - spinUntil < 0) {
                    Thread.onSpinWait();
                    continue;
                }
                // announce the park, then look once more: a producer that offered before seeing
                // parked == false has its task found here; one that offers after sees parked == true
                parked = true;
                task = tasks.poll();
                if (task == null) LockSupport.park(this);
                parked = false;
                if (task != null) return task;
            }
        }
    }
}
