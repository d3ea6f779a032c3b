package dev.adam4j.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The table of invalid inputs: each throws the documented exception with a message naming the bad
 * value, before anything is written (every buffer is compared with its copy taken before the call).
 */
class KernelValidationTest {

    static final AdamHyperparameters D = AdamHyperparameters.defaults();

    /** Hyperparameters outside PyTorch's ranges, with the text the message must contain. */
    static Stream<Arguments> badHyperparameters() {
        return Stream.of(
                Arguments.of("lr -1", (Runnable) () -> D.withLr(-1), "Invalid learning rate: -1.0"),
                Arguments.of("lr NaN", (Runnable) () -> D.withLr(Double.NaN), "Invalid learning rate: NaN"),
                Arguments.of("eps -1e-8", (Runnable) () -> D.withEps(-1e-8), "Invalid epsilon value: -1.0E-8"),
                Arguments.of("beta1 1.0", (Runnable) () -> D.withBetas(1.0, 0.999), "Invalid beta parameter at index 0: 1.0"),
                Arguments.of("beta1 -0.1", (Runnable) () -> D.withBetas(-0.1, 0.999), "Invalid beta parameter at index 0: -0.1"),
                Arguments.of("beta2 1.0", (Runnable) () -> D.withBetas(0.9, 1.0), "Invalid beta parameter at index 1: 1.0"),
                Arguments.of("beta2 NaN", (Runnable) () -> D.withBetas(0.9, Double.NaN), "Invalid beta parameter at index 1: NaN"),
                Arguments.of("wd -0.1", (Runnable) () -> D.withWeightDecay(-0.1, WeightDecay.L2), "Invalid weight_decay value: -0.1"),
                Arguments.of("wd inf", (Runnable) () -> D.withWeightDecay(Double.POSITIVE_INFINITY, WeightDecay.L2),
                        "Invalid weight_decay value: Infinity"),
                Arguments.of("wd with NONE", (Runnable) () -> D.withWeightDecay(0.1, WeightDecay.NONE), "weightDecay 0.1"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badHyperparameters")
    void hyperparametersOutsidePyTorchsRangesAreRejected(String name, Runnable make, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, make::run);
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    /** Fresh f32 arrays of length 8 (param, grad, m, v, vmax) with distinct contents. */
    static float[][] arrays() {
        float[][] a = new float[5][8];
        for (int b = 0; b < 5; b++) for (int i = 0; i < 8; i++) a[b][i] = 0.25f * (b + 1) + i;
        return a;
    }

    record BadCall(String name, Consumer<float[][]> call, String message) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<BadCall> badArrayCalls() {
        AdamHyperparameters ams = D.withAmsgrad(true);
        return List.of(
                new BadCall("t = 0", a -> AdamKernels.step(D, 0, 1, a[0], a[1], a[2], a[3], a[4]), "Invalid step t: 0"),
                new BadCall("t = -5", a -> AdamKernels.step(D, -5, 1, a[0], a[1], a[2], a[3], a[4]), "Invalid step t: -5"),
                new BadCall("gradScale NaN", a -> AdamKernels.step(D, 1, Double.NaN, a[0], a[1], a[2], a[3], a[4]),
                        "Invalid gradScale: NaN"),
                new BadCall("gradScale inf", a -> AdamKernels.step(D, 1, Double.NEGATIVE_INFINITY, a[0], a[1], a[2], a[3], a[4]),
                        "Invalid gradScale: -Infinity"),
                new BadCall("grad shorter", a -> AdamKernels.step(D, 1, 1, a[0], Arrays.copyOf(a[1], 7), a[2], a[3], a[4]),
                        "grad range [0, 8) is outside its array of length 7"),
                new BadCall("expAvgSq shorter", a -> AdamKernels.step(D, 1, 1, a[0], a[1], a[2], new float[3], a[4]),
                        "expAvgSq range [0, 8) is outside its array of length 3"),
                new BadCall("negative offset", a -> AdamKernels.step(D, 1, 1, a[0], -1, a[1], 0, a[2], 0, a[3], 0, a[4], 0, 4),
                        "param range [-1, 3)"),
                new BadCall("offset past end", a -> AdamKernels.step(D, 1, 1, a[0], 0, a[1], 5, a[2], 0, a[3], 0, a[4], 0, 4),
                        "grad range [5, 9) is outside its array of length 8"),
                new BadCall("negative length", a -> AdamKernels.step(D, 1, 1, a[0], 0, a[1], 0, a[2], 0, a[3], 0, a[4], 0, -2),
                        "Invalid length: -2"),
                new BadCall("null grad", a -> AdamKernels.step(D, 1, 1, a[0], null, a[2], a[3], a[4]), "grad is null"),
                new BadCall("amsgrad without max buffer", a -> AdamKernels.step(ams, 1, 1, a[0], a[1], a[2], a[3], null),
                        "maxExpAvgSq is null"),
                new BadCall("amsgrad max buffer too short", a -> AdamKernels.step(ams, 1, 1, a[0], a[1], a[2], a[3], new float[2]),
                        "maxExpAvgSq range [0, 8) is outside its array of length 2"),
                new BadCall("param aliases expAvg", a -> AdamKernels.step(D, 1, 1, a[0], 0, a[1], 0, a[0], 2, a[3], 0, a[4], 0, 4),
                        "param range starting at 0 overlaps expAvg range starting at 2"),
                new BadCall("grad aliases expAvgSq", a -> AdamKernels.step(D, 1, 1, a[0], a[1], a[2], a[1], a[4]),
                        "overlaps grad"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badArrayCalls")
    void badArrayArgumentsThrowBeforeAnythingIsWritten(BadCall bad) {
        float[][] a = arrays();
        float[][] before = Arrays.stream(a).map(float[]::clone).toArray(float[][]::new);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> bad.call().accept(a));
        assertTrue(e.getMessage().contains(bad.message()), "message was: " + e.getMessage());
        for (int b = 0; b < 5; b++) assertArrayEquals(before[b], a[b], "buffer " + b + " changed");
    }

    @Test
    void badSegmentArgumentsThrowBeforeAnythingIsWritten() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] s = new MemorySegment[5];
            for (int b = 0; b < 5; b++) {
                s[b] = arena.allocate(8 * Float.BYTES);
                for (int i = 0; i < 8; i++) s[b].setAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i, b + i);
            }
            byte[][] before = Arrays.stream(s).map(m -> m.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).toArray(byte[][]::new);
            expectSegment(IllegalArgumentException.class, "expAvg segment is read-only",
                    () -> AdamKernels.step(D, 1, 1, Precision.F32, s[0], 0, s[1], 0, s[2].asReadOnly(), 0, s[3], 0, s[4], 0, 8));
            expectSegment(IllegalArgumentException.class, "param range [0, 8) elements is outside its segment of 32 bytes (4 elements of 8 bytes)",
                    () -> AdamKernels.step(D, 1, 1, Precision.F64, s[0], 0, s[1], 0, s[2], 0, s[3], 0, s[4], 0, 8));
            expectSegment(IllegalArgumentException.class, "grad range [1, 9) elements",
                    () -> AdamKernels.step(D, 1, 1, Precision.F32, s[0], 0, s[1], 1, s[2], 0, s[3], 0, s[4], 0, 8));
            expectSegment(IllegalArgumentException.class, "expAvgSq offset -1 is negative",
                    () -> AdamKernels.step(D, 1, 1, Precision.F32, s[0], 0, s[1], 0, s[2], 0, s[3], -1, s[4], 0, 8));
            expectSegment(IllegalArgumentException.class, "precision is null",
                    () -> AdamKernels.step(D, 1, 1, null, s[0], 0, s[1], 0, s[2], 0, s[3], 0, s[4], 0, 8));
            expectSegment(IllegalArgumentException.class, "param range [0, " + (Long.MAX_VALUE) + ")",
                    () -> AdamKernels.step(D, 1, 1, Precision.F32, s[0], 0, s[1], 0, s[2], 0, s[3], 0, s[4], 0, Long.MAX_VALUE));
            // Confined to this thread: another thread is refused up front, nothing half-written.
            AtomicReference<Throwable> other = new AtomicReference<>();
            Thread th = new Thread(() -> {
                try {
                    AdamKernels.step(D, 1, 1, Precision.F32, s[0], 0, s[1], 0, s[2], 0, s[3], 0, s[4], 0, 8);
                } catch (Throwable e) {
                    other.set(e);
                }
            });
            th.start();
            join(th);
            assertTrue(other.get() instanceof IllegalStateException
                    && other.get().getMessage().contains("param segment is confined to another thread"), String.valueOf(other.get()));
            for (int b = 0; b < 5; b++) {
                assertArrayEquals(before[b], s[b].toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), "segment " + b + " changed");
            }
        }
    }

    @Test
    void aClosedArenaIsRefusedUpFront() {
        Arena arena = Arena.ofConfined();
        MemorySegment p = arena.allocate(32);
        arena.close();
        float[] g = new float[8];
        MemorySegment live = MemorySegment.ofArray(new float[8]);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> AdamKernels.step(D, 1, 1,
                Precision.F32, p, 0, MemorySegment.ofArray(g), 0, live, 0, MemorySegment.ofArray(new float[8]), 0, null, 0, 8));
        assertTrue(e.getMessage().contains("param segment's arena is already closed"), e.getMessage());
    }

    private static void expectSegment(Class<? extends RuntimeException> type, String message, Runnable call) {
        RuntimeException e = assertThrows(type, call::run);
        assertTrue(e.getMessage().contains(message), "message was: " + e.getMessage());
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
