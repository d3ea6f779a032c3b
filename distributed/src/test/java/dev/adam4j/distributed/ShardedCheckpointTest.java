package dev.adam4j.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.AdamState;
import dev.adam4j.optim.AdamW;
import dev.adam4j.optim.FlatParameters;
import dev.adam4j.optim.Optimizer;
import dev.adam4j.optim.Param;
import dev.adam4j.optim.checkpoint.Checkpoint;
import dev.adam4j.optim.checkpoint.CheckpointException;
import dev.adam4j.optim.lr.LambdaLR;
import dev.adam4j.optim.lr.Warmup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sharded checkpoints over threads: re-sharding round trips, merging, an interrupted save. */
public class ShardedCheckpointTest {
    public static final long[] MODEL = {1021, 3, 64, 7};
    public static final Function<List<Param>, Optimizer> FACTORY =
            ps -> new AdamW(ps, AdamOptions.of().lr(1e-2).amsgrad(true).weightDecay(0.05));

    @TempDir Path dir;

    /** The whole state of a group, assembled from its ranks: params, moments, step, lr. */
    public record Global(long[] params, long[] m, long[] v, long[] x, long step, double lr) {
        void assertSame(Global o, String what) {
            assertArrayEquals(params, o.params, what + ": params");
            assertArrayEquals(m, o.m, what + ": exp_avg");
            assertArrayEquals(v, o.v, what + ": exp_avg_sq");
            assertArrayEquals(x, o.x, what + ": max_exp_avg_sq");
            assertEquals(step, o.step, what + ": step");
            assertEquals(lr, o.lr, what + ": lr");
        }
    }

    /** One rank's part of a {@link Global}. */
    public record Part(long[] params, long offset, long[] m, long[] v, long[] x, long step, double lr) {}

    public static Part part(ShardedOptimizer so) {
        AdamState s = so.optimizer().state(so.shardParam());
        long total = so.layout().totalLength();
        return new Part(Arrays.copyOf(Harness.bits(so.flat().data()), (int) total), so.layout().start(so.collective().rank()),
                s == null ? new long[0] : Harness.bits(s.expAvg()), s == null ? new long[0] : Harness.bits(s.expAvgSq()),
                s == null || s.maxExpAvgSq() == null ? new long[0] : Harness.bits(s.maxExpAvgSq()), s == null ? -1 : s.step(),
                so.optimizer().paramGroups().get(0).lr());
    }

    public static Global assemble(List<Part> parts) {
        int total = parts.get(0).params().length;
        long[] m = new long[total], v = new long[total], x = new long[total];
        long step = -1;
        for (Part p : parts) {
            assertArrayEquals(parts.get(0).params(), p.params(), "every rank holds the same parameters");
            assertEquals(parts.get(0).lr(), p.lr());
            System.arraycopy(p.m(), 0, m, (int) p.offset(), p.m().length);
            System.arraycopy(p.v(), 0, v, (int) p.offset(), p.v().length);
            System.arraycopy(p.x(), 0, x, (int) p.offset(), p.x().length);
            if (p.m().length > 0) step = p.step();
        }
        return new Global(parts.get(0).params(), m, v, x, step, parts.get(0).lr());
    }

    /** Trains {@code steps} steps (after loading {@code from}, if given) and saves to {@code to}. */
    static Global run(int n, Path from, int steps, Path to, long initSeed) throws Exception {
        List<Collective> group = LocalCollective.group(n, Duration.ofSeconds(20));
        return assemble(Harness.onRanks(n, rank -> () -> {
            FlatParameters flat = Harness.model(Precision.F32, MODEL, n, null);
            Harness.fill(flat.data(), initSeed, 0);
            try (ShardedOptimizer so = ShardedOptimizer.create(flat, group.get(rank), FACTORY)) {
                LambdaLR sched = Warmup.linear(so.optimizer(), 3, 20);
                if (from != null) sched.loadStateDict(ShardedCheckpoint.load(so, from).get("lr_scheduler"));
                for (int s = 0; s < steps; s++) {
                    Harness.fill(flat.grad(), 31L * s + rank, 0);
                    so.step();
                    sched.step();
                }
                if (to != null) ShardedCheckpoint.save(so, to, Map.of("lr_scheduler", sched.stateDict()));
                return part(so);
            }
        }));
    }

