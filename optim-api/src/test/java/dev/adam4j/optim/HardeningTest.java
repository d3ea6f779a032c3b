package dev.adam4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.checkpoint.Checkpoint;
import dev.adam4j.optim.checkpoint.CheckpointException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Defects found by attacking the facade from outside (the hardening issue); each test failed
 * before its fix. A step, a load or a construction either happens whole or not at all, and bad
 * input gets an exception naming it.
 */
class HardeningTest {

    private static Param withGrad(Param p, DataBuffer g) {
        p.setGrad(g);
        return p;
    }

    @Test
    void aReadOnlyParameterSegmentFailsTheStepBeforeAnyParameterMoves() {
        Param a = withGrad(Param.of("a", new float[] {1, 2, 3}), DataBuffer.of(new float[] {1, 1, 1}));
        Param b = withGrad(Param.of("b", DataBuffer.of(MemorySegment.ofArray(new float[4]).asReadOnly(), Precision.F32)),
                DataBuffer.of(MemorySegment.ofArray(new float[4]), Precision.F32));
        Adam opt = new Adam(List.of(a, b));
        long[] before = Bits.of(a.data());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, opt::step);
        assertTrue(e.getMessage().contains("parameter 'b'") && e.getMessage().contains("read-only"), e.getMessage());
        assertArrayEquals(before, Bits.of(a.data()), "the first parameter must not have moved");
        assertNull(opt.state(a), "no state, no step count");
        assertNull(opt.state(b));
    }

    @Test
    void aGradientAliasingItsParameterIsRefusedBeforeAnythingMoves() {
        Param a = withGrad(Param.of("a", new double[] {1, 2, 3}), DataBuffer.of(new double[] {1, 1, 1}));
        double[] shared = {4, 5, 6};
        Param b = withGrad(Param.of("b", shared), DataBuffer.of(shared));
        Adam opt = new Adam(List.of(a, b));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, opt::step);
        assertTrue(e.getMessage().contains("parameter 'b'") && e.getMessage().contains("overlaps"), e.getMessage());
        assertArrayEquals(new double[] {1, 2, 3}, (double[]) ((DataBuffer.F64Array) a.data()).array());
        assertArrayEquals(new double[] {4, 5, 6}, shared);
        assertNull(opt.state(a));
    }

    @Test
    void aStepCountAtLongMaxValueIsRefusedWithoutWrapping() {
        Param p = withGrad(Param.of("p", new float[] {1, 2}), DataBuffer.of(new float[] {1, 1}));
        Adam opt = new Adam(List.of(p));
        opt.step();
        StateDict sd = opt.stateDict();
        TreeMap<Integer, StateDict.ParamState> s = new TreeMap<>(sd.state());
        StateDict.ParamState ps = s.get(0);
        s.put(0, new StateDict.ParamState(Long.MAX_VALUE, ps.expAvg(), ps.expAvgSq(), null));
        opt.loadStateDict(new StateDict(s, sd.paramGroups()));
        long[] before = Bits.of(p.data());
        IllegalStateException e = assertThrows(IllegalStateException.class, opt::step);
        assertTrue(e.getMessage().contains("parameter 'p'") && e.getMessage().contains("cannot be incremented"), e.getMessage());
        assertEquals(Long.MAX_VALUE, opt.state(p).step(), "the count must not wrap");
        assertArrayEquals(before, Bits.of(p.data()));
    }

    @Test
    void aCheckpointLoadIntoAReadOnlyParameterChangesNothing(@TempDir Path dir) throws Exception {
        Param p = withGrad(Param.of("p", new float[] {1, 2, 3, 4}), DataBuffer.of(new float[] {1, -1, 1, -1}));
        Adam opt = new Adam(List.of(p));
        opt.step();
        Path f = dir.resolve("c.safetensors");
        Checkpoint.save(opt, f, Checkpoint.SaveOptions.defaults().withParams(true));

        Param ro = Param.of("p", DataBuffer.of(MemorySegment.ofArray(new float[4]).asReadOnly(), Precision.F32));
        Adam other = new Adam(List.of(ro));
        assertThrows(CheckpointException.class, () -> Checkpoint.load(other, f, true));
        assertNull(other.state(ro), "the optimizer state must not have been replaced");
    }

    @Test
    void twoParametersWithOneNameAreRefusedWhereTheMistakeIsMade() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Adam(List.of(Param.of("w", new float[1]), Param.of("w", new float[1]))));
        assertTrue(e.getMessage().contains("'w'"), e.getMessage());
        Adam opt = new Adam(List.of(Param.of("w", new float[1])));
        assertThrows(IllegalArgumentException.class,
                () -> opt.addParamGroup(ParamGroupSpec.of(List.of(Param.of("w", new float[2])))));
        assertEquals(1, opt.paramGroups().size());
    }

    @Test
    void nonFiniteLearningRateAndEpsilonAreRefusedUpFront() {
        assertThrows(IllegalArgumentException.class, () -> AdamOptions.of().lr(Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> AdamOptions.of().eps(Double.POSITIVE_INFINITY));
        Adam opt = new Adam(List.of(Param.of("w", new float[1])));
        assertThrows(IllegalArgumentException.class, () -> opt.paramGroups().get(0).setLr(Double.POSITIVE_INFINITY));
        assertEquals(1e-3, opt.paramGroups().get(0).lr());
    }

    @Test
    void badConstructionInputGetsAnExceptionNamingIt(@TempDir Path dir) {
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> Param.of("big", DataBuffer.of(new float[1]), 1L << 32, 1L << 32));
        assertTrue(big.getMessage().contains("2^63"), big.getMessage());
        Param p = Param.of("p", new float[1]);
        IllegalArgumentException nul = assertThrows(IllegalArgumentException.class, () -> new Adam(Arrays.asList(p, null)));
        assertTrue(nul.getMessage().contains("null parameter") && nul.getMessage().contains("index 1"), nul.getMessage());
        NullPointerException npe = assertThrows(NullPointerException.class, () -> Param.of("p", (float[]) null));
        assertTrue(npe.getMessage().contains("'p'"), npe.getMessage());
        CheckpointException root = assertThrows(CheckpointException.class,
                () -> Checkpoint.save(new Adam(List.of(p)), Path.of("/")));
        assertTrue(root.getMessage().contains("names a directory"), root.getMessage());
    }

    @Test
    void theReadmeLoopWithAttachedGradientArraysTrains() {
        float[] w = {1, 2}, gw = new float[2];
        Param p = Param.of("w", w);
        p.setGrad(DataBuffer.of(gw));
        Adam opt = new Adam(List.of(p), AdamOptions.of().lr(0.1));
        for (int i = 0; i < 5; i++) {
            opt.zeroGrad();
            gw[0] += 1; // a backward pass that accumulates into the caller's own buffer
            gw[1] += 1;
            opt.step();
        }
        assertEquals(5, opt.state(p).step());
        assertTrue(w[0] < 1 && w[1] < 2, Arrays.toString(w));
        assertArrayEquals(new float[] {1, 1}, gw, "zeroGrad zero-fills the caller's buffer");
    }

    @Test
    void aStepThatFindsNoGradientSaysSo() {
        FlatParameters f = FlatParameters.builder(Precision.F32).add("w", 3).build();
        Adam opt = new Adam(f.params());
        opt.zeroGrad();
        f.grad().set(0, 1.0); // written, never defined again
        assertTrue(!opt.warnedNoGradient());
        opt.step();
        assertTrue(opt.warnedNoGradient(), "a WARNING was logged");
        assertNull(opt.state(f.param("w")));
    }

    @Test
    void accumulatedGradientsCanBeReadAndClippedInTheSameStep() {
        float[] g1 = {0.5f, -2f, 3f}, g2 = {1.5f, 0.25f, -1f};
        Param p = Param.of("p", new float[] {1, 2, 3});
        Adam opt = new Adam(List.of(p));
        p.setGrad(DataBuffer.of(g1));
        opt.accumulateGrad();
        p.setGrad(DataBuffer.of(g2));
        opt.accumulateGrad();
        DataBuffer sum = opt.accumulatedGrad(p);
        for (int i = 0; i < 3; i++) assertEquals(g1[i] + g2[i], sum.get(i));
        double clip = 0.375;
        opt.stepAccumulated(true, clip);
        assertNull(opt.accumulatedGrad(p), "a new round starts");

        Param ref = Param.of("p", new float[] {1, 2, 3});
        ref.setGrad(DataBuffer.of(new float[] {g1[0] + g2[0], g1[1] + g2[1], g1[2] + g2[2]}));
        new Adam(List.of(ref)).step(clip / 2);
        assertArrayEquals(Bits.of(ref.data()), Bits.of(p.data()), "mean and clip folded into one scale");
    }

    @Test
    void aClosedArenaIsRefusedAlsoForTheFirstParameterOfARun() {
        Arena arena = Arena.ofConfined();
        FlatParameters f = FlatParameters.builder(Precision.F64).add("a", 4).add("b", 4).nativeMemory(arena).build();
        Adam opt = new Adam(f.params());
        arena.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, opt::step);
        assertTrue(e.getMessage().contains("freed"), e.getMessage());
        assertNull(opt.state(f.param("a")));
    }
}
