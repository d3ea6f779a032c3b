package dev.adam4j.gloo;

import dev.adam4j.distributed.LaunchEnv;
import dev.adam4j.distributed.ShardedOptimizerTest;
import dev.adam4j.distributed.ShardedOptimizerTest.Mode;
import dev.adam4j.distributed.ShardedOptimizerTest.RankResult;
import dev.adam4j.kernels.Precision;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One rank of a multi-process test, run in its own JVM by {@link GlooShardedTest} with torchrun's
 * variables in its environment: {@code GlooWorker scenario output-file [args]}. Exit codes: 0 done,
 * 3 a collective failed (the message on stderr), 1 anything else.
 */
public final class GlooWorker {
    private GlooWorker() {}

    /** The configurations the step scenario runs (index into VARIANTS, precision, mode, index into MODELS, rate of special values (a clipped run needs finite norms), native memory or Java arrays (staged through native copies)). */
    static final Object[][] CONFIGS = {
            {0, Precision.F32, Mode.PLAIN, 2, 0.02, true}, {2, Precision.F64, Mode.PLAIN, 1, 0.02, true},
            {1, Precision.F32, Mode.CLIP_EXACT, 2, 0.0, true}, {3, Precision.F32, Mode.PLAIN, 0, 0.02, true},
            {4, Precision.F32, Mode.CLIP_SCALAR, 1, 0.0, false}};

    public static void main(String[] args) throws Exception {
        String scenario = args[0];
        Path out = Path.of(args[1]);
        LaunchEnv env = LaunchEnv.fromEnvironment();
        Duration timeout = Duration.ofMillis(Long.parseLong(System.getenv().getOrDefault("ADAM4J_TEST_TIMEOUT_MS", "20000")));
        try (GlooCollective c = GlooCollective.connect(env, timeout)) {
            switch (scenario) {
                case "step" -> {
                    try (OutputStream os = Files.newOutputStream(out); DataOutputStream d = new DataOutputStream(os)) {
                        for (Object[] cfg : CONFIGS) {
                            RankResult r = ShardedOptimizerTest.runRank(ShardedOptimizerTest.VARIANTS.get((Integer) cfg[0]),
                                    (Precision) cfg[1], (Boolean) cfg[5], ShardedOptimizerTest.MODELS[(Integer) cfg[3]], (Mode) cfg[2],
                                    (Double) cfg[4], false, c);
                            write(d, r.params());
                            for (long[] s : r.state()) write(d, s);
                            d.writeInt(r.reducedPerStep().size());
                            for (long[] g : r.reducedPerStep()) write(d, g);
                            d.writeLong(r.step());
                            d.writeInt(r.norms().size());
                            for (double x : r.norms()) d.writeDouble(x);
                        }
                        write(d, ShardedOptimizerTest.runDeterministicRank(c, ShardedOptimizerTest.MODELS[2], true));
                    }
                }
                case "barrier" -> c.barrier();
                default -> Checkpoints.run(scenario, c, out, args);
            }
        } catch (dev.adam4j.distributed.CollectiveException e) {
            System.err.println("COLLECTIVE FAILURE: " + e.getMessage());
            System.exit(3);
        }
        System.exit(0);
    }

    static void write(DataOutputStream d, long[] a) throws IOException {
        d.writeInt(a.length);
        for (long x : a) d.writeLong(x);
    }
}
