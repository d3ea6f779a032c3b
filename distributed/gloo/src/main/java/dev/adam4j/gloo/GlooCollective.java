package dev.adam4j.gloo;

import dev.adam4j.distributed.Collective;
import dev.adam4j.distributed.CollectiveException;
import dev.adam4j.distributed.LaunchEnv;
import dev.adam4j.distributed.Scalars;
import dev.adam4j.kernels.Precision;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Supplier;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.chrono.Milliseconds;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.GlooDeviceVector;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.PointerConsumer;
import org.bytedeco.pytorch.ProcessGroupGloo;
import org.bytedeco.pytorch.TCPStore;
import org.bytedeco.pytorch.TCPStoreOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;

/**
 * adam4j's {@link Collective} on Gloo, PyTorch's CPU collective engine, through libtorch's c10d
 * ({@code ProcessGroupGloo}) from bytedeco's {@code pytorch} presets. Rendezvous is a
 * {@code TCPStore} that rank 0 hosts at {@code MASTER_ADDR:MASTER_PORT}, as with
 * {@code torch.distributed.init_process_group("gloo")}.
 *
 * <p>Native buffers are used in place: each call wraps the caller's native segments in tensors made
 * with {@code from_blob} over their addresses (no copy). Heap segments (a model on Java arrays) are
 * staged through a temporary native copy, one copy each way per call. Per-rank scalars
 * (norm partials) travel by an all-gather and are combined in rank order, so a scalar reduction
 * gives the same bits on every rank and in every run. Every operation is bounded by the timeout
 * given to {@link #connect}: a peer that dies or never arrives gives a {@link CollectiveException},
 * never a hang.
 */
public final class GlooCollective implements Collective {
    /**
     * from_blob's deleter: the memory is the caller's, so it frees nothing. Static so that the
     * callback outlives every tensor that refers to it.
     */
    private static final PointerConsumer KEEP = new PointerConsumer() {
        @Override
        public void call(Pointer p) {}
    };

    private final int rank, size;
    private final Duration timeout;
    private final TCPStore store;
    private final ProcessGroupGloo group;
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment scalarIn, scalarsOut;
    private boolean closed;

    private GlooCollective(int rank, int size, Duration timeout, TCPStore store, ProcessGroupGloo group) {
        this.rank = rank;
        this.size = size;
        this.timeout = timeout;
        this.store = store;
        this.group = group;
        this.scalarIn = arena.allocate(Double.BYTES, 64);
        this.scalarsOut = arena.allocate((long) Double.BYTES * size, 64);
    }

    /**
     * Joins the group that {@code env} describes ({@link LaunchEnv#fromEnvironment()} reads torchrun's
     * variables). This rank's Gloo device binds to the address of this host's name, or to 127.0.0.1
     * when {@code MASTER_ADDR} is a loopback address (every rank on one machine).
     */
    public static GlooCollective connect(LaunchEnv env, Duration timeout) {
        Objects.requireNonNull(env, "env");
        String device;
        try {
            InetAddress master = InetAddress.getByName(env.masterAddr());
            device = master.isLoopbackAddress() ? "127.0.0.1" : InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            throw new CollectiveException("cannot resolve MASTER_ADDR '" + env.masterAddr() + "' or this host's name", e);
        }
        return connect(env, device, timeout);
    }

