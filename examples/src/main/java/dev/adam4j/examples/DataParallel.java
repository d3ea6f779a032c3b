package dev.adam4j.examples;

import dev.adam4j.distributed.LaunchEnv;
import dev.adam4j.distributed.ShardLayout;
import dev.adam4j.distributed.ShardedOptimizer;
import dev.adam4j.gloo.GlooCollective;
import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.Adam;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.lr.LambdaLR;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./train --workers N}: the main job data-parallel over N processes on this machine. The
 * process started by {@code ./train} is rank 0; it starts ranks 1..N-1 as JVMs of the same java
 * and class path with torchrun's variables ({@code RANK}, {@code WORLD_SIZE}, {@code MASTER_ADDR},
 * {@code MASTER_PORT}), so any launcher that sets them (torchrun, a cluster scheduler) can start
 * the ranks instead. Every rank draws the same global batch and computes the gradient of its 1/N
 * of it; a {@link ShardedOptimizer} over Gloo averages them, clips, and steps 1/N of the moments.
 */
final class DataParallel {
    private DataParallel() {}

    /** Runs this process's rank (and, launched by {@code ./train}, starts the others); returns an exit code. */
    static int run(PrintStream out, Train.Options o, String[] args) throws Exception {
        if (System.getenv("RANK") != null) {
            LaunchEnv env = LaunchEnv.fromEnvironment();
            if (env.worldSize() != o.workers()) {
                throw new IllegalArgumentException("--workers " + o.workers() + " but WORLD_SIZE is " + env.worldSize());
            }
            return train(env.rank() == 0 ? out : null, o, env);
        }
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        GlooCollective.loadNatives(); // extracted once, before the workers start
        List<Process> children = new ArrayList<>();
        try {
            String java = ProcessHandle.current().info().command().orElse("java");
            for (int r = 1; r < o.workers(); r++) {
                List<String> cmd = new ArrayList<>(List.of(java, "--add-modules", "jdk.incubator.vector",
                        "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                        Train.class.getName()));
                cmd.addAll(Arrays.asList(args));
                ProcessBuilder pb = new ProcessBuilder(cmd);
                LaunchEnv env = new LaunchEnv(r, o.workers(), "127.0.0.1", port);
                pb.environment().putAll(env.toEnvironment());
                pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT);
                children.add(pb.start());
            }
            int code = train(out, o, new LaunchEnv(0, o.workers(), "127.0.0.1", port));
            for (int r = 0; r < children.size(); r++) {
                Process p = children.get(r);
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    System.err.println("train: worker " + (r + 1) + " did not finish");
                    code = 1;
                } else if (p.exitValue() != 0) {
                    System.err.println("train: worker " + (r + 1) + " exited with " + p.exitValue());
                    code = 1;
                }
            }
            return code;
        } finally {
            for (Process p : children) p.destroyForcibly();
        }
    }

    private static int train(PrintStream out, Train.Options o, LaunchEnv env) throws IOException {
        int n = env.worldSize(), rank = env.rank();
        Spirals data = new Spirals(1000, o.seed());
        Mlp model = new Mlp(o.hidden(), o.seed(), ShardLayout.padMultiple(Precision.F32, n));
        try (GlooCollective c = GlooCollective.connect(env, Duration.ofSeconds(60));
                ShardedOptimizer so = ShardedOptimizer.create(model.flat, c, ps -> new Adam(ps, AdamOptions.of().lr(o.lr())))) {
            LambdaLR scheduler = o.schedule().attach((Adam) so.optimizer(), o.steps());
            int[] idx = new int[Math.min(o.batch(), data.size())];
            int local = idx.length / n;
            if (out != null) {
                out.printf("training: %d points, MLP 2-%d-%d-2 (%d parameters), batch %d over %d workers (%d each, Gloo on "
                        + "127.0.0.1, optimizer state sharded %d ways), lr %s (%s), %s, steps 1..%d%n", data.size(), o.hidden(),
                        o.hidden(), model.flat.data().length(), idx.length, n, local, n, o.lr(), o.schedule().describe(),
                        o.clip() > 0 ? "gradient norm clipped to " + o.clip() : "no clipping", o.steps());
            }
            Train.Progress progress = out == null ? null : new Train.Progress(out, 0, o.steps());
            for (int step = 1; step <= o.steps(); step++) {
                // the same global batch as the single-process run; this rank takes its 1/N
                SplittableRandom r = new SplittableRandom(o.seed() * 1_000_003L + step);
                for (int i = 0; i < idx.length; i++) idx[i] = r.nextInt(data.size());
                double loss = model.lossAndGradient(data, Arrays.copyOfRange(idx, rank * local, (rank + 1) * local));
                double lr = so.optimizer().paramGroups().get(0).lr();
                double norm = Double.NaN;
                if (o.clip() > 0) norm = so.clipAndStep(o.clip(), 2.0, false);
                else so.step();
                scheduler.step();
                if (progress != null) progress.update(step, loss, lr, norm, () -> model.evaluate(data)[0]);
            }
            if (out != null) {
                progress.finish();
                double[] eval = model.evaluate(data);
                out.printf("final: step %d, loss %.4f, accuracy %.1f%% on %d points, %.0f steps/s (%d workers)%n", o.steps(),
                        eval[1], 100 * eval[0], data.size(), progress.stepsPerSecond(), n);
                out.printf("parameters sha256 %s%n", model.digest());
            }
        }
        return 0;
    }
}
