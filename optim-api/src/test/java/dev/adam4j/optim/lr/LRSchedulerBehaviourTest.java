package dev.adam4j.optim.lr;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.optim.Adam;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.Param;
import dev.adam4j.optim.checkpoint.Checkpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** PyTorch's scheduler semantics beyond the tables: state dicts through a checkpoint, warnings, validation. */
class LRSchedulerBehaviourTest {

    static Adam training() {
        Param p = Param.of("w", new float[] {1, 2, 3});
        p.setGrad(DataBuffer.of(new float[] {0.1f, -0.2f, 0.3f}));
        return new Adam(List.of(p));
    }

    static Stream<Arguments> resumable() {
        List<Function<Adam, LRScheduler>> makers = List.of(
                o -> new StepLR(o, 7, 0.5), o -> new MultiStepLR(o, List.of(5L, 9L, 9L), 0.3), o -> new ConstantLR(o, 0.5, 8),
                o -> new LinearLR(o, 0.2, 1.0, 12), o -> new ExponentialLR(o, 0.9), o -> new PolynomialLR(o, 20, 1.5),
                o -> new CosineAnnealingLR(o, 9, 1e-5), o -> new CosineAnnealingWarmRestarts(o, 4, 2, 0),
                o -> new OneCycleLR(o, 0.1, 40), o -> new CyclicLR(o, 1e-3, 0.1, 5), o -> Warmup.cosine(o, 5, 40));
        return makers.stream().map(m -> Arguments.of(m.apply(training()).getClass().getSimpleName(), m));
    }

    /** 30 steps straight, or 13 + a checkpoint (optimizer and scheduler) + 17 in a new process: the same lrs and parameters. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("resumable")
    void aResumedScheduleContinuesBitIdentically(String name, Function<Adam, LRScheduler> make, @TempDir Path dir) throws Exception {
        Adam a = training();
        LRScheduler sa = make.apply(a);
        List<Double> straight = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            a.step();
            sa.step();
            straight.add(a.paramGroups().get(0).lr());
        }
        Adam b = training();
        LRScheduler sb = make.apply(b);
        List<Double> resumed = new ArrayList<>();
        for (int i = 0; i < 13; i++) {
            b.step();
            sb.step();
            resumed.add(b.paramGroups().get(0).lr());
        }
        Path f = dir.resolve("c.safetensors");
        Checkpoint.save(b, f, Checkpoint.SaveOptions.defaults().withParams(true).withExtraState("lr_scheduler", sb.stateDict()));
        Adam c = training();
        LRScheduler sc = make.apply(c); // a fresh schedule, then the saved state over it
        Map<String, Map<String, Object>> extras = Checkpoint.load(c, f, true);
        sc.loadStateDict(extras.get("lr_scheduler"));
        for (int i = 13; i < 30; i++) {
            c.step();
            sc.step();
            resumed.add(c.paramGroups().get(0).lr());
        }
        assertEquals(straight, resumed);
        assertEquals(a.paramGroups().get(0).params().get(0).data().get(2), c.paramGroups().get(0).params().get(0).data().get(2));
    }

    @Test
    void sequentialAndChainedSchedulesResumeBitIdentically() {
        for (int kind = 0; kind < 2; kind++) {
            Adam a = training(), b = training();
            Runnable[] sa = schedule(kind, a), sb = schedule(kind, b);
            List<Double> la = new ArrayList<>(), lb = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                a.step();
                sa[0].run();
                la.add(a.paramGroups().get(0).lr());
            }
            for (int i = 0; i < 17; i++) {
                b.step();
                sb[0].run();
                lb.add(b.paramGroups().get(0).lr());
            }
            Map<String, Object> state = stateOf(sb);
            Adam c = training();
            c.loadStateDict(b.stateDict());
            Runnable[] sc = schedule(kind, c);
            load(sc, state);
            c.loadStateDict(b.stateDict()); // the groups' lr as saved (constructing the schedules changed them)
            for (int i = 17; i < 40; i++) {
                c.step();
                sc[0].run();
                lb.add(c.paramGroups().get(0).lr());
            }
            assertEquals(la, lb, kind == 0 ? "SequentialLR" : "ChainedScheduler");
        }
    }

    /** {step, stateDict, loadStateDict} of a SequentialLR (kind 0) or a ChainedScheduler (kind 1). */
    private static Runnable[] schedule(int kind, Adam o) {
        if (kind == 0) {
            SequentialLR s = new SequentialLR(List.of(new LinearLR(o, 0.1, 1.0, 10), new CosineAnnealingLR(o, 30, 0)), List.of(10L));
            return new Runnable[] {s::step, () -> STATE[0] = s.stateDict(), () -> s.loadStateDict(STATE[0])};
        }
        ChainedScheduler s = new ChainedScheduler(List.of(new ConstantLR(o, 0.5, 12), new ExponentialLR(o, 0.95)));
        return new Runnable[] {s::step, () -> STATE[0] = s.stateDict(), () -> s.loadStateDict(STATE[0])};
    }

    @SuppressWarnings("unchecked")
    private static final Map<String, Object>[] STATE = new Map[1];

    private static Map<String, Object> stateOf(Runnable[] s) {
        s[1].run();
        return STATE[0];
    }

    private static void load(Runnable[] s, Map<String, Object> state) {
        STATE[0] = state;
        s[2].run();
    }

    @Test
    void steppingTheScheduleBeforeTheOptimizerWarnsOnce() {
        Adam o = training();
        StepLR s = new StepLR(o, 3, 0.5);
        s.step(); // before any optimizer step
        assertTrue(s.warnedStepOrder());
        Adam o2 = training();
        StepLR s2 = new StepLR(o2, 3, 0.5);
        o2.step();
        s2.step();
        assertFalse(s2.warnedStepOrder());
    }

    @Test
    void resumingNeedsInitialLrAndBadSettingsChangeNothing() {
        Adam o = training();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StepLR(o, 3, 0.5, 10));
        assertTrue(e.getMessage().contains("initial_lr"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ConstantLR(o, 1.5, 3));
        StepLR s = new StepLR(o, 3, 0.5);
        Map<String, Object> sd = new java.util.LinkedHashMap<>(s.stateDict());
        sd.put("gamma", "half");
        long before = s.lastEpoch;
        assertThrows(IllegalArgumentException.class, () -> s.loadStateDict(sd));
        assertEquals(before, s.lastEpoch);
        OneCycleLR one = new OneCycleLR(training(), 0.1, 2);
        one.step();
        one.step();
        IllegalStateException tooMany = assertThrows(IllegalStateException.class, one::step);
        assertTrue(tooMany.getMessage().contains("total steps is 2"), tooMany.getMessage());
        assertEquals(2, one.lastEpoch, "refused before anything moved");
    }

    @Test
    void initialLrTravelsInTheOptimizersStateDictAsInPyTorch() {
        Adam o = training();
        new CosineAnnealingLR(o, 10, 0);
        assertEquals(1e-3, o.stateDict().paramGroups().get(0).options().get("initial_lr"));
        assertTrue(o.toString().contains("initial_lr: 0.001"), o.toString());
    }
}
