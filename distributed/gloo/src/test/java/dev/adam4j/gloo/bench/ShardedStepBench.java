package dev.adam4j.gloo.bench;

import dev.adam4j.distributed.LaunchEnv;
import dev.adam4j.distributed.ShardLayout;
import dev.adam4j.distributed.ShardedOptimizer;
import dev.adam4j.gloo.GlooCollective;
import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.AdamW;
import dev.adam4j.optim.FlatParameters;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One sharded AdamW step (reduce-scatter, clip with a scalar all-reduce, step 1/N, all-gather) on a
 * GPT-2-small-sized flat f32 buffer (124,439,808 parameters) over Gloo on 127.0.0.1, at N = 1 and 2
 * processes; {@code deterministic} runs the deterministic reduction with 2 micro-batches instead
 * (2 local rounds at N = 1, one all-to-all at N = 2). Rank 1 is a second JVM ({@link Peer}) that
 * mirrors the benchmark's calls until rank 0 closes the group.
 *
 * <p>A step takes seconds, so each is timed alone (single shot): 2 warm-up steps, 5 measured, 3
 * forks. Run by hand: see docs/distributed.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 3, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class ShardedStepBench {
    public static final long GPT2_SMALL = 124_439_808L;

    @Param({"1", "2"})
    int worldSize;

    @Param({"plain", "deterministic"})
    String reduction;

    Process peer;
    Arena arena;
    GlooCollective collective;
    ShardedOptimizer so;

    static ShardedOptimizer build(GlooCollective c, Arena arena) {
        FlatParameters flat = FlatParameters.builder(Precision.F32).add("gpt2", GPT2_SMALL)
                .padTo(ShardLayout.padMultiple(Precision.F32, c.worldSize())).nativeMemory(arena).build();
        MemorySegment g = ((dev.adam4j.optim.DataBuffer.Segment) flat.grad()).segment();
        for (long i = 0; i < GPT2_SMALL; i++) g.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) ((i % 1999) - 999) * 1e-6f);
        return ShardedOptimizer.create(flat, c, ps -> new AdamW(ps, AdamOptions.of().lr(1e-6)));
    }

    static void step(ShardedOptimizer so, String reduction) {
        if (reduction.equals("plain")) {
            so.clipAndStep(1.0, 2.0, false);
        } else {
            for (int k = 0; k < 2 / so.collective().worldSize(); k++) so.accumulateMicroBatch();
            so.clipAndStepAccumulated(1.0, 2.0, false);
        }
    }

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        GlooCollective.loadNatives();
        if (worldSize == 2) {
            ProcessBuilder pb = new ProcessBuilder(List.of(ProcessHandle.current().info().command().orElse("java"),
                    "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx1g", "-cp",
                    System.getProperty("java.class.path"), Peer.class.getName(), reduction));
            pb.environment().putAll(new LaunchEnv(1, 2, "127.0.0.1", port).toEnvironment());
            pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT);
            peer = pb.start();
        }
        arena = Arena.ofShared();
        collective = GlooCollective.connect(new LaunchEnv(0, worldSize, "127.0.0.1", port), Duration.ofSeconds(120));
        so = build(collective, arena);
        dev.adam4j.optim.Param p = so.shardParam();
        System.out.printf("%n[bench] N=%d: shard %d elements; optimizer state per rank after a step: %d bytes%n", worldSize,
                p.length(), 2L * p.length() * Float.BYTES);
    }

    @Benchmark
    public void step() {
        step(so, reduction);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        so.close();
        collective.close();
        arena.close();
        if (peer != null) {
            if (!peer.waitFor(60, TimeUnit.SECONDS)) peer.destroyForcibly();
        }
    }

    /** Rank 1: steps until the group fails (rank 0 closed it at the end of the trial). */
    public static final class Peer {
        public static void main(String[] args) {
            try (Arena arena = Arena.ofShared();
                    GlooCollective c = GlooCollective.connect(LaunchEnv.fromEnvironment(), Duration.ofSeconds(120))) {
                ShardedOptimizer so = build(c, arena);
                while (true) step(so, args[0]);
            } catch (RuntimeException e) {
                System.exit(0); // rank 0 left
            }
        }
    }
}
