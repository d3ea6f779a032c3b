package dev.adam4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/** {@link ParallelRanges}: every element exactly once, chunks on 64-byte lines, failures rethrown, bad arguments refused. */
class ParallelRangesTest {

    @Test
    void everyElementRunsExactlyOnceInLineAlignedChunks() {
        for (int threads : new int[] {1, 2, 3, 8}) {
            for (long n : new long[] {0, 1, 16_383, 32_768, 100_003}) {
                for (long address : new long[] {0, 4, 60, 4096 + 12}) {
                    AtomicIntegerArray seen = new AtomicIntegerArray((int) n);
                    List<long[]> chunks = Collections.synchronizedList(new ArrayList<>());
                    ParallelRanges.run(threads, n, address, 4, (from, len) -> {
                        chunks.add(new long[] {from, len});
                        for (long i = from; i < from + len; i++) seen.incrementAndGet((int) i);
                    });
                    for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), "element " + i + " of " + n + ", " + threads + " threads");
                    long expectedParts = n == 0 ? 0 : Math.max(1, Math.min(threads, n / 16_384));
                    assertEquals(expectedParts, chunks.size(), "chunks of " + n + " elements on " + threads + " threads");
                    for (long[] c : chunks) {
                        if (c[0] != 0) assertEquals(0, (address + 4 * c[0]) % 64, "chunk start " + c[0] + " on a line, address " + address);
                    }
                }
            }
        }
    }

    @Test
    void theFirstFailureIsRethrownAfterEveryChunkFinished() {
        ConcurrentHashMap<Long, Boolean> finished = new ConcurrentHashMap<>();
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ParallelRanges.run(2, 40_000, 0, 4, (from, len) -> {
            if (from == 0) throw boom;
            finished.put(from, true);
        }));
        assertSame(boom, e);
        assertEquals(1, finished.size(), "the other chunk ran to its end before run returned");
    }

    @Test
    void badArgumentsAreRefused() {
        ParallelRanges.Chunk none = (from, len) -> { };
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ParallelRanges.run(0, 10, 0, 4, none)).getMessage().contains("Invalid threads: 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ParallelRanges.run(2, -1, 0, 4, none)).getMessage().contains("Invalid n: -1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ParallelRanges.run(2, 10, 0, 3, none)).getMessage().contains("Invalid elementBytes: 3"));
        assertThrows(NullPointerException.class, () -> ParallelRanges.run(2, 10, 0, 4, null));
    }
}
