package dev.adam4j.kernels;

import dev.adam4j.testing.NamedConfig;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fast path against the scalar specification, bit for bit: the active provider (vector at
 * the width this JVM runs, or scalar in the fallback run) through the public facade, on every
 * storage, against {@code ScalarAdamF32/F64} called directly on arrays. All five buffers are
 * compared after each of 10 steps, including padding before and after the range (nothing outside
 * it may change). Every buffer holds special values (signed zeros, subnormals, infinities, NaN) among
 * the ordinary ones. NaNs are compared as NaN (their payloads are unspecified); everything else by its
 * exact bits: the tolerance is 0 ulp, because every operation involved is correctly rounded and the
 * order is the same.
 */
class KernelEquivalenceTest {

    static final int STEPS = 10;
    /** Signed zeros, subnormals, infinities and NaN in every buffer, about one element in 16. */
    static final double SPECIAL_RATE = 1.0 / 16;

    static int lanes(Precision p) {
        int bits = AdamKernels.vectorBitSize() == 0 ? 512 : AdamKernels.vectorBitSize();
        // the 16-bit kernels run as many lanes as the f32 vectors have
        return bits / (8 * (p.isReduced() ? Float.BYTES : p.byteSize()));
    }

    /**
     * Lengths around every lane count, primes, and two large ones. Only the f16 kernels have a path that
     * depends on the length beyond the loop bound (blocks of 1,024 elements: {@code F16BlockTest} covers
     * their boundaries; 4,098 and 10,007 here span several blocks), so 10,007 (hundreds of iterations of
     * the widest loop) is "large" for every configuration and offset.
     * 100,003 runs for f32 and f64 at offset 0 only: at both offsets it was 90% of this table's time, in
     * each of its four runs.
     */
    static List<Integer> lengths(Precision p, int offset) {
        int lanes = lanes(p);
        List<Integer> out = new ArrayList<>(List.of(0, 1, lanes - 1, lanes, lanes + 1, 13, 207, 1021, 4098, 10_007));
        if (p.isReduced()) out.addAll(List.of(2 * lanes - 1, 2 * lanes, 2 * lanes + 1)); // the all-bf16 loop steps pairs of vectors
        if (!p.isReduced() && offset == 0) out.add(100_003);
        return out;
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (NamedConfig c : NamedConfig.ALL) {
            for (Precision p : Precision.values()) {
                for (int offset : new int[] {0, 3}) {
                    for (int length : lengths(p, offset)) {
                        for (Storage s : Storage.values()) {
                            out.add(Arguments.of(c, p, length, offset, s));
                        }
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} | {1} n={2} off={3} {4}")
    @MethodSource("cases")
    void fastPathEqualsSpecification(NamedConfig c, Precision p, int length, int offset, Storage s) {
        long seed = 31L * c.name().hashCode() + 17L * length + offset + 7L * p.ordinal();
        try (Arena arena = Arena.ofConfined()) {
            Storage.Buffers expected = new Storage.Buffers(Storage.ARRAY, p, offset, length, arena);
            Storage.Buffers actual = new Storage.Buffers(s, p, offset, length, arena);
            SplittableRandom r = new SplittableRandom(seed);
            TestData.fill(expected, r, offset != 0, SPECIAL_RATE); // offset 3 also starts from a warm state
            TestData.copy(expected, actual);
            for (int t = 1; t <= STEPS; t++) {
                if (t > 1) {
                    TestData.newGradients(expected, r, SPECIAL_RATE);
                    TestData.copy(expected, actual); // grads only differ; the rest must already match
                }
                TestData.referenceStep(expected, c.h(), t, c.gradScale());
                actual.step(c.h(), t, c.gradScale());
                for (int buf = 0; buf < 5; buf++) {
                    if (buf == 4 && !c.h().amsgrad()) continue; // untouched without amsgrad
                    assertBitsEqual(expected.bits(buf), actual.bits(buf), Storage.Buffers.NAMES[buf], t, actual);
                }
            }
        }
    }

    static void assertBitsEqual(long[] expected, long[] actual, String buffer, int step, Object where) {
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != actual[i]) {
                fail(buffer + " differs at step " + step + ", element " + i + " of " + where + ": expected bits "
                        + Long.toHexString(expected[i]) + ", got " + Long.toHexString(actual[i]));
            }
        }
        assertArrayEquals(expected, actual);
    }
}
