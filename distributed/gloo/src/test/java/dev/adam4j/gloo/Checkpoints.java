package dev.adam4j.gloo;

import dev.adam4j.distributed.Collective;
import java.nio.file.Path;

/** Checkpoint scenarios of {@link GlooWorker} (filled in with the sharded checkpoints). */
final class Checkpoints {
    private Checkpoints() {}

    static void run(String scenario, Collective c, Path out, String[] args) throws Exception {
        throw new IllegalArgumentException("unknown scenario " + scenario);
    }
}
