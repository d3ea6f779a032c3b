package dev.adam4j.jmh;

import dev.adam4j.kernels.Precision;
import dev.adam4j.kernels.ReducedFloats;
import dev.adam4j.optim.Adam;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.DataBuffer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
 * The 16-bit layouts against PyTorch's fused CPU Adam, on libtorch tensors, at 1 and 2 threads
 * ({@code ./bench half} runs it fork by fork, paired with its ceilings):
 * <ul>
 *   <li>{@code layout=BF16} / {@code F16}: parameters, gradients and both moments 16-bit, 14 bytes an
 *       element (p, g, m, v read, p, m, v written), against {@code aten::_fused_adam_} on bf16 / f16
 *       tensors (the same 14 bytes).</li>
 *   <li>{@code layout=F32_BF16_STATE}: adam4j's f32 parameters and gradients with bf16 moments
 *       ({@code AdamOptions.stateDtype(Precision.BF16)}, 20 bytes) against {@code aten::_fused_adam_} on
 *       f32 tensors (28 bytes), PyTorch's fastest CPU option for f32 parameters.</li>
 * </ul>
 * adam4j ({@code impl=ADAM4J}) runs through the product's own path at both thread counts: the
 * {@link Adam} facade with {@code setParallelism(threads)} over a {@link dev.adam4j.optim.Param} whose data
 * and attached gradient are {@link DataBuffer.Segment}s wrapping the torch tensors' memory (zero-copy;
 * nothing copies p or g); the facade allocates its moments itself (native segments, 16-bit or bf16 as
 * the layout says). At 1 thread the facade costs a little more per call than {@code AdamKernels.step}
 * directly (group bookkeeping, not measured separately here), which is kept so that 1 and 2 threads
 * measure the same path; at 2 threads the facade splits a step only when each thread gets at least 16,384 elements
 * (below that the step stays on the caller's thread, as in the product). PyTorch ({@code impl=TORCH}):
 * {@code torch.set_num_threads(threads)}, the float32 step tensor incremented by the caller, then
 * {@code _fused_adam_} through the dispatcher. Default hyperparameters, no AMSGrad, the gradient the
 * same every step.
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

    @Param({"1", "2"})
    public int threads;

    @Param({"BF16", "F16", "F32_BF16_STATE"})
    public String layout;

    @Param({"ADAM4J", "TORCH"})
    public String impl;

    private Adam adam4j;
    private Tensor step;
    private OperatorHandle fused;
    private IValue[] args;
    /** The tensors whose memory adam4j steps: held, or the garbage collector frees them. */
    private Tensor[] keep;

    static Tensor tensor(torch.ScalarType type, long n) {
        return torch.empty(new long[] {n}, new TensorOptions(type), new MemoryFormatOptional());
    }

    static MemorySegment memory(Tensor t) {
        return MemorySegment.ofAddress(t.data_ptr().address()).reinterpret(t.nbytes());
    }

    @Setup(Level.Trial)
    public void setUp() {
        torch.set_num_threads(threads);
        boolean mixed = layout.equals("F32_BF16_STATE");
        Precision precision = mixed ? Precision.F32 : Precision.valueOf(layout);
        torch.ScalarType pt = switch (precision) {
            case BF16 -> torch.ScalarType.BFloat16;
            case F16 -> torch.ScalarType.Half;
            default -> torch.ScalarType.Float;
        };
        Tensor p = tensor(pt, size), g = tensor(pt, size);
        MemorySegment pm = memory(p), gm = memory(g);
        for (int i = 0; i < size; i++) {
            float pv = (float) Math.sin(i * 0.37 + 1), gv = (float) (1e-3 * Math.sin(i * 0.11 + 2));
            if (precision == Precision.F32) {
                pm.setAtIndex(ValueLayout.JAVA_FLOAT, i, pv);
                gm.setAtIndex(ValueLayout.JAVA_FLOAT, i, gv);
            } else {
                pm.setAtIndex(ValueLayout.JAVA_SHORT, i, ReducedFloats.fromFloat(precision, pv));
                gm.setAtIndex(ValueLayout.JAVA_SHORT, i, ReducedFloats.fromFloat(precision, gv));
            }
        }
        if (impl.equals("ADAM4J")) {
            keep = new Tensor[] {p, g};
            dev.adam4j.optim.Param w = dev.adam4j.optim.Param.of("w", DataBuffer.of(pm, precision));
            w.setGrad(DataBuffer.of(gm, precision)); // attached: defined for every step, never copied
            adam4j = new Adam(List.of(w), mixed ? AdamOptions.of().stateDtype(Precision.BF16) : AdamOptions.of()).setParallelism(threads);
            return;
        }
        if (!impl.equals("TORCH")) throw new IllegalArgumentException("impl " + impl);
        Tensor m = tensor(pt, size), v = tensor(pt, size);
        memory(m).fill((byte) 0);
        memory(v).fill((byte) 0);
        keep = new Tensor[] {p, g, m, v};
        step = torch.zeros(new long[] {}, new org.bytedeco.pytorch.DimnameListOptional(), new TensorOptions(torch.ScalarType.Float));
        fused = Dispatcher.singleton().findSchemaOrThrow("aten::_fused_adam_", "");
        args = new IValue[] {PeerBench.list(p), PeerBench.list(g), PeerBench.list(m), PeerBench.list(v), PeerBench.list(),
                PeerBench.list(step), new IValue(1e-3), new IValue(0.9), new IValue(0.999), new IValue(0.0), new IValue(1e-8),
                new IValue(false), new IValue(false), new IValue(), new IValue()};
    }

    @Benchmark
    public void step() {
        if (adam4j != null) {
            adam4j.step();
            return;
        }
        PeerBench.fusedStep(step, fused, args);
    }
}
