package dev.adam4j.jmh;

import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.Adam;
import dev.adam4j.optim.DataBuffer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.OperatorHandle;
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
 * The many-tensor case against PyTorch: 10,000 f32 tensors of 1,000 elements, each allocated by
 * libtorch as a model would have them (the parameters first, then their gradients, then each
 * parameter's two moments, as {@code torch.optim.Adam} creates them at its first step). adam4j steps
 * the parameters and gradients in place through {@code Adam} (a {@code Param} wrapping each tensor's
 * memory; moments allocated by the facade); PyTorch runs {@code aten::_fused_adam_} over the 10,000-tensor
 * lists. PyTorch's side is given one shared step tensor, incremented once a step: the real
 * {@code Adam(fused=True)} keeps one step tensor per parameter and increments all 10,000 with
 * {@code _foreach_add_}, a cost this benchmark leaves out, so PyTorch's figure is its best case.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dadam4j.kernel=vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class ManyTensorPeerBench {
    static final int TENSORS = 10_000, ELEMENTS = 1_000;

    @Param({"1", "2"})
    public int threads;

    @Param({"ADAM4J", "TORCH_FUSED"})
    public String impl;

    private Adam adam4j;
    private Tensor step;
    private OperatorHandle fused;
    private IValue[] args;
    /** The tensors whose memory adam4j steps: held, or the garbage collector frees them. */
    private final List<Tensor> keep = new ArrayList<>();

    private Tensor filled(long salt, double scale) {
        Tensor t = torch.empty(new long[] {ELEMENTS}, new TensorOptions(torch.ScalarType.Float), new MemoryFormatOptional());
        MemorySegment m = memory(t);
        for (int k = 0; k < ELEMENTS; k++) m.setAtIndex(ValueLayout.JAVA_FLOAT, k, (float) (scale * Math.sin((salt * ELEMENTS + k) * 0.37 + 1)));
        keep.add(t);
        return t;
    }

    private Tensor zeros() {
        Tensor t = torch.empty(new long[] {ELEMENTS}, new TensorOptions(torch.ScalarType.Float), new MemoryFormatOptional());
        memory(t).fill((byte) 0);
        keep.add(t);
        return t;
    }

    static MemorySegment memory(Tensor t) {
        return MemorySegment.ofAddress(t.data_ptr().address()).reinterpret(t.nbytes());
    }

    @Setup(Level.Trial)
    public void setUp() {
        torch.set_num_threads(threads);
        Tensor[] p = new Tensor[TENSORS], g = new Tensor[TENSORS];
        for (int i = 0; i < TENSORS; i++) p[i] = filled(i, 1);
        for (int i = 0; i < TENSORS; i++) g[i] = filled(i, 1e-3);
        switch (impl) {
            case "ADAM4J" -> {
                List<dev.adam4j.optim.Param> ps = new ArrayList<>();
                for (int i = 0; i < TENSORS; i++) {
                    dev.adam4j.optim.Param w = dev.adam4j.optim.Param.of("p" + i, DataBuffer.of(memory(p[i]), Precision.F32));
                    w.setGrad(DataBuffer.of(memory(g[i]), Precision.F32)); // attached: defined for every step, never copied
                    ps.add(w);
                }
                adam4j = new Adam(ps).setParallelism(threads);
            }
            case "TORCH_FUSED" -> {
                Tensor[] m = new Tensor[TENSORS], v = new Tensor[TENSORS], steps = new Tensor[TENSORS];
                for (int i = 0; i < TENSORS; i++) {
                    m[i] = zeros();
                    v[i] = zeros();
                }
                step = torch.zeros(new long[] {}, new org.bytedeco.pytorch.DimnameListOptional(), new TensorOptions(torch.ScalarType.Float));
                java.util.Arrays.fill(steps, step);
                fused = Dispatcher.singleton().findSchemaOrThrow("aten::_fused_adam_", "");
                args = new IValue[] {PeerBench.list(p), PeerBench.list(g), PeerBench.list(m), PeerBench.list(v), PeerBench.list(),
                        PeerBench.list(steps), new IValue(1e-3), new IValue(0.9), new IValue(0.999), new IValue(0.0), new IValue(1e-8),
                        new IValue(false), new IValue(false), new IValue(), new IValue()};
            }
            default -> throw new IllegalArgumentException("impl " + impl);
        }
    }

    @Benchmark
    @Traffic(f32Bytes = 28, elements = TENSORS * ELEMENTS)
    public void step() {
        if (adam4j != null) {
            adam4j.step();
            return;
        }
        PeerBench.fusedStep(step, fused, args);
    }
}
