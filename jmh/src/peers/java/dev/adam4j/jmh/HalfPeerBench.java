package dev.adam4j.jmh;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.AdamKernels;
import dev.adam4j.kernels.Precision;
import dev.adam4j.kernels.ReducedFloats;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * The mixed-precision layouts against PyTorch's fused CPU Adam on the same tensors, one thread each:
 * adam4j's kernel ({@code AdamKernels.step} on the tensors' own memory, zero-copy) and
 * {@code aten::_fused_adam_} on bf16 / f16 tensors (all buffers 16-bit: 10 bytes an element), and
 * adam4j's f32-parameter, bf16-moment layout (20 bytes) against PyTorch's fused f32 (28 bytes, its
 * fastest CPU option for f32 parameters). Default hyperparameters, no AMSGrad.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dadam4j.kernel=vector", "--enable-native-access=ALL-UNNAMED"})
@State(Scope.Thread)
public class HalfPeerBench {
    @Param({"4096", "65536", "1048576", "16777216", "67108864"})
    public int size;

    @Param({"ADAM4J_BF16", "TORCH_FUSED_BF16", "ADAM4J_F16", "TORCH_FUSED_F16", "ADAM4J_F32_BF16_STATE", "TORCH_FUSED_F32"})
    public String impl;

    private final AdamHyperparameters h = AdamHyperparameters.defaults();
    private MemorySegment[] mem;
    private Precision precision;
    private boolean torch16, mixed;
    private long t;
    private Tensor step;
    private OperatorHandle fused;
    private IValue[] args;
    /** The tensors whose memory the adam4j kernels step: held, or the garbage collector frees them. */
    private Tensor[] keep;

    static Tensor tensor(torch.ScalarType type, long n) {
        return torch.empty(new long[] {n}, new TensorOptions(type), new MemoryFormatOptional());
    }

    static MemorySegment memory(Tensor t) {
        return MemorySegment.ofAddress(t.data_ptr().address()).reinterpret(t.nbytes());
    }

    static IValue list(Tensor... ts) {
        GenericList l = new GenericList(new Type.TypePtr(TensorType.get()));
        for (Tensor x : ts) l.push_back(new IValue(x));
        return new IValue(l);
    }

    @Setup(Level.Trial)
    public void setUp() {
        torch.set_num_threads(1);
        mixed = impl.endsWith("F32_BF16_STATE");
        precision = impl.endsWith("BF16") ? Precision.BF16 : impl.endsWith("F16") ? Precision.F16 : mixed ? Precision.BF16 : Precision.F32;
        torch.ScalarType pt = mixed || precision == Precision.F32 ? torch.ScalarType.Float
                : precision == Precision.BF16 ? torch.ScalarType.BFloat16 : torch.ScalarType.Half;
        torch.ScalarType st = mixed ? torch.ScalarType.BFloat16 : pt;
        Tensor p = tensor(pt, size), g = tensor(pt, size), m = tensor(st, size), v = tensor(st, size);
        keep = new Tensor[] {p, g, m, v};
        mem = new MemorySegment[] {memory(p), memory(g), memory(m), memory(v)};
        mem[2].fill((byte) 0);
        mem[3].fill((byte) 0);
        for (int i = 0; i < size; i++) {
            float pv = (float) Math.sin(i * 0.37 + 1), gv = (float) (1e-3 * Math.sin(i * 0.11 + 2));
            if (pt == torch.ScalarType.Float) {
                mem[0].setAtIndex(ValueLayout.JAVA_FLOAT, i, pv);
                mem[1].setAtIndex(ValueLayout.JAVA_FLOAT, i, gv);
            } else {
                mem[0].setAtIndex(ValueLayout.JAVA_SHORT, i, ReducedFloats.fromFloat(precision, pv));
                mem[1].setAtIndex(ValueLayout.JAVA_SHORT, i, ReducedFloats.fromFloat(precision, gv));
            }
        }
        torch16 = impl.startsWith("TORCH");
        if (torch16) {
            step = torch.zeros(new long[] {}, new org.bytedeco.pytorch.DimnameListOptional(), new TensorOptions(torch.ScalarType.Float));
            fused = Dispatcher.singleton().findSchemaOrThrow("aten::_fused_adam_", "");
            args = new IValue[] {list(p), list(g), list(m), list(v), list(), list(step), new IValue(1e-3), new IValue(0.9),
                    new IValue(0.999), new IValue(0.0), new IValue(1e-8), new IValue(false), new IValue(false), new IValue(), new IValue()};
        }
        t = 0;
    }

    @Benchmark
    public void step() {
        if (torch16) {
            step.add_(new Scalar(1.0));
            Dispatcher.singleton().callBoxed(fused, new IValueVector(args));
            return;
        }
        t++;
        if (mixed) {
            AdamKernels.step(h, t, 1.0, mem[0], 0, mem[1], 0, Precision.BF16, mem[2], 0, mem[3], 0, null, 0, size);
        } else {
            AdamKernels.step(h, t, 1.0, precision, mem[0], 0, mem[1], 0, mem[2], 0, mem[3], 0, null, 0, size);
        }
    }
}
