package dev.adam4j.distributed;

import java.util.Map;
import java.util.Objects;

/**
 * The launcher convention PyTorch users know ({@code torchrun}, and any cluster launcher can set
 * it): {@code RANK}, {@code WORLD_SIZE}, {@code MASTER_ADDR} and {@code MASTER_PORT} in the
 * environment. Rank 0 hosts the rendezvous store at {@code MASTER_ADDR:MASTER_PORT}.
 *
 * @param rank this process's rank
 * @param worldSize the number of processes
 * @param masterAddr the rendezvous host
 * @param masterPort the rendezvous port
 */
public record LaunchEnv(int rank, int worldSize, String masterAddr, int masterPort) {
    public LaunchEnv {
        Objects.requireNonNull(masterAddr, "masterAddr");
        if (worldSize < 1) throw new IllegalArgumentException("Invalid WORLD_SIZE: " + worldSize + " (must be >= 1)");
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("Invalid RANK: " + rank + " (must be in 0.." + (worldSize - 1) + ")");
        }
        if (masterAddr.isBlank()) throw new IllegalArgumentException("MASTER_ADDR is empty");
        if (masterPort < 1 || masterPort > 65535) throw new IllegalArgumentException("Invalid MASTER_PORT: " + masterPort);
    }

    /** From this process's environment. */
    public static LaunchEnv fromEnvironment() {
        return from(System.getenv());
    }

    /**
     * From {@code env}; every variable is required and validated, and a missing or malformed one is
     * named in the {@link IllegalArgumentException}.
     */
    public static LaunchEnv from(Map<String, String> env) {
        Objects.requireNonNull(env, "env");
        return new LaunchEnv(integer(env, "RANK"), integer(env, "WORLD_SIZE"), required(env, "MASTER_ADDR"),
                integer(env, "MASTER_PORT"));
    }

    private static String required(Map<String, String> env, String key) {
        String v = env.get(key);
        if (v == null) {
            throw new IllegalArgumentException(key + " is not set: a launcher (torchrun, a cluster scheduler) sets RANK, "
                    + "WORLD_SIZE, MASTER_ADDR and MASTER_PORT for every process");
        }
        return v.trim();
    }

    private static int integer(Map<String, String> env, String key) {
        String v = required(env, key);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " is not an integer: '" + v + "'", e);
        }
    }

    /** The environment variables of this launch, for spawning a process with it. */
    public Map<String, String> toEnvironment() {
        return Map.of("RANK", Integer.toString(rank), "WORLD_SIZE", Integer.toString(worldSize),
                "MASTER_ADDR", masterAddr, "MASTER_PORT", Integer.toString(masterPort));
    }
}
