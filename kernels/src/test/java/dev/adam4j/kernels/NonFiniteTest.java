package dev.adam4j.kernels;

import dev.adam4j.testing.NamedConfig;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * NaN and infinite gradients propagate as in PyTorch (no clamping): the element's moments and
 * parameter become non-finite, its neighbours are untouched, and the fast path agrees with the
 * specification (NaN compared as NaN).
 */
class NonFiniteTest {

    @ParameterizedTest
    @EnumSource(Precision.class)
    void nonFiniteGradientsPropagateLikePyTorch(Precision p) {
        for (NamedConfig c : NamedConfig.ALL) {
            try (Arena arena = Arena.ofConfined()) {
                int n = 101;
                Storage.Buffers expected = new Storage.Buffers(Storage.ARRAY, p, 0, n, arena);
                Storage.Buffers actual = new Storage.Buffers(Storage.NATIVE_SEGMENT, p, 0, n, arena);
                TestData.fill(expected, new SplittableRandom(7), false);
                expected.set(1, 5, Double.NaN);
                expected.set(1, 17, Double.POSITIVE_INFINITY);
                expected.set(1, 60, Double.NEGATIVE_INFINITY);
                expected.set(0, 33, Double.NaN); // a NaN parameter as well
                TestData.copy(expected, actual);
                TestData.referenceStep(expected, c.h(), 1, c.gradScale());
                actual.step(c.h(), 1, c.gradScale());
                for (int buf = 0; buf < 5; buf++) {
                    assertArrayEquals(expected.bits(buf), actual.bits(buf), c + ": " + Storage.Buffers.NAMES[buf]);
                }
                // grad NaN/inf → v is NaN or inf → the parameter is not finite (PyTorch: inf/inf = NaN)
                for (int i : new int[] {5, 17, 60}) {
                    assertTrue(!Double.isFinite(actual.get(3, i)), c + ": exp_avg_sq at " + i);
                    if (c.h().lr() > 0) assertTrue(!Double.isFinite(actual.get(0, i)), c + ": param at " + i);
                }
                assertTrue(Double.isNaN(actual.get(0, 33)), c + ": NaN param stays NaN");
                assertTrue(Double.isFinite(actual.get(0, 6)), c + ": neighbour stays finite");
            }
        }
    }
}
