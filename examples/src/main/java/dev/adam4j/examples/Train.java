package dev.adam4j.examples;

import dev.adam4j.kernels.AdamKernels;
import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.Adam;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.Param;
import dev.adam4j.optim.checkpoint.Checkpoint;
import dev.adam4j.optim.checkpoint.CheckpointException;
import dev.adam4j.optim.clip.ClipGrad;
import dev.adam4j.optim.lr.LambdaLR;
import dev.adam4j.optim.lr.Warmup;
import java.util.List;
import java.util.Map;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The main job: trains a small MLP on two spirals with adam4j, checkpointing as it goes; or, with
 * {@code --throughput}, steps a GPT-2-small-shaped parameter list and reports steps/s and GB/s.
 */
public final class Train {
    private Train() {}

    /** Measured: 100% accuracy on seeds 1 to 10 in 1500 steps (0.03 learned on one seed in four). */
    static final double DEFAULT_LR = 0.05;

    static final String HELP = """
            Usage: ./train [options]

            Trains a 2-H-H-2 tanh perceptron on two interleaved spirals (2000 points) with adam4j's
            Adam, forward and backward in plain Java, saving a checkpoint as it goes.

              --steps N             training steps (default 1500)
              --hidden H            hidden width (default 64)
              --batch B             mini-batch size (default 128); batches are drawn from the
                                    step number, so a resumed run sees the same batches
              --lr X                peak learning rate (default 0.05)
              --schedule S          cosine (default: linear warm-up, then cosine decay to 0, Hugging
                                    Face's get_cosine_schedule_with_warmup) or constant
              --warmup N            warm-up steps of the cosine schedule (default: 5% of --steps)
              --clip X              clip the gradients' global 2-norm to X, folded into the step
                                    (default 1.0; 0: no clipping)
              --precision P         f32 (default): parameters, gradients and moments f32;
                                    bf16: all of them bf16 (the passes widen the weights to f32,
                                    gradients are rounded to bf16), as torch.optim.Adam(fused=True)
                                    steps torch.bfloat16 tensors;
                                    f32-bf16-moments: f32 parameters and gradients, bf16 moments;
                                    bf16-split: bf16 parameters and gradients, the optimizer keeping
                                    exact f32 master weights (their low halves) and f32 moments;
                                    bf16-sr: as bf16, the parameters rounded stochastically
              --seed S              data and initialisation seed (default 7)
              --checkpoint PATH     checkpoint file (default runs/spirals.safetensors)
              --checkpoint-every K  save every K steps (default 250; 0: only at the end)
              --stop-at S           stop after step S, as if interrupted (saves first)
              --resume              continue from the checkpoint (parameters, moments, step)
              --throughput          instead: step GPT-2 small's 148 tensors (124M parameters)
              --throughput-steps N  steps to time in that mode (default 10)
              --separate            in that mode: one array per tensor instead of one flat buffer
              --workers N           data-parallel over N local processes (Gloo on 127.0.0.1, optimizer
                                    state sharded): each computes 1/N of every batch; no checkpoints
              --help                this text

            SIMD: run the JVM with --add-modules jdk.incubator.vector (./train does).
            """;

    /** The command line, parsed and checked: every value is valid once this exists. */
    record Options(int steps, int hidden, int batch, double lr, long seed, Path checkpoint, int checkpointEvery,
            int stopAt, boolean resume, boolean throughput, int throughputSteps, boolean separate, boolean help,
            Schedule schedule, double clip, int workers, Layout precision) {}

    /**
     * {@code --precision}: what is stored in which precision. A value is its constant here and its case
     * in {@link #optimizer}; the model stores its parameters and gradients in {@link #parameters} and
     * reads them widened to f32.
     */
    enum Layout {
        /** Parameters, gradients and moments f32: the default, this job as it always was. */
        F32("f32", Precision.F32, null),
        /** Everything bf16, stepped as PyTorch's fused CPU Adam steps torch.bfloat16 tensors. */
        BF16("bf16", Precision.BF16, "parameters, gradients and moments bf16"),
        /** f32 parameters and gradients, bf16 moments ({@link AdamOptions#stateDtype}). */
        F32_BF16_MOMENTS("f32-bf16-moments", Precision.F32, "f32 parameters and gradients, bf16 moments"),
        /**
         * bf16 parameters and gradients (what the model reads and writes), the optimizer keeping the low
         * halves of f32 master weights and f32 moments ({@link AdamOptions#splitMasterWeights}): f32 Adam.
         */
        BF16_SPLIT("bf16-split", Precision.BF16, "bf16 parameters with split f32 master weights, f32 moments"),
        /** Everything bf16, the parameters rounded stochastically ({@link AdamOptions#stochasticRounding}, the run's seed). */
        BF16_SR("bf16-sr", Precision.BF16, "parameters, gradients and moments bf16, parameters rounded stochastically");