    /**
     * {@link #connect(LaunchEnv, Duration)} with this rank's Gloo device bound to {@code deviceHost}
     * (a host name or address of this machine that the other ranks can reach).
     */
    public static GlooCollective connect(LaunchEnv env, String deviceHost, Duration timeout) {
        Objects.requireNonNull(env, "env");
        Objects.requireNonNull(deviceHost, "deviceHost");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("Invalid timeout: " + timeout);
        long ms = Math.max(1, timeout.toMillis());
        TCPStore store = null;
        try {
            TCPStoreOptions so = new TCPStoreOptions();
            so.port((short) env.masterPort());
            so.isServer(env.rank() == 0);
            so.waitWorkers(false);
            so.timeout(new Milliseconds(ms));
            store = new TCPStore(env.masterAddr(), so);
            ProcessGroupGloo.Options opts = ProcessGroupGloo.Options.create(new Milliseconds(ms));
            opts.devices(new GlooDeviceVector(ProcessGroupGloo.createDeviceForHostname(deviceHost)));
            ProcessGroupGloo pg = new ProcessGroupGloo(store, env.rank(), env.worldSize(), opts);
            return new GlooCollective(env.rank(), env.worldSize(), timeout, store, pg);
        } catch (RuntimeException e) {
            if (store != null) store.close();
            throw new CollectiveException("rank " + env.rank() + " of " + env.worldSize() + " could not join the Gloo group at "
                    + env.masterAddr() + ":" + env.masterPort() + " within " + timeout + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads libtorch's native libraries now (javacpp extracts them into its cache on first use). A
     * launcher that starts several ranks from one jar calls it before starting them, so that the
     * processes do not extract the same files at the same time (one could map a file another is
     * still writing).
     */
    public static void loadNatives() {
        org.bytedeco.javacpp.Loader.load(torch.class);
    }

    @Override public int rank() { return rank; }
    @Override public int worldSize() { return size; }

    /**
     * {@code s} itself when it is native; otherwise a native copy (with {@code s}'s contents when
     * {@code copyIn}), whose contents the caller copies back into {@code s} after an operation that
     * writes it.
     */
    private static MemorySegment nativeOf(MemorySegment s, boolean copyIn, Arena scratch) {
        if (s.isNative()) return s;
        MemorySegment n = scratch.allocate(Math.max(1, s.byteSize()), 64).asSlice(0, s.byteSize());
        if (copyIn) n.copyFrom(s);
        return n;
    }

    /** Runs {@code op} on native views of {@code input} and {@code output}, staging heap segments. */
    private void staged(String op, MemorySegment input, MemorySegment output, Precision p, boolean outputIsInput,
            java.util.function.BiFunction<Tensor, Tensor, Work> start) {
        try (Arena scratch = Arena.ofConfined()) {
            MemorySegment in = outputIsInput ? null : nativeOf(input, true, scratch);
            MemorySegment out = nativeOf(output, outputIsInput, scratch);
            Tensor ti = in == null ? null : wrap(in, p, "input"), to = wrap(out, p, "output");
            try {
                run(op, () -> start.apply(ti, to));
            } finally {
                if (ti != null) ti.close();
                to.close();
            }
            if (out != output) output.copyFrom(out);
        }
    }

    private static Tensor wrap(MemorySegment s, Precision p, String what) {
        if (s.byteSize() % p.byteSize() != 0) {
            throw new IllegalArgumentException(what + " of " + s.byteSize() + " bytes is not a whole number of " + p + " values");
        }
        long n = s.byteSize() / p.byteSize();
        Pointer at = new Address(s.address(), s.byteSize());
        TensorOptions o = new TensorOptions(switch (p) {
            case F32 -> torch.ScalarType.Float;
            case F64 -> torch.ScalarType.Double;
            case BF16 -> torch.ScalarType.BFloat16;
            case F16 -> torch.ScalarType.Half;
        });
        return torch.from_blob(at, new long[] {n}, new long[] {1}, KEEP, o, new DeviceOptional());
    }

    /** A javacpp pointer at a raw address (no ByteBuffer, so no 2 GiB limit). */
    private static final class Address extends Pointer {
        Address(long address, long bytes) {
            this.address = address;
            this.limit = bytes;
            this.capacity = bytes;
        }
    }

    private void run(String op, Supplier<Work> start) {
        if (closed) throw new IllegalStateException("this collective is closed");
        try {
            Work w = start.get();
            w._wait(new Milliseconds(Math.max(1, timeout.toMillis())));
            if (!w.isSuccess()) throw new CollectiveException(op + " failed on rank " + rank + " of " + size);
        } catch (CollectiveException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new CollectiveException(op + " failed on rank " + rank + " of " + size + " (timeout " + timeout + "): "
                    + e.getMessage(), e);
        }
    }

    private static long count(MemorySegment s, Precision p) {
        return s.byteSize() / p.byteSize();
    }

    @Override
    public void reduceScatter(MemorySegment input, MemorySegment output, Precision precision) {
        if (count(input, precision) != count(output, precision) * size) {
            throw new IllegalArgumentException("reduceScatter: input has " + count(input, precision)
                    + " elements, expected " + size + " x " + count(output, precision));
        }
        staged("reduceScatter", input, output, precision, false, (in, out) -> group._reduce_scatter_base(out, in));
    }

    @Override
    public void allGather(MemorySegment input, MemorySegment output, Precision precision) {
        if (count(output, precision) != count(input, precision) * size) {
            throw new IllegalArgumentException("allGather: output has " + count(output, precision)
                    + " elements, expected " + size + " x " + count(input, precision));
        }
        staged("allGather", input, output, precision, false, (in, out) -> group._allgather_base(out, in));
    }

    @Override
    public void allToAll(MemorySegment input, MemorySegment output, Precision precision) {
        long total = count(input, precision);
        if (total % size != 0 || count(output, precision) != total) {
            throw new IllegalArgumentException("allToAll: input and output must both hold " + size
                    + " equal chunks, got " + total + " and " + count(output, precision) + " elements");
        }
        staged("allToAll", input, output, precision, false,
                (in, out) -> group.alltoall_base(out, in, new LongVector(), new LongVector()));
    }

    @Override
    public void allReduceSum(MemorySegment buffer, Precision precision) {
        staged("allReduce", buffer, buffer, precision, true, (unused, t) -> group.allreduce(new TensorVector(t)));
    }

    private double[] gatherScalar(double value) {
        scalarIn.set(ValueLayout.JAVA_DOUBLE, 0, value);
        allGather(scalarIn, scalarsOut, Precision.F64);
        return scalarsOut.toArray(ValueLayout.JAVA_DOUBLE);
    }

    @Override
    public double allReduceSum(double value) {
        return Scalars.sum(gatherScalar(value));
    }

    @Override
    public double allReduceMax(double value) {
        return Scalars.max(gatherScalar(value));
    }

    @Override
    public void barrier() {
        run("barrier", group::barrier);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        group.close();
        store.close();
        arena.close();
    }
}
