package dev.adam4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.Precision;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Multi-threaded steps are bitwise identical to one thread, for any thread count and split. */
class ParallelStepsTest {

    static List<Param> model(Precision p, int n, boolean nativeMemory, Arena arena) {
        FlatParameters.Builder b = FlatParameters.builder(p).add("big", n).add("small", 1000).add("odd", 70_001);
        if (nativeMemory) b.nativeMemory(arena);
        FlatParameters f = b.build();
        SplittableRandom r = new SplittableRandom(n);
        for (long i = 0; i < f.data().length(); i++) {
            f.data().set(i, r.nextGaussian());
            f.grad().set(i, r.nextGaussian());
        }
        return f.params();
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4, 7})
    void anyThreadCountGivesTheSameBits(int threads) {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (Arena arena = Arena.ofShared()) {
            for (Precision p : new Precision[] {Precision.F32, Precision.F64}) {
                for (boolean nat : new boolean[] {false, true}) {
                    List<Param> one = model(p, 300_007, nat, arena), many = model(p, 300_007, nat, arena);
                    Adam a = new Adam(one, AdamOptions.of().amsgrad(true).weightDecay(0.1));
                    Adam b = new Adam(many, AdamOptions.of().amsgrad(true).weightDecay(0.1)).setParallelism(pool, threads);
                    for (int s = 0; s < 3; s++) {
                        a.step();
                        b.step();
                    }
                    assertArrayEquals(Bits.ofState(a, one), Bits.ofState(b, many), p + " native=" + nat);
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2})
    void theWorkIsReallySplitAndTheDefaultPoolIsOurs(int threads) {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        List<Param> ps = model(Precision.F32, 1 << 20, false, null);
        Adam a = new Adam(ps).setParallelism(command -> {
            seen.add("executor");
            ParallelSteps.defaultExecutor().execute(() -> {
                seen.add(Thread.currentThread().getName().replaceAll("\\d+$", ""));
                command.run();
            });
        }, threads);
        a.step();
        assertTrue(seen.contains("executor") && seen.contains("adam4j-step-"), seen.toString());
        assertThrows(IllegalArgumentException.class, () -> a.setParallelism(0));
        // a small run stays on the caller's thread
        Set<String> small = ConcurrentHashMap.newKeySet();
        Adam b = new Adam(List.of(Param.of("s", new float[100]))).setParallelism(c -> small.add("used"), 4);
        b.paramGroups().get(0).params().get(0).defineGrad();
        b.step();
        assertEquals(Set.of(), small);
    }

    @Test
    void theGrainDecidesWhetherARunIsSplit() {
        for (int grain : new int[] {1, 7, 1_000, 50_000}) {
            Set<String> used = ConcurrentHashMap.newKeySet();
            List<Param> one = model(Precision.F64, 2_000, false, null), many = model(Precision.F64, 2_000, false, null);
            Adam a = new Adam(one);
            Adam b = new Adam(many).setParallelism(c -> {
                used.add("split");
                c.run();
            }, 3, grain);
            for (int s = 0; s < 3; s++) {
                a.step();
                b.step();
            }
            assertArrayEquals(Bits.ofState(a, one), Bits.ofState(b, many), "grain " + grain);
            // the flat run holds 2,000 + 1,000 + 70,001 elements
            assertEquals(73_001 >= 2L * grain, used.contains("split"), "grain " + grain);
        }
        Adam c = new Adam(model(Precision.F32, 10, false, null));
        assertThrows(IllegalArgumentException.class, () -> c.setParallelism(Runnable::run, 2, 0));
        assertThrows(NullPointerException.class, () -> c.setParallelism(null, 2, 1));
    }

    @Test
    void tasksAnExecutorRejectsRunOnTheCallersThread() {
        List<Param> one = model(Precision.F32, 100_000, false, null), many = model(Precision.F32, 100_000, false, null);
        Adam a = new Adam(one);
        Adam b = new Adam(many).setParallelism(c -> {
            throw new RejectedExecutionException("full");
        }, 4, 1_000);
        for (int s = 0; s < 3; s++) {
            a.step();
            b.step();
        }
        assertArrayEquals(Bits.ofState(a, one), Bits.ofState(b, many));
    }

    @Test
    void theDefaultPoolSplitsSmallRunsBitwiseIdentically() throws Exception {
        for (Precision p : new Precision[] {Precision.F32, Precision.F64}) {
            List<Param> one = model(p, 40_000, false, null), many = model(p, 40_000, false, null);
            Adam a = new Adam(one, AdamOptions.of().weightDecay(0.01).decoupledWeightDecay(true));
            Adam b = new Adam(many, AdamOptions.of().weightDecay(0.01).decoupledWeightDecay(true)).setParallelism(2);
            for (int s = 0; s < 50; s++) {
                a.step();
                b.step();
            }
            assertArrayEquals(Bits.ofState(a, one), Bits.ofState(b, many), p.toString());
        }
    }
}