        final String flag;
        /** What the model stores its parameters and gradients in. */
        final Precision parameters;
        /** For the run's first line; null for the default, whose output stays as it was. */
        final String description;

        Layout(String flag, Precision parameters, String description) {
            this.flag = flag;
            this.parameters = parameters;
            this.description = description;
        }

        /** The optimizer of this layout over the model's parameters; {@code seed} seeds stochastic rounding. */
        Adam optimizer(List<Param> params, AdamOptions options, long seed) {
            return switch (this) {
                case F32, BF16 -> new Adam(params, options); // the state has the parameters' precision
                case F32_BF16_MOMENTS -> new Adam(params, options.stateDtype(Precision.BF16));
                case BF16_SPLIT -> new Adam(params, options.splitMasterWeights(true));
                case BF16_SR -> new Adam(params, options.stochasticRounding(seed));
            };
        }

        static Layout of(String flag) {
            for (Layout l : values()) {
                if (l.flag.equals(flag)) return l;
            }
            List<String> flags = new java.util.ArrayList<>();
            for (Layout l : values()) flags.add(l.flag);
            throw new IllegalArgumentException("--precision must be one of " + String.join(", ", flags) + ", got '" + flag + "'");
        }
    }

    /** The default global-norm clipping threshold of the main job. */
    static final double DEFAULT_CLIP = 1.0;

    /** The learning-rate schedule of a run: warm-up steps then cosine decay, or constant (warmup < 0). */
    record Schedule(boolean cosine, int warmup) {
        static final Schedule CONSTANT = new Schedule(false, 0);

        /** Hugging Face's cosine with 5% warm-up, the default. */
        static Schedule defaultFor(int steps) {
            return new Schedule(true, Math.max(1, steps / 20));
        }

        LambdaLR attach(Adam opt, int steps) {
            return cosine ? Warmup.cosine(opt, warmup, steps) : new LambdaLR(opt, step -> 1.0);
        }

        String describe() {
            return cosine ? "warm-up " + warmup + " steps, then cosine to 0" : "constant";
        }
    }

