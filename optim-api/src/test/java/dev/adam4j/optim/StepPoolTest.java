package dev.adam4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** adam4j's default pool: reuses idle workers, wakes parked ones, survives failing tasks. */
class StepPoolTest {

    private static void awaitIdle(StepPool pool, int idle) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pool.idle() != idle) {
            assertTrue(System.nanoTime() < deadline, "idle workers: " + pool.idle() + ", expected " + idle);
            Thread.sleep(0, 100_000);
        }
    }

    @Test
    void anIdleWorkerIsReusedInsteadOfStartingAThread() throws InterruptedException {
        StepPool pool = new StepPool("test-reuse-");
        Set<String> names = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 200; i++) {
            CountDownLatch done = new CountDownLatch(1);
            pool.execute(() -> {
                names.add(Thread.currentThread().getName());
                done.countDown();
            });
            assertTrue(done.await(10, TimeUnit.SECONDS), "task " + i + " ran");
            awaitIdle(pool, 1);
        }
        assertEquals(1, pool.size());
        assertEquals(Set.of("test-reuse-1"), names);
    }

    @Test
    void aParkedWorkerIsWokenAndConcurrentTasksGetTheirOwnThreads() throws InterruptedException {
        StepPool pool = new StepPool("test-park-");
        CountDownLatch both = new CountDownLatch(2), release = new CountDownLatch(1);
        for (int i = 0; i < 2; i++) {
            pool.execute(() -> {
                both.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        assertTrue(both.await(10, TimeUnit.SECONDS), "two blocking tasks run at once");
        assertEquals(2, pool.size());
        release.countDown();
        awaitIdle(pool, 2);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pool.parked() != 2) { // past the spin window both park
            assertTrue(System.nanoTime() < deadline, "parked: " + pool.parked());
            Thread.sleep(1);
        }
        CountDownLatch woke = new CountDownLatch(2);
        for (int i = 0; i < 2; i++) pool.execute(woke::countDown);
        assertTrue(woke.await(10, TimeUnit.SECONDS), "both parked workers were woken");
        assertEquals(2, pool.size(), "no thread was started for tasks that idle workers could take");
    }

    @Test
    void aFailingTaskDoesNotKillItsWorker() throws InterruptedException {
        StepPool pool = new StepPool("test-fail-");
        CountDownLatch failed = new CountDownLatch(1);
        pool.execute(() -> {
            failed.countDown();
            throw new IllegalStateException("boom");
        });
        assertTrue(failed.await(10, TimeUnit.SECONDS));
        awaitIdle(pool, 1);
        CountDownLatch ran = new CountDownLatch(1);
        pool.execute(ran::countDown);
        assertTrue(ran.await(10, TimeUnit.SECONDS));
        assertEquals(1, pool.size());
    }
}
