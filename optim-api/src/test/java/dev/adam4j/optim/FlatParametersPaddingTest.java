package dev.adam4j.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.Precision;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/** {@code FlatParameters.Builder.padTo}: storage rounded up, the buffers' lengths unchanged. */
class FlatParametersPaddingTest {
    @Test
    void storageIsRoundedUpAndThePaddingBelongsToNoParameter() {
        for (long multiple : new long[] {1, 16, 48, 1000}) {
            FlatParameters heap = FlatParameters.builder(Precision.F32).add("a", 3, 5).add("b", 2).padTo(multiple).build();
            long want = (17 + multiple - 1) / multiple * multiple;
            assertEquals(17, heap.data().length());
            assertEquals(17, heap.grad().length());
            assertEquals(want, ((DataBuffer.F32Array) heap.data()).array().length);
            assertEquals(want, ((DataBuffer.F32Array) heap.grad()).array().length);
            try (Arena arena = Arena.ofConfined()) {
                FlatParameters nat = FlatParameters.builder(Precision.F64).add("a", 17).padTo(multiple).nativeMemory(arena).build();
                assertEquals(17, nat.data().length());
                DataBuffer.Segment s = (DataBuffer.Segment) nat.data();
                assertEquals(want * Double.BYTES, s.segment().byteSize());
                for (long i = 0; i < want; i++) assertEquals(0.0, s.segment().getAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, i));
            }
            Adam opt = new Adam(heap.params());
            opt.step();
            assertEquals(17, opt.state(heap.param("a")).expAvg().length() + opt.state(heap.param("b")).expAvg().length());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FlatParameters.builder(Precision.F32).padTo(0));
        assertTrue(e.getMessage().contains("0"), e.getMessage());
    }
}