    @Test
    void reshardingRoundTrip2to1to3to2KeepsEveryBit() throws Exception {
        Global saved = run(2, null, 3, dir.resolve("a"), 42);
        assertTrue(saved.step() == 3 && saved.lr() > 0);
        Global one = run(1, dir.resolve("a"), 0, dir.resolve("b"), 7);
        saved.assertSame(one, "2 -> 1");
        Global three = run(3, dir.resolve("b"), 0, dir.resolve("c"), 8);
        saved.assertSame(three, "1 -> 3");
        Global two = run(2, dir.resolve("c"), 0, null, 9);
        saved.assertSame(two, "3 -> 2");
        // and training on from the round trip equals training on without it
        Global direct = run(2, dir.resolve("a"), 2, null, 10);
        Global after = run(2, dir.resolve("c"), 2, null, 11);
        direct.assertSame(after, "continued");
        assertEquals(5, after.step());
    }

    @Test
    void mergeWritesTheSingleFileFormat() throws Exception {
        Global saved = run(3, null, 2, dir.resolve("a"), 42);
        FlatParameters model = Harness.model(Precision.F32, MODEL, 1, null);
        Map<String, Map<String, Object>> extras = ShardedCheckpoint.merge(dir.resolve("a"), model, FACTORY, dir.resolve("merged.safetensors"));
        assertTrue(extras.containsKey("lr_scheduler"));
        // an ordinary single-process optimizer loads it with Checkpoint.load
        FlatParameters fresh = Harness.model(Precision.F32, MODEL, 1, null);
        Optimizer opt = FACTORY.apply(fresh.params());
        Checkpoint.load(opt, dir.resolve("merged.safetensors"), true);
        assertArrayEquals(saved.params(), Arrays.copyOf(Harness.bits(fresh.data()), saved.params().length));
        double[][] st = Harness.flatState(opt, fresh);
        for (int i = 0; i < saved.m().length; i++) {
            assertEquals(saved.m()[i], Float.floatToRawIntBits((float) st[0][i]), "exp_avg " + i);
            assertEquals(saved.v()[i], Float.floatToRawIntBits((float) st[1][i]), "exp_avg_sq " + i);
            assertEquals(saved.x()[i], Float.floatToRawIntBits((float) st[2][i]), "max_exp_avg_sq " + i);
        }
        for (Param p : fresh.params()) assertEquals(2, opt.state(p).step());
        assertEquals(saved.lr(), opt.paramGroups().get(0).lr());
    }

    @Test
    void aRankLostDuringASaveLeavesThePreviousCheckpointLoadable() throws Exception {
        Path ck = dir.resolve("ck");
        Global first = run(2, null, 2, ck, 42);
        // a second save in which rank 1 never arrives: rank 0 writes its shard, then times out
        List<Collective> group = LocalCollective.group(2, Duration.ofMillis(500));
        ExecutionException e = assertThrows(ExecutionException.class, () -> Harness.onRanks(1, r -> () -> {
            FlatParameters flat = Harness.model(Precision.F32, MODEL, 2, null);
            try (ShardedOptimizer so = ShardedOptimizer.create(flat, group.get(0), FACTORY)) {
                ShardedCheckpoint.save(so, ck, Map.of());
            }
            return null;
        }));
        assertTrue(e.getCause() instanceof CollectiveException, String.valueOf(e.getCause()));
        // and a torn file of the new generation, as a killed writer could leave
        Files.writeString(ck.resolve(ShardedCheckpoint.fileName(1, 1, 2)), "torn");
        assertEquals(0, ShardedCheckpoint.readManifest(ck).generation());
        first.assertSame(run(2, ck, 0, null, 5), "after the failed save");
        first.assertSame(run(3, ck, 0, null, 6), "after the failed save, re-sharded");
    }

    @Test
    void aWrongModelOrABrokenManifestIsRefusedBeforeAnyChange() throws Exception {
        Path ck = dir.resolve("ck");
        run(2, null, 1, ck, 42);
        List<Collective> one = LocalCollective.group(1, Duration.ofSeconds(5));
        FlatParameters other = Harness.model(Precision.F32, new long[] {10}, 1, null);
        ShardedOptimizer so = ShardedOptimizer.create(other, one.get(0), FACTORY);
        CheckpointException e = assertThrows(CheckpointException.class, () -> ShardedCheckpoint.load(so, ck));
        assertTrue(e.getMessage().contains("1095 F32 elements, the model 10"), e.getMessage());
        assertEquals(null, so.optimizer().state(so.shardParam()));
        Files.writeString(ck.resolve(ShardedCheckpoint.MANIFEST), "{\"schema\":\"adam4j-sharded-manifest/9\"}");
        e = assertThrows(CheckpointException.class, () -> ShardedCheckpoint.readManifest(ck));
        assertTrue(e.getMessage().contains("adam4j-sharded-manifest/9"), e.getMessage());
    }
}
