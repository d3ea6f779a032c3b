package dev.adam4j.gloo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Spawns ranks as JVMs (same java, same class path) on 127.0.0.1, bounded in time, always destroyed. */
final class Ranks implements AutoCloseable {
    final List<Process> processes = new ArrayList<>();
    final List<Path> logs = new ArrayList<>();
    final int port;

    private Ranks(int port) {
        this.port = port;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    /** Starts ranks {@code ranks} of a group of {@code worldSize}, running {@code GlooWorker args}. */
    static Ranks start(int worldSize, int[] ranks, Path dir, long timeoutMs, String... args) throws IOException {
        GlooCollective.loadNatives(); // extracted by this JVM before the ranks start
        Ranks r = new Ranks(freePort());
        try {
            String java = ProcessHandle.current().info().command().orElse("java");
            for (int rank : ranks) {
                List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                        "--enable-native-access=ALL-UNNAMED", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                        "-cp", System.getProperty("java.class.path"), GlooWorker.class.getName()));
                for (String a : args) cmd.add(a.replace("{rank}", Integer.toString(rank)));
                ProcessBuilder pb = new ProcessBuilder(cmd);
                Map<String, String> env = pb.environment();
                env.put("RANK", Integer.toString(rank));
                env.put("WORLD_SIZE", Integer.toString(worldSize));
                env.put("MASTER_ADDR", "127.0.0.1");
                env.put("MASTER_PORT", Integer.toString(r.port));
                env.put("ADAM4J_TEST_TIMEOUT_MS", Long.toString(timeoutMs));
                Path log = dir.resolve("rank" + rank + ".log");
                pb.redirectErrorStream(true).redirectOutput(log.toFile());
                r.logs.add(log);
                r.processes.add(pb.start());
            }
            return r;
        } catch (IOException | RuntimeException e) {
            r.close();
            throw e;
        }
    }

    /** Waits for every rank up to {@code seconds} in all; returns their exit codes (-1: killed at the deadline). */
    int[] await(long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        int[] codes = new int[processes.size()];
        for (int i = 0; i < codes.length; i++) {
            Process p = processes.get(i);
            long left = Math.max(0, deadline - System.nanoTime());
            codes[i] = p.waitFor(left, TimeUnit.NANOSECONDS) ? p.exitValue() : -1;
        }
        return codes;
    }

    String log(int i) {
        try {
            return Files.readString(logs.get(i));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Process p : processes) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
