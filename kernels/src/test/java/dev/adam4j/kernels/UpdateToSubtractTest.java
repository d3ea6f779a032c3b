package dev.adam4j.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.internal.ScalarAdamF32;
import dev.adam4j.kernels.internal.ScalarAdamF64;
import dev.adam4j.kernels.internal.StepScalars;
import dev.adam4j.testing.NamedConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code AdamKernels.updateToSubtract}, the step for frameworks that subtract the update themselves.
 * Every named configuration (its weight decay removed: the operation refuses it) × f32/f64 × the lengths
 * of {@link KernelEquivalenceTest} up to 10,007 (hundreds of iterations of the widest loop, which has no
 * other length-dependent path) × two offsets × every segment storage, the update written in place of
 * the gradient (and for misaligned native and heap-byte storage also into its own buffer), 10 steps, special values (signed zeros, subnormals, infinities,
 * NaN) in every buffer, the parameters included. After each step, bit for bit (NaN as NaN):
 * <ol>
 *   <li>the contract: {@code p − u}, computed as the framework does, is the parameter the scalar
 *       specification's {@code step} makes, and the moments are its moments;</li>
 *   <li>the fast path (the active provider) equals the scalar {@code updateToSubtract}, padding
 *       included.</li>
 * </ol>
 */
