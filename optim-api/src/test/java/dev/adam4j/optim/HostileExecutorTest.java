package dev.adam4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Multi-threaded steps with executors that do not run each task exactly once: each step finishes,
 * every element is stepped exactly once (bitwise equal to one thread), and nothing writes the
 * buffers after {@code step} returns. Before the fix these hung or stepped a chunk twice.
 */
class HostileExecutorTest {
    static final int N = 100_003, GRAIN = 1_024, THREADS = 4;

    static Param param() {
        float[] w = new float[N], g = new float[N];
        for (int i = 0; i < N; i++) {
            w[i] = (float) Math.sin(i);
            g[i] = (float) Math.cos(i * 0.3);
        }
        Param p = Param.of("w", w);
        p.setGrad(DataBuffer.of(g));
        return p;
    }

    static ThreadPoolExecutor shutDown(java.util.concurrent.RejectedExecutionHandler policy) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), policy);
        pool.shutdown();
        return pool;
    }

    static final List<Runnable> LATE = new ArrayList<>();

    static Stream<Arguments> executors() {
        return Stream.of(
                Arguments.of("drops every task", (Executor) r -> { }),
                Arguments.of("runs every task twice", (Executor) r -> { r.run(); r.run(); }),
                Arguments.of("runs, then throws", (Executor) r -> { r.run(); throw new IllegalStateException("after"); }),
                Arguments.of("shut down, CallerRunsPolicy", shutDown(new ThreadPoolExecutor.CallerRunsPolicy())),
                Arguments.of("shut down, DiscardPolicy", shutDown(new ThreadPoolExecutor.DiscardPolicy())),
                Arguments.of("keeps tasks to run after the step", (Executor) LATE::add));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("executors")
    void everyElementIsSteppedExactlyOnce(String name, Executor executor) {
        Param reference = param();
        Adam one = new Adam(List.of(reference));
        Param p = param();
        Adam many = new Adam(List.of(p)).setParallelism(executor, THREADS, GRAIN);
        LATE.clear();
        for (int step = 0; step < 3; step++) {
            one.step();
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> many.step(), name + ": the step must finish");
            for (Runnable late : LATE) late.run(); // must claim nothing
            LATE.clear();
            assertArrayEquals(Bits.of(reference.data()), Bits.of(p.data()), name + ": bitwise equal to one thread");
            assertArrayEquals(Bits.of(one.state(reference).expAvg()), Bits.of(many.state(p).expAvg()));
        }
        assertEquals(3, many.state(p).step());
    }

    @org.junit.jupiter.api.Test
    void anErrorFromExecuteIsRethrownAfterAWholeStep() {
        Param reference = param();
        Adam one = new Adam(List.of(reference));
        one.step();
        Param p = param();
        Adam many = new Adam(List.of(p)).setParallelism(r -> { throw new AssertionError("executor broke"); }, THREADS, GRAIN);
        AssertionError e = assertThrows(AssertionError.class, many::step);
        assertEquals("executor broke", e.getMessage());
        assertArrayEquals(Bits.of(reference.data()), Bits.of(p.data()), "the step happened whole, on the caller");
        assertEquals(1, many.state(p).step());
    }
}
