package dev.adam4j.parity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.AdamKernels;
import dev.adam4j.kernels.Precision;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.PointerConsumer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/** Zero-copy in both directions: adam4j steps libtorch's memory, libtorch steps adam4j's. */
class InteropTest {
    static final int N = 4096; // a multiple of every vector width: no scalar tails on either side
    /**
     * The from_blob deleter: adam4j's arena owns the memory, so it frees nothing. Held in a static
     * field because libtorch calls it when the tensor dies, which must not outlive the Java callback.
     */
    static final PointerConsumer KEEP = new PointerConsumer() {
        @Override
        public void call(Pointer p) { }
    };

    static final AdamHyperparameters H = AdamHyperparameters.defaults().withLr(0.01).withAmsgrad(true);

    static float[] values(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[N];
        for (int i = 0; i < N; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    static float[] read(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_FLOAT);
    }

    @Test
    void adam4jStepsALibtorchTensorInPlace() {
        Tensor[] t = new Tensor[5], ref = new Tensor[5];
        MemorySegment[] seg = new MemorySegment[5];
        for (int b = 0; b < 5; b++) {
            t[b] = Torch.empty(Precision.F32, N);
            seg[b] = Torch.memory(t[b]);
            seg[b].fill((byte) 0);
        }
        MemorySegment.copy(values(1), 0, seg[0], ValueLayout.JAVA_FLOAT, 0, N);
        for (int b = 0; b < 5; b++) ref[b] = t[b].clone();
        for (long step = 1; step <= 5; step++) {
            MemorySegment.copy(values(step + 10), 0, seg[1], ValueLayout.JAVA_FLOAT, 0, N);
            ref[1].copy_(t[1]);
            // adam4j writes straight into libtorch's storage…
            AdamKernels.step(H, step, 1.0, Precision.F32, seg[0], 0, seg[1], 0, seg[2], 0, seg[3], 0, seg[4], 0, N);
            // …and libtorch's own step on copies gives the same bits
            TorchAdam.step(H, step, 1.0, ref[0], ref[1], ref[2], ref[3], ref[4]);
        }
        assertEquals(t[0].data_ptr().address(), seg[0].address(), "same memory, no copy");
        for (int b : new int[] {0, 2, 3, 4}) {
            assertArrayEquals(read(Torch.memory(ref[b])), read(seg[b]), "buffer " + b);
        }
        // and libtorch sees adam4j's values through its own accessors
        assertEquals(read(seg[0])[7], t[0].select(0, 7).item_float());
    }

    @Test
    void libtorchStepsAnAdam4jNativeSegment() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment[] seg = new MemorySegment[5];
            Tensor[] blob = new Tensor[5];
            float[][] ours = new float[5][N];
            for (int b = 0; b < 5; b++) {
                seg[b] = arena.allocate((long) N * Float.BYTES, 64);
                blob[b] = torch.from_blob(new Pointer(seg[b].asByteBuffer()), new long[] {N}, new long[] {1}, KEEP,
                        new TensorOptions(torch.ScalarType.Float), new DeviceOptional());
            }
            float[] p0 = values(2);
            MemorySegment.copy(p0, 0, seg[0], ValueLayout.JAVA_FLOAT, 0, N);
            ours[0] = p0.clone();
            for (long step = 1; step <= 5; step++) {
                float[] g = values(step + 20);
                MemorySegment.copy(g, 0, seg[1], ValueLayout.JAVA_FLOAT, 0, N);
                ours[1] = g;
                TorchAdam.step(H, step, 1.0, blob[0], blob[1], blob[2], blob[3], blob[4]); // libtorch writes our memory
                AdamKernels.step(H, step, 1.0, ours[0], ours[1], ours[2], ours[3], ours[4]);
            }
            assertEquals(seg[0].address(), blob[0].data_ptr().address(), "libtorch works on adam4j's segment itself");
            for (int b : new int[] {0, 2, 3, 4}) assertArrayEquals(ours[b], read(seg[b]), "buffer " + b);
        }
    }

    @Test
    void aFreedOwnerIsRefusedCleanly() {
        Arena arena = Arena.ofShared();
        MemorySegment[] seg = new MemorySegment[4];
        for (int b = 0; b < 4; b++) seg[b] = arena.allocate((long) N * Float.BYTES, 64);
        arena.close(); // the owner freed the memory first
        IllegalStateException e = assertThrows(IllegalStateException.class, () ->
                AdamKernels.step(AdamHyperparameters.defaults(), 1, 1.0, Precision.F32, seg[0], 0, seg[1], 0, seg[2], 0, seg[3], 0, null, 0, N));
        assertEquals("param segment's arena is already closed", e.getMessage());
    }
}
