package dev.adam4j.gloo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.distributed.ShardedOptimizerTest;
import dev.adam4j.distributed.ShardedOptimizerTest.Mode;
import dev.adam4j.distributed.ShardedOptimizerTest.RankResult;
import dev.adam4j.kernels.Precision;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sharded steps across 1, 2 and 3 JVMs over Gloo on 127.0.0.1: bit-identical to a single-process step
 * on the reduced gradients the ranks received (whatever order Gloo summed in), and the deterministic
 * reduction equal to one process summing the micro-batches in order.
 */
class GlooShardedTest {
    @TempDir Path dir;

    static long[] read(DataInputStream d) throws IOException {
        long[] a = new long[d.readInt()];
        for (int i = 0; i < a.length; i++) a[i] = d.readLong();
        return a;
    }

    void runStep(int n) throws Exception {
        int[] ranks = new int[n];
        for (int r = 0; r < n; r++) ranks[r] = r;
        try (Ranks rs = Ranks.start(n, ranks, dir, 20_000, "step", dir.resolve("out{rank}").toString())) {
            int[] codes = rs.await(90);
            for (int r = 0; r < n; r++) assertEquals(0, codes[r], "rank " + r + " exit code; log:\n" + rs.log(r));
        }
        List<List<RankResult>> byConfig = new ArrayList<>();
        List<long[]> deterministic = new ArrayList<>();
        for (int c = 0; c < GlooWorker.CONFIGS.length; c++) byConfig.add(new ArrayList<>());
        for (int r = 0; r < n; r++) {
            try (InputStream is = Files.newInputStream(dir.resolve("out" + r)); DataInputStream d = new DataInputStream(is)) {
                for (int c = 0; c < GlooWorker.CONFIGS.length; c++) {
                    long[] params = read(d);
                    long[][] state = {read(d), read(d), read(d)};
                    int steps = d.readInt();
                    List<long[]> reduced = new ArrayList<>();
                    for (int s = 0; s < steps; s++) reduced.add(read(d));
                    long step = d.readLong();
                    List<Double> norms = new ArrayList<>();
                    for (int k = d.readInt(); k > 0; k--) norms.add(d.readDouble());
                    byConfig.get(c).add(new RankResult(params, state, reduced, step, norms));
                }
                deterministic.add(read(d));
            }
        }
        for (int c = 0; c < GlooWorker.CONFIGS.length; c++) {
            Object[] cfg = GlooWorker.CONFIGS[c];
            ShardedOptimizerTest.checkAgainstReference(ShardedOptimizerTest.VARIANTS.get((Integer) cfg[0]), (Precision) cfg[1],
                    ShardedOptimizerTest.MODELS[(Integer) cfg[3]], n, byConfig.get(c), (Mode) cfg[2], (Double) cfg[4], false,
                    cfg[2] == Mode.CLIP_SCALAR ? byConfig.get(c).get(0).norms() : null);
        }
        long[] want = ShardedOptimizerTest.deterministicReference(ShardedOptimizerTest.MODELS[2]);
        for (int r = 0; r < n; r++) {
            assertArrayEquals(want, Arrays.copyOf(deterministic.get(r), want.length), "deterministic, rank " + r);
        }
    }

    @Test
    void oneRank() throws Exception {
        runStep(1);
    }

    @Test
    void twoRanks() throws Exception {
        runStep(2);
    }

    @Test
    void threeRanks() throws Exception {
        runStep(3);
    }

    @Test
    void aRankThatNeverArrivesGivesAClearTimeout() throws Exception {
        long t0 = System.nanoTime();
        try (Ranks rs = Ranks.start(2, new int[] {0}, dir, 3_000, "barrier", dir.resolve("unused").toString())) {
            int[] codes = rs.await(60);
            String log = rs.log(0);
            assertEquals(3, codes[0], "exit code; log:\n" + log);
            assertTrue(log.contains("COLLECTIVE FAILURE") && log.contains("rank 0 of 2"), log);
        }
        assertTrue(System.nanoTime() - t0 < 60_000_000_000L);
    }
}
