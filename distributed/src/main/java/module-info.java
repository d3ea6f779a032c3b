/**
 * Sharded optimizer state for adam4j (ZeRO stage 1): {@link dev.adam4j.distributed.ShardedOptimizer}
 * over a {@link dev.adam4j.distributed.Collective}, sharded checkpoints
 * ({@link dev.adam4j.distributed.ShardedCheckpoint}) and the launcher convention
 * ({@link dev.adam4j.distributed.LaunchEnv}).
 */
module dev.adam4j.distributed {
    requires transitive dev.adam4j.optim;
    requires com.fasterxml.jackson.core;

    exports dev.adam4j.distributed;
}