class UpdateToSubtractTest {
    static final int STEPS = 10;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (NamedConfig named : NamedConfig.ALL) {
            AdamHyperparameters h = named.h().withWeightDecay(0.0, named.h().weightDecayMode());
            NamedConfig c = new NamedConfig(named.name() + " (no decay)", h, named.gradScale());
            for (Precision p : new Precision[] {Precision.F32, Precision.F64}) {
                for (int offset : new int[] {0, 3}) {
                    for (int length : KernelEquivalenceTest.lengths(p, offset)) {
                        if (length > 10_007) continue; // the loop has no path that depends on the length beyond the bound
                        for (Storage s : Storage.values()) {
                            if (!s.isSegment()) continue;
                            out.add(Arguments.of(c, p, length, offset, s, true));
                            // a separate output: misaligned native, and heap bytes
                            if (s == Storage.NATIVE_UNALIGNED || s == Storage.HEAP_BYTES) out.add(Arguments.of(c, p, length, offset, s, false));
                        }
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} | {1} n={2} off={3} {4} inPlace={5}")
    @MethodSource("cases")
    void theFrameworkSubtractionIsTheStepAndTheFastPathIsTheSpecification(NamedConfig c, Precision p, int length,
            int offset, Storage s, boolean inPlace) {
        long seed = 43L * c.name().hashCode() + 19L * length + offset + 5L * p.ordinal() + (inPlace ? 1 : 0);
        try (Arena arena = Arena.ofConfined()) {
            Storage.Buffers step = new Storage.Buffers(Storage.ARRAY, p, offset, length, arena);
            Storage.Buffers fast = new Storage.Buffers(s, p, offset, length, arena);
            Storage.Buffers spec = new Storage.Buffers(Storage.HEAP_BYTES, p, offset, length, arena);
            SplittableRandom r = new SplittableRandom(seed);
            TestData.fill(step, r, offset != 0, KernelEquivalenceTest.SPECIAL_RATE);
            TestData.copy(step, fast);
            TestData.copy(step, spec);
            int total = offset + length + Storage.Buffers.PAD_AFTER;
            MemorySegment fastOut = inPlace ? fast.segments[1] : arena.allocate((long) total * p.byteSize() + 1, 64).asSlice(1);
            MemorySegment specOut = inPlace ? spec.segments[1] : MemorySegment.ofArray(new byte[total * p.byteSize()]);
            for (int t = 1; t <= STEPS; t++) {
                if (t > 1) {
                    TestData.newGradients(step, r, KernelEquivalenceTest.SPECIAL_RATE);
                    TestData.copy(step, fast); // the gradients are new; everything else must already match
                    TestData.copy(step, spec); // (the parameters too: the step's, which the framework would hold)
                }
                double[] before = new double[length];
                for (int i = 0; i < length; i++) before[i] = step.get(0, i);
                MemorySegment grad = s == Storage.NATIVE_SEGMENT && !inPlace ? fast.segments[1].asReadOnly() : fast.segments[1];
                AdamKernels.updateToSubtract(c.h(), t, c.gradScale(), p, fastOut, offset, grad, offset,
                        fast.segments[2], offset, fast.segments[3], offset, fast.segments[4], offset, length);
                specStep(spec, specOut, c, t);
                TestData.referenceStep(step, c.h(), t, c.gradScale());
                String where = " at step " + t + " of " + fast + (inPlace ? " in place" : "");
                for (int i = 0; i < length; i++) { // 1. the framework's p − u is the step's parameter
                    double u = read(fastOut, p, offset + i), q = before[i];
                    double subtracted = p == Precision.F32 ? (double) ((float) q - (float) u) : q - u;
                    assertSameBits(p, step.get(0, i), subtracted, "p - u vs step's parameter", i, where);
                    for (int b = 2; b <= (c.h().amsgrad() ? 4 : 3); b++) {
                        assertSameBits(p, step.get(b, i), fast.get(b, i), Storage.Buffers.NAMES[b], i, where);
                    }
                }
                for (int i = -offset; i < length + Storage.Buffers.PAD_AFTER; i++) { // 2. the fast path is the specification
                    assertSameBits(p, read(specOut, p, offset + i), read(fastOut, p, offset + i), "update", i, where);
                    for (int b = 2; b <= 4; b++) {
                        assertSameBits(p, spec.get(b, i), fast.get(b, i), Storage.Buffers.NAMES[b], i, where);
                    }
                }
            }
        }
    }

    private static void specStep(Storage.Buffers b, MemorySegment out, NamedConfig c, long t) {
        double negStep = StepScalars.negStepSize(c.h(), t), bc2 = StepScalars.bc2Sqrt(c.h(), t);
        int o = b.offset;
        if (b.precision == Precision.F32) {
            ScalarAdamF32.INSTANCE.updateToSubtract(c.h(), negStep, bc2, c.gradScale(), out, o, b.segments[1], o,
                    b.segments[2], o, b.segments[3], o, b.segments[4], o, b.length);
        } else {
            ScalarAdamF64.INSTANCE.updateToSubtract(c.h(), negStep, bc2, c.gradScale(), out, o, b.segments[1], o,
                    b.segments[2], o, b.segments[3], o, b.segments[4], o, b.length);
        }
    }

    private static double read(MemorySegment s, Precision p, int at) {
        return p == Precision.F32 ? s.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at) : s.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, at);
    }

    /** Exact bits in the precision; any NaN equals any NaN (payloads and signs are unspecified). */
    private static void assertSameBits(Precision p, double expected, double actual, String what, int element, String where) {
        long e = p == Precision.F32 ? Float.floatToIntBits((float) expected) : Double.doubleToLongBits(expected);
        long a = p == Precision.F32 ? Float.floatToIntBits((float) actual) : Double.doubleToLongBits(actual);
        if (e != a) {
            throw new AssertionError(what + " element " + element + where + ": expected " + expected + " (0x" + Long.toHexString(e) + "), got " + actual
                    + " (0x" + Long.toHexString(a) + ")");
        }
    }

    @Test
    void badArgumentsAreRefusedBeforeAnyWrite() {
        AdamHyperparameters h = AdamHyperparameters.defaults();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment g = arena.allocate(64), m = arena.allocate(64), v = arena.allocate(64), u = arena.allocate(64);
            g.fill((byte) 0x3F);
            MemorySegment g0 = arena.allocate(64).copyFrom(g), m0 = arena.allocate(64).copyFrom(m);
            expect("weightDecay 0.1 (L2)", () -> AdamKernels.updateToSubtract(h.withWeightDecay(0.1, WeightDecay.L2), 1, 1,
                    Precision.F32, u, 0, g, 0, m, 0, v, 0, null, 0, 4));
            expect("weightDecay 0.01 (DECOUPLED)", () -> AdamKernels.updateToSubtract(h.withWeightDecay(0.01, WeightDecay.DECOUPLED),
                    1, 1, Precision.F32, g, 0, g, 0, m, 0, v, 0, null, 0, 4));
            expect("not BF16", () -> AdamKernels.updateToSubtract(h, 1, 1, Precision.BF16, u, 0, g, 0, m, 0, v, 0, null, 0, 4));
            expect("update range [14, 18) elements is outside", () -> AdamKernels.updateToSubtract(h, 1, 1, Precision.F32,
                    u, 14, g, 0, m, 0, v, 0, null, 0, 4));
            expect("update segment is read-only", () -> AdamKernels.updateToSubtract(h, 1, 1, Precision.F32,
                    g.asReadOnly(), 0, g, 0, m, 0, v, 0, null, 0, 4));
            expect("update range starting at element 1 overlaps grad range starting at element 0", () ->
                    AdamKernels.updateToSubtract(h, 1, 1, Precision.F32, g, 1, g, 0, m, 0, v, 0, null, 0, 4));
            expect("expAvg range starting at element 0 overlaps update", () ->
                    AdamKernels.updateToSubtract(h, 1, 1, Precision.F32, m, 2, g, 0, m, 0, v, 0, null, 0, 4));
            expect("expAvg range starting at element 2 overlaps update", () -> AdamKernels.updateToSubtract(h, 1, 1, Precision.F32, g, 0, g, 0, g, 2, v, 0, null, 0, 4));
            expect("maxExpAvgSq is null", () -> AdamKernels.updateToSubtract(h.withAmsgrad(true), 1, 1, Precision.F32,
                    u, 0, g, 0, m, 0, v, 0, null, 0, 4));
            expect("Invalid step t: 0", () -> AdamKernels.updateToSubtract(h, 0, 1, Precision.F32, u, 0, g, 0, m, 0, v, 0, null, 0, 4));
            assertEquals(-1, g.mismatch(g0), "the gradient is untouched");
            assertEquals(-1, m.mismatch(m0), "the moments are untouched");
            assertTrue(u.elements(ValueLayout.JAVA_BYTE).allMatch(x -> x.get(ValueLayout.JAVA_BYTE, 0) == 0), "nothing written");
        }
    }

    /** A heap gradient updated in place through two views of one array (one read-only) is in place, not an overlap. */
    @Test
    void heapViewsOfTheSameRangeAreInPlace() {
        AdamHyperparameters h = AdamHyperparameters.defaults();
        float[] g = {0.5f, -2f, 0f, -0f, 1e-30f}, m = new float[5], v = new float[5];
        float[] p = {1f, 2f, -3f, 0f, -0f}, pm = new float[5], pv = new float[5], grad = g.clone();
        AdamKernels.updateToSubtract(h, 1, 1, Precision.F32, MemorySegment.ofArray(g), 0, MemorySegment.ofArray(g).asReadOnly(), 0,
                MemorySegment.ofArray(m), 0, MemorySegment.ofArray(v), 0, null, 0, 5);
        float[] stepped = p.clone();
        AdamKernels.step(h, 1, 1, stepped, grad, pm, pv, null);
        for (int i = 0; i < 5; i++) {
            assertEquals(Float.floatToIntBits(stepped[i]), Float.floatToIntBits(p[i] - g[i]), "p - u at " + i);
        }
    }

    private static void expect(String fragment, Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(fragment), "message '" + x.getMessage() + "' should contain '" + fragment + "'");
    }
}
