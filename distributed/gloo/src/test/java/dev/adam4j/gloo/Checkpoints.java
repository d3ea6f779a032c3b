package dev.adam4j.gloo;

import dev.adam4j.distributed.Collective;
import dev.adam4j.distributed.Harness;
import dev.adam4j.distributed.ShardedCheckpoint;
import dev.adam4j.distributed.ShardedCheckpointTest;
import dev.adam4j.distributed.ShardedCheckpointTest.Part;
import dev.adam4j.distributed.ShardedOptimizer;
import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.FlatParameters;
import dev.adam4j.optim.lr.LambdaLR;
import dev.adam4j.optim.lr.Warmup;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Checkpoint scenarios of {@link GlooWorker}: {@code save dir steps} trains and saves;
 * {@code load dir} loads (re-sharding) and reports; {@code kill-during-save dir} loads, steps, and
 * then rank 1 dies while rank 0 saves.
 */
final class Checkpoints {
    private Checkpoints() {}

    static void run(String scenario, Collective c, Path out, String[] args) throws Exception {
        Path ck = Path.of(args[2]);
        try (Arena arena = Arena.ofShared()) {
            FlatParameters flat = Harness.model(Precision.F32, ShardedCheckpointTest.MODEL, c.worldSize(), arena);
            Harness.fill(flat.data(), 42 + c.rank(), 0); // loading must overwrite these
            try (ShardedOptimizer so = ShardedOptimizer.create(flat, c, ShardedCheckpointTest.FACTORY)) {
                LambdaLR sched = Warmup.linear(so.optimizer(), 3, 20);
                switch (scenario) {
                    case "save" -> {
                        so.syncParameters();
                        for (int s = 0; s < Integer.parseInt(args[3]); s++) {
                            Harness.fill(flat.grad(), 31L * s + c.rank(), 0);
                            so.step();
                            sched.step();
                        }
                        ShardedCheckpoint.save(so, ck, Map.of("lr_scheduler", sched.stateDict()));
                    }
                    case "load" -> sched.loadStateDict(ShardedCheckpoint.load(so, ck).get("lr_scheduler"));
                    case "kill-during-save" -> {
                        ShardedCheckpoint.load(so, ck);
                        Harness.fill(flat.grad(), 99 + c.rank(), 0);
                        so.step();
                        if (c.rank() == 1) Runtime.getRuntime().halt(9); // killed: never reaches its save
                        ShardedCheckpoint.save(so, ck, Map.of());
                    }
                    default -> throw new IllegalArgumentException("unknown scenario " + scenario);
                }
                write(out, ShardedCheckpointTest.part(so));
            }
        }
    }

    static void write(Path out, Part p) throws IOException {
        try (OutputStream os = Files.newOutputStream(out); DataOutputStream d = new DataOutputStream(os)) {
            GlooWorker.write(d, p.params());
            d.writeLong(p.offset());
            GlooWorker.write(d, p.m());
            GlooWorker.write(d, p.v());
            GlooWorker.write(d, p.x());
            d.writeLong(p.step());
            d.writeDouble(p.lr());
        }
    }

    static Part read(Path in) throws IOException {
        try (InputStream is = Files.newInputStream(in); DataInputStream d = new DataInputStream(is)) {
            return new Part(GlooShardedTest.read(d), d.readLong(), GlooShardedTest.read(d), GlooShardedTest.read(d),
                    GlooShardedTest.read(d), d.readLong(), d.readDouble());
        }
    }
}
