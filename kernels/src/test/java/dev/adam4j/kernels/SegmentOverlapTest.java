package dev.adam4j.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** Overlapping segment ranges are refused before anything is written, as for arrays. */
class SegmentOverlapTest {
    static final AdamHyperparameters H = AdamHyperparameters.defaults();

    static byte[] snapshot(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void nativeViewsOfOneAllocationThatOverlapAreRefused() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment all = arena.allocate(4L * 100, 64);
            for (int i = 0; i < 100; i++) all.setAtIndex(ValueLayout.JAVA_FLOAT, i, i + 1);
            MemorySegment m = arena.allocate(4L * 100), v = arena.allocate(4L * 100);
            byte[] before = snapshot(all);
            // param [0, 40) and grad [30, 70) of the same memory, through different segment objects
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AdamKernels.step(H, 1, 1.0,
                    Precision.F32, all.asSlice(0), 0, all.asSlice(4 * 30), 0, m, 0, v, 0, null, 0, 40));
            assertTrue(e.getMessage().contains("param") && e.getMessage().contains("grad"), e.getMessage());
            // exp_avg aliasing the parameter itself
            assertThrows(IllegalArgumentException.class, () -> AdamKernels.step(H, 1, 1.0,
                    Precision.F32, all, 0, m, 0, all, 10, v, 0, null, 0, 20));
            assertArrayEquals(before, snapshot(all), "nothing written");
            // adjacent, not overlapping: fine
            assertDoesNotThrow(() -> AdamKernels.step(H, 1, 1.0, Precision.F32, all, 0, all, 40, m, 0, v, 0, null, 0, 40));
        }
    }

    @Test
    void aReadOnlyHeapGradientOverTheParametersArrayIsRefused() {
        float[] data = new float[64];
        MemorySegment p = MemorySegment.ofArray(data);
        MemorySegment g = MemorySegment.ofArray(data).asReadOnly();
        MemorySegment m = MemorySegment.ofArray(new float[64]), v = MemorySegment.ofArray(new float[64]);
        assertThrows(IllegalArgumentException.class,
                () -> AdamKernels.step(H, 1, 1.0, Precision.F32, p, 0, g, 8, m, 0, v, 0, null, 0, 32));
        assertArrayEquals(new float[64], data);
    }

    @Test
    void heapAndNativeNeverOverlap() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = arena.allocate(8L * 16);
            MemorySegment g = MemorySegment.ofArray(new double[16]);
            assertDoesNotThrow(() -> AdamKernels.step(H, 1, 1.0, Precision.F64, p, 0, g, 0,
                    arena.allocate(8L * 16), 0, arena.allocate(8L * 16), 0, null, 0, 16));
        }
    }
}
