package dev.adam4j.jmh;

import dev.adam4j.optim.Adam;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.clip.ClipGrad;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.LongArrayRefOptional;
import org.bytedeco.pytorch.OperatorHandle;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Gradient clipping plus the step, as a training loop runs them, in one f32 tensor:
 * <ul>
 *   <li>{@code ADAM4J}: {@code opt.step(ClipGrad.clipCoefficient(opt, maxNorm, 2, false))} — one read of the
 *       gradients for the norm, the coefficient folded into the fused step (no gradient write).</li>
 *   <li>{@code TORCH}: what {@code torch.nn.utils.clip_grad_norm_} (PyTorch 2.x, foreach on CPU) then
 *       {@code Adam(fused=True).step()} execute: {@code _foreach_norm}, {@code stack}, {@code linalg_vector_norm},
 *       {@code add(1e-6)}, {@code reciprocal}, {@code mul(max_norm)}, {@code clamp(max=1)}, {@code _foreach_mul_}
 *       (a read and a write of the gradients), the step tensor's {@code add_}, {@code _fused_adam_}.</li>
 * </ul>
 * max_norm is large enough that the coefficient is clamped to 1: the gradients keep their values from one
 * invocation to the next (a coefficient below 1 would shrink them towards subnormals over the run), while
 * both sides execute every operation they execute when clipping bites. Traffic is the least any clip+step
 * must move: a read of g for the norm and Adam's 28 bytes (f32); PyTorch moves 8 more (its multiply).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dadam4j.kernel=vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class ClipStepBench {
    static final double MAX_NORM = 1e9;

    @Param({"1048576", "16777216"})
    public int size;

    @Param({"1", "2"})
    public int threads;

    @Param({"ADAM4J", "TORCH"})
    public String impl;

    private Adam adam4j;
    private Tensor grad, step;
    private OperatorHandle fused, foreachNorm, foreachMul;
    private IValue[] args;

    @Setup(Level.Trial)
    public void setUp() {
        torch.set_num_threads(threads);
        if (impl.equals("ADAM4J")) {
            dev.adam4j.optim.Param p = dev.adam4j.optim.Param.of("w", new float[size]);
            DataBuffer g = p.defineGrad();
            for (int i = 0; i < size; i++) g.set(i, 1e-3 * Math.sin(i * 0.37 + 1));
            adam4j = new Adam(List.of(p)).setParallelism(threads);
            return;
        }
        Tensor p = PeerBench.tensor(size, 1), m = PeerBench.tensor(size, 0), v = PeerBench.tensor(size, 0);
        grad = PeerBench.tensor(size, 1e-3);
        step = torch.zeros(new long[] {}, new org.bytedeco.pytorch.DimnameListOptional(), new TensorOptions(torch.ScalarType.Float));
        fused = Dispatcher.singleton().findSchemaOrThrow("aten::_fused_adam_", "");
        foreachNorm = Dispatcher.singleton().findSchemaOrThrow("aten::_foreach_norm", "Scalar");
        foreachMul = Dispatcher.singleton().findSchemaOrThrow("aten::_foreach_mul_", "Tensor");
        args = new IValue[] {PeerBench.list(p), PeerBench.list(grad), PeerBench.list(m), PeerBench.list(v), PeerBench.list(),
                PeerBench.list(step), new IValue(1e-3), new IValue(0.9), new IValue(0.999), new IValue(0.0), new IValue(1e-8),
                new IValue(false), new IValue(false), new IValue(), new IValue()};
    }

    @Benchmark
    @Traffic(f32Bytes = 32)
    public double clipAndStep() {
        if (adam4j != null) {
            double coef = ClipGrad.clipCoefficient(adam4j, MAX_NORM, 2.0, false);
            adam4j.step(coef);
            return coef;
        }
        IValueVector norm = new IValueVector(PeerBench.list(grad), new IValue(2.0), new IValue());
        Dispatcher.singleton().callBoxed(foreachNorm, norm);
        Tensor total = torch.linalg_vector_norm(torch.stack(norm.get(0).toTensorVector()), new Scalar(2.0),
                new LongArrayRefOptional(), false, new ScalarTypeOptional());
        Tensor coef = total.add(new Scalar(1e-6)).reciprocal().mul(new Scalar(MAX_NORM)).clamp_max(new Scalar(1.0));
        Dispatcher.singleton().callBoxed(foreachMul, new IValueVector(PeerBench.list(grad), new IValue(coef)));
        step.add_(new Scalar(1.0));
        Dispatcher.singleton().callBoxed(fused, new IValueVector(args));
        return 0;
    }
}
