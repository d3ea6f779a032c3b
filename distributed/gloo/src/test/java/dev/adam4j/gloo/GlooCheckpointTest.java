package dev.adam4j.gloo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.distributed.Collective;
import dev.adam4j.distributed.Harness;
import dev.adam4j.distributed.LocalCollective;
import dev.adam4j.distributed.ShardedCheckpoint;
import dev.adam4j.distributed.ShardedCheckpointTest;
import dev.adam4j.distributed.ShardedCheckpointTest.Part;
import dev.adam4j.distributed.ShardedOptimizer;
import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.FlatParameters;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sharded checkpoints across JVMs over Gloo: saved by 2 processes, loaded by 3 (re-sharded), and a
 * rank killed during a save leaves the previous checkpoint loadable.
 */
class GlooCheckpointTest {
    @TempDir Path dir;

    List<Part> launch(int n, String... args) throws Exception {
        int[] ranks = new int[n];
        for (int r = 0; r < n; r++) ranks[r] = r;
        String[] full = new String[args.length + 1];
        full[0] = args[0];
        full[1] = dir.resolve(args[0] + "-" + n + "-out{rank}").toString();
        System.arraycopy(args, 1, full, 2, args.length - 1);
        try (Ranks rs = Ranks.start(n, ranks, dir, 20_000, full)) {
            int[] codes = rs.await(90);
            for (int r = 0; r < n; r++) assertEquals(0, codes[r], "rank " + r + "; log:\n" + rs.log(r));
        }
        List<Part> parts = new ArrayList<>();
        for (int r = 0; r < n; r++) parts.add(Checkpoints.read(dir.resolve(args[0] + "-" + n + "-out" + r)));
        return parts;
    }

    @Test
    void savedBy2LoadedBy3AndSurvivesAKilledRank() throws Exception {
        String ck = dir.resolve("ck").toString();
        ShardedCheckpointTest.Global saved = ShardedCheckpointTest.assemble(launch(2, "save", ck, "3"));
        assertEquals(3, saved.step());
        ShardedCheckpointTest.Global loaded = ShardedCheckpointTest.assemble(launch(3, "load", ck));
        assertArrayEquals(saved.params(), loaded.params());
        assertArrayEquals(saved.m(), loaded.m());
        assertArrayEquals(saved.v(), loaded.v());
        assertArrayEquals(saved.x(), loaded.x());
        assertEquals(saved.step(), loaded.step());
        assertEquals(saved.lr(), loaded.lr());

        // rank 1 dies after its step; rank 0's save fails with a collective timeout, and the
        // manifest still names the complete generation
        try (Ranks rs = Ranks.start(2, new int[] {0, 1}, dir, 3_000, "kill-during-save", dir.resolve("kill{rank}").toString(), ck)) {
            int[] codes = rs.await(60);
            assertEquals(9, codes[1], rs.log(1));
            assertEquals(3, codes[0], "rank 0 must fail cleanly; log:\n" + rs.log(0));
            assertTrue(rs.log(0).contains("COLLECTIVE FAILURE"), rs.log(0));
        }
        assertEquals(0, ShardedCheckpoint.readManifest(Path.of(ck)).generation());
        List<Collective> one = LocalCollective.group(1, Duration.ofSeconds(10));
        FlatParameters flat = Harness.model(Precision.F32, ShardedCheckpointTest.MODEL, 1, null);
        try (ShardedOptimizer so = ShardedOptimizer.create(flat, one.get(0), ShardedCheckpointTest.FACTORY)) {
            ShardedCheckpoint.load(so, Path.of(ck));
            ShardedCheckpointTest.Global after = ShardedCheckpointTest.assemble(List.of(ShardedCheckpointTest.part(so)));
            assertArrayEquals(saved.params(), after.params());
            assertArrayEquals(saved.m(), after.m());
            assertArrayEquals(saved.x(), after.x());
            assertEquals(saved.step(), after.step());
        }
    }
}