    /**
     * Parses {@code args}; a bad one throws {@link IllegalArgumentException} with one line naming the
     * option and the value.
     */
    static Options parse(String[] args) {
        int steps = 1500, hidden = 64, batch = 128, checkpointEvery = 250, stopAt = -1, throughputSteps = 10;
        double lr = DEFAULT_LR;
        long seed = 7;
        Path checkpoint = Path.of("runs", "spirals.safetensors");
        boolean resume = false, throughput = false, separate = false, help = false;
        String schedule = "cosine";
        int warmup = -1;
        double clip = DEFAULT_CLIP;
        int workers = 1;
        Layout precision = Layout.F32;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--steps" -> steps = positive(args, ++i);
                case "--hidden" -> hidden = positive(args, ++i);
                case "--batch" -> batch = positive(args, ++i);
                case "--lr" -> lr = nonNegativeNumber(args, ++i);
                case "--seed" -> seed = wholeNumber(args, ++i);
                case "--checkpoint" -> checkpoint = path(args, ++i);
                case "--checkpoint-every" -> checkpointEvery = nonNegative(args, ++i);
                case "--stop-at" -> stopAt = positive(args, ++i);
                case "--resume" -> resume = true;
                case "--throughput" -> throughput = true;
                case "--throughput-steps" -> throughputSteps = positive(args, ++i);
                case "--separate" -> separate = true;
                case "--help", "-h" -> help = true;
                case "--schedule" -> {
                    schedule = value(args, ++i);
                    if (!schedule.equals("cosine") && !schedule.equals("constant")) {
                        throw new IllegalArgumentException("--schedule must be cosine or constant, got '" + schedule + "'");
                    }
                }
                case "--warmup" -> warmup = nonNegative(args, ++i);
                case "--clip" -> clip = nonNegativeNumber(args, ++i);
                case "--workers" -> workers = positive(args, ++i);
                case "--precision" -> precision = Layout.of(value(args, ++i));
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (warmup > steps) throw new IllegalArgumentException("--warmup " + warmup + " exceeds --steps " + steps);
        Schedule s = schedule.equals("constant") ? Schedule.CONSTANT
                : warmup >= 0 ? new Schedule(true, warmup) : Schedule.defaultFor(steps);
        if (workers > 1 && (resume || stopAt > 0 || throughput)) {
            throw new IllegalArgumentException("--workers runs without checkpoints: it cannot be combined with --resume, --stop-at or --throughput");
        }
        if (precision != Layout.F32 && (workers > 1 || throughput)) {
            throw new IllegalArgumentException("--precision " + precision.flag + " trains in one process: it cannot be combined with "
                    + (workers > 1 ? "--workers" : "--throughput"));
        }
        if (workers > 1 && Math.min(batch, 2000) % workers != 0) {
            throw new IllegalArgumentException("--workers " + workers + " must divide the batch (" + batch + ")");
        }
        return new Options(steps, hidden, batch, lr, seed, checkpoint, checkpointEvery, stopAt, resume, throughput,
                throughputSteps, separate, help, s, clip, workers, precision);
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = System.out;
        Options o;
        try {
            o = parse(args);
            if (o.resume() && !Files.isRegularFile(o.checkpoint())) {
                throw new IllegalArgumentException("--resume: there is no checkpoint at " + o.checkpoint());
            }
        } catch (IllegalArgumentException e) {
            System.err.println("train: " + e.getMessage() + " (see --help)");
            System.exit(2);
            return;
        }
        if (o.help()) {
            out.print(HELP);
            return;
        }
        out.println("adam4j: kernel " + providerDescription());
        if (AdamKernels.vectorBitSize() == 0) {
            out.println("adam4j: SIMD is off; run the JVM with --add-modules jdk.incubator.vector to enable it");
        }
        if (o.throughput()) {
            Throughput.run(o.throughputSteps(), o.separate(), out);
            return;
        }
        if (o.workers() > 1) {
            System.exit(DataParallel.run(out, o, args));
            return;
        }
        try {
            train(out, o.steps(), o.hidden(), o.batch(), o.lr(), o.seed(), o.checkpoint(), o.checkpointEvery(), o.stopAt(),
                    o.resume(), o.schedule(), o.clip(), o.precision());
        } catch (CheckpointException e) {
            System.err.println("train: " + e.getMessage());
            System.exit(2);
        }
    }

    static String providerDescription() {
        return AdamKernels.providerName() + (AdamKernels.vectorBitSize() > 0 ? " (" + AdamKernels.vectorBitSize() + "-bit)" : "");
    }

    /** {@link #train} with the default schedule for {@code steps}. */
    static void train(PrintStream out, int steps, int hidden, int batch, double lr, long seed, Path checkpoint,
            int checkpointEvery, int stopAt, boolean resume) throws CheckpointException, java.io.IOException {
        train(out, steps, hidden, batch, lr, seed, checkpoint, checkpointEvery, stopAt, resume, Schedule.defaultFor(steps), DEFAULT_CLIP);
    }

    /** {@link #train} with the default schedule for {@code steps} and {@code precision}. */
    static void train(PrintStream out, int steps, int hidden, int batch, double lr, long seed, Path checkpoint,
            int checkpointEvery, int stopAt, boolean resume, Layout precision) throws CheckpointException, java.io.IOException {
        train(out, steps, hidden, batch, lr, seed, checkpoint, checkpointEvery, stopAt, resume, Schedule.defaultFor(steps),
                DEFAULT_CLIP, precision);
    }

    static void train(PrintStream out, int steps, int hidden, int batch, double lr, long seed, Path checkpoint,
            int checkpointEvery, int stopAt, boolean resume, Schedule schedule, double clip)
            throws CheckpointException, java.io.IOException {
        train(out, steps, hidden, batch, lr, seed, checkpoint, checkpointEvery, stopAt, resume, schedule, clip, Layout.F32);
    }

