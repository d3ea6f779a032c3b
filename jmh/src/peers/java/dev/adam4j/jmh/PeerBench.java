package dev.adam4j.jmh;

import dev.adam4j.optim.Adam;
import dev.adam4j.optim.DataBuffer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.OperatorHandle;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorType;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Type;
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
 * adam4j and the systems a JVM user would pick instead, same sizes, same thread counts, same run:
 * PyTorch's fused CPU Adam ({@code aten::_fused_adam_} through the dispatcher; the caller increments
 * the float32 step tensor, {@code max_exp_avg_sqs} is an empty list without amsgrad) and libtorch's
 * {@code torch::optim::Adam}. f32, default hyperparameters. torch's intra-op threads are set to
 * {@code threads}; adam4j uses {@code Adam.setParallelism(threads)}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dadam4j.kernel=vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class PeerBench {
    @Param({"4096", "65536", "1048576", "16777216", "67108864"})
    public int size;

    @Param({"1", "2"})
    public int threads;

    @Param({"ADAM4J", "TORCH_FUSED", "TORCH_OPTIM_ADAM"})
    public String impl;

    private Adam adam4j;
    private Tensor step;
    private OperatorHandle fused;
    private IValue[] args;
    private org.bytedeco.pytorch.Adam torchAdam;

    static Tensor tensor(int n, double fill) {
        Tensor t = torch.empty(new long[] {n}, new TensorOptions(torch.ScalarType.Float), new MemoryFormatOptional());
        MemorySegment m = MemorySegment.ofAddress(t.data_ptr().address()).reinterpret(t.nbytes());
        for (int i = 0; i < n; i++) m.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) (fill * Math.sin(i * 0.37 + 1)));
        return t;
    }

    static IValue list(Tensor... ts) {
        GenericList l = new GenericList(new Type.TypePtr(TensorType.get()));
        for (Tensor t : ts) l.push_back(new IValue(t));
        return new IValue(l);
    }

    /**
     * One step of PyTorch's fused Adam as {@code Adam(fused=True).step()} takes it: the step tensor
     * incremented, then {@code aten::_fused_adam_} through the dispatcher with {@code args} (its 15 arguments).
     */
    static void fusedStep(Tensor step, OperatorHandle fused, IValue[] args) {
        step.add_(new Scalar(1.0));
        // callBoxed consumes its stack: a fresh one each time (copies 15 handles, not the tensors)
        Dispatcher.singleton().callBoxed(fused, new IValueVector(args));
    }

    @Setup(Level.Trial)
    public void setUp() {
        torch.set_num_threads(threads);
        switch (impl) {
            case "ADAM4J" -> {
                dev.adam4j.optim.Param p = dev.adam4j.optim.Param.of("w", new float[size]);
                DataBuffer g = p.defineGrad();
                for (int i = 0; i < size; i++) g.set(i, 1e-3 * Math.sin(i * 0.37 + 1));
                adam4j = new Adam(List.of(p)).setParallelism(threads);
            }
            case "TORCH_FUSED" -> {
                Tensor p = tensor(size, 1), g = tensor(size, 1e-3), m = tensor(size, 0), v = tensor(size, 0);
                step = torch.zeros(new long[] {}, new org.bytedeco.pytorch.DimnameListOptional(), new TensorOptions(torch.ScalarType.Float));
                fused = Dispatcher.singleton().findSchemaOrThrow("aten::_fused_adam_", "");
                args = new IValue[] {list(p), list(g), list(m), list(v), list(), list(step), new IValue(1e-3), new IValue(0.9),
                        new IValue(0.999), new IValue(0.0), new IValue(1e-8), new IValue(false), new IValue(false), new IValue(), new IValue()};
            }
            default -> {
                Tensor p = tensor(size, 1);
                p.set_requires_grad(true);
                torchAdam = new org.bytedeco.pytorch.Adam(new TensorVector(p), new org.bytedeco.pytorch.AdamOptions(1e-3));
                p.mul(tensor(size, 1e-3)).sum().backward(); // p.grad, kept for every step
            }
        }
    }

    @Benchmark
    @Traffic(f32Bytes = 28, amsgradF32Bytes = 36)
    public void step() {
        switch (impl) {
            case "ADAM4J" -> adam4j.step();
            case "TORCH_FUSED" -> fusedStep(step, fused, args);
            default -> torchAdam.step();
        }
    }
}