    /** The checkpoint's extra state that records the run's {@code --precision} (absent: f32, as files before it). */
    static final String RUN_STATE = "train";

    static void train(PrintStream out, int steps, int hidden, int batch, double lr, long seed, Path checkpoint,
            int checkpointEvery, int stopAt, boolean resume, Schedule schedule, double clip, Layout precision)
            throws CheckpointException, java.io.IOException {
        Spirals data = new Spirals(1000, seed);
        Mlp model = new Mlp(hidden, seed, 1, precision.parameters);
        Adam opt = precision.optimizer(model.params(), AdamOptions.of().lr(lr), seed);
        LambdaLR scheduler = schedule.attach(opt, steps);
        int start = 0;
        if (resume) {
            Map<String, Map<String, Object>> extras = Checkpoint.load(opt, checkpoint, true);
            // a load converts another layout's tensors, so the run would not continue the interrupted one bit for bit
            Object saved = extras.containsKey(RUN_STATE) ? extras.get(RUN_STATE).get("precision") : Layout.F32.flag;
            if (!precision.flag.equals(saved)) {
                throw new CheckpointException(checkpoint + " was trained with --precision " + saved + ", not "
                        + precision.flag + ": resume it with the same --precision");
            }
            if (extras.containsKey("lr_scheduler")) {
                try {
                    scheduler.loadStateDict(extras.get("lr_scheduler"));
                } catch (IllegalArgumentException e) {
                    throw new CheckpointException(checkpoint + ": lr_scheduler: " + e.getMessage(), e);
                }
            }
            start = (int) opt.state(model.params().get(0)).step();
            out.printf("resumed from %s at step %d%n", checkpoint, start);
        }
        if (checkpoint.toAbsolutePath().getParent() != null) Files.createDirectories(checkpoint.toAbsolutePath().getParent());
        int last = stopAt > 0 ? Math.min(stopAt, steps) : steps;
        if (start >= last) {
            double[] eval = model.evaluate(data);
            out.printf("nothing to train: the checkpoint is at step %d and the run ends at step %d%n", start, last);
            out.printf("final: step %d, loss %.4f, accuracy %.1f%% on %d points%n", start, eval[1], 100 * eval[0], data.size());
            out.printf("parameters sha256 %s%n", model.digest());
            return;
        }
        out.printf("training: %d points, MLP 2-%d-%d-2 (%d parameters%s), batch %d, lr %s (%s), %s, steps %d..%d%n",
                data.size(), hidden, hidden, model.flat.data().length(),
                precision.description == null ? "" : "; " + precision.description, batch, lr, schedule.describe(),
                clip > 0 ? "gradient norm clipped to " + clip : "no clipping", start + 1, last);
        Progress progress = new Progress(out, start, last);
        int[] idx = new int[Math.min(batch, data.size())];
        double loss = Double.NaN;
        for (int step = start + 1; step <= last; step++) {
            // the batch depends only on (seed, step): an interrupted and resumed run sees the same ones
            SplittableRandom r = new SplittableRandom(seed * 1_000_003L + step);
            for (int i = 0; i < idx.length; i++) idx[i] = r.nextInt(data.size());
            opt.zeroGrad();
            loss = model.lossAndGradient(data, idx);
            double stepLr = opt.paramGroups().get(0).lr();
            double norm = ClipGrad.totalNorm(ClipGrad.grads(opt), 2.0); // one read; the clip joins the step's scale
            opt.step(clip > 0 ? clipCoefficient(norm, clip, precision.parameters) : 1.0);
            scheduler.step();
            if (checkpointEvery > 0 && step % checkpointEvery == 0) {
                save(opt, scheduler, checkpoint, precision);
            }
            progress.update(step, loss, stepLr, norm, () -> model.evaluate(data)[0]);
        }
        save(opt, scheduler, checkpoint, precision);
        progress.finish();
        double[] eval = model.evaluate(data);
        if (last < steps) {
            out.printf("stopped at step %d as asked (checkpoint %s); continue with --resume%n", last, checkpoint);
        }
        out.printf("final: step %d, loss %.4f, accuracy %.1f%% on %d points, %.0f steps/s%n", last, eval[1],
                100 * eval[0], data.size(), progress.stepsPerSecond());
        out.printf("parameters sha256 %s%n", model.digest());
    }

    /** The optimizer, the parameters, the schedule's state and (other than f32) the precision, in one file. */
    private static void save(Adam opt, LambdaLR scheduler, Path checkpoint, Layout precision) throws CheckpointException {
        Checkpoint.SaveOptions o = Checkpoint.SaveOptions.defaults().withParams(true)
                .withExtraState("lr_scheduler", scheduler.stateDict());
        if (precision != Layout.F32) o = o.withExtraState(RUN_STATE, Map.of("precision", precision.flag)); // f32 files stay as they were
        Checkpoint.save(opt, checkpoint, o);
    }

    /**
     * PyTorch's clipping coefficient for gradients of {@code grads}' precision: in double for f32 (as this job
     * always computed it), in the 16-bit dtype's arithmetic for bf16/f16 gradients, as {@code clip_grad_norm_}
     * computes it on them.
     */
    static double clipCoefficient(double norm, double clip, Precision grads) {
        return switch (grads) {
            case F32, F64 -> ClipGrad.coefficient(norm, clip);
            case BF16, F16 -> ClipGrad.coefficient(norm, clip, grads);
        };
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) throw new IllegalArgumentException(args[i - 1] + " needs a value");
        return args[i];
    }

    private static long wholeNumber(String[] args, int i) {
        String v = value(args, i);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(args[i - 1] + " needs a whole number, got '" + v + "'");
        }
    }

    private static int nonNegative(String[] args, int i) {
        long v = wholeNumber(args, i);
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(args[i - 1] + " must be between 0 and " + Integer.MAX_VALUE + ", got " + v);
        }
        return (int) v;
    }

    private static int positive(String[] args, int i) {
        int v = nonNegative(args, i);
        if (v == 0) throw new IllegalArgumentException(args[i - 1] + " must be positive, got 0");
        return v;
    }

    /** A finite number >= 0 (the learning rate, the clipping threshold). */
    private static double nonNegativeNumber(String[] args, int i) {
        String v = value(args, i);
        double x;
        try {
            x = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(args[i - 1] + " needs a number, got '" + v + "'");
        }
        if (!(x >= 0) || Double.isInfinite(x)) throw new IllegalArgumentException(args[i - 1] + " must be a finite number >= 0, got " + v);
        return x;
    }

    private static Path path(String[] args, int i) {
        String v = value(args, i);
        try {
            return Path.of(v);
        } catch (java.nio.file.InvalidPathException e) {
            throw new IllegalArgumentException(args[i - 1] + " is not a valid path: '" + v + "'");
        }
    }

    /** A progress bar on a terminal; a line every tenth of the run otherwise (logs, CI). */
    static final class Progress {
        private final PrintStream out;
        private final int first, last;
        private final boolean tty = System.console() != null && System.console().isTerminal();
        private final long t0 = System.nanoTime();
        private long lastDraw;

        Progress(PrintStream out, int start, int last) {
            this.out = out;
            this.first = start;
            this.last = last;
        }

        double stepsPerSecond() {
            return (lastStep - first) / Math.max(1e-9, (System.nanoTime() - t0) / 1e9);
        }

        private int lastStep;

        void update(int step, double loss, double lr, double gradNorm, java.util.function.DoubleSupplier accuracy) {
            lastStep = step;
            int total = Math.max(1, last - first);
            boolean milestone = (step - first) % Math.max(1, total / 10) == 0 || step == last;
            long now = System.nanoTime();
            if (tty && (now - lastDraw > 100_000_000L || step == last)) {
                lastDraw = now;
                int width = 30, done = (int) ((long) width * (step - first) / total);
                out.printf("\r[%s%s] step %d/%d  lr %.2e  |g| %.3f  loss %.4f  acc %5.1f%%  %.0f steps/s ", "#".repeat(done),
                        ".".repeat(width - done), step, last, lr, gradNorm, loss, 100 * accuracy.getAsDouble(), stepsPerSecond());
            } else if (!tty && milestone) {
                out.printf("step %5d/%d  lr %.2e  |g| %.3f  loss %.4f  acc %5.1f%%  %.0f steps/s%n", step, last, lr, gradNorm,
                        loss, 100 * accuracy.getAsDouble(), stepsPerSecond());
            }
        }

        void finish() {
            if (tty) out.println();
        }
    }
}
