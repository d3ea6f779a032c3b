package dev.adam4j.distributed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.EpsilonMode;
import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.Adam;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.AdamState;
import dev.adam4j.optim.AdamW;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.FlatParameters;
import dev.adam4j.optim.Optimizer;
import dev.adam4j.optim.Param;
import dev.adam4j.optim.clip.ClipGrad;
import dev.adam4j.optim.lr.LambdaLR;
import dev.adam4j.optim.lr.Warmup;
import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The sharded step against a single-process step of the same optimizer on the same reduced
 * gradient, over threads ({@link LocalCollective}): bit-identical parameters and moments for N = 1,
 * 2, 3, every variant, both precisions, heap and native storage, with IEEE corner cases in the
 * parameters and gradients.
 */
public class ShardedOptimizerTest {
    public static final int STEPS = 4;

    public record Variant(String name, Function<List<Param>, Optimizer> factory) {
        @Override public String toString() { return name; }
    }

    public static final List<Variant> VARIANTS = List.of(
            new Variant("adam", ps -> new Adam(ps, AdamOptions.of().lr(1e-2))),
            new Variant("adamw", ps -> new AdamW(ps, AdamOptions.of().lr(1e-2).weightDecay(0.1))),
            new Variant("amsgrad", ps -> new Adam(ps, AdamOptions.of().lr(1e-2).amsgrad(true))),
            new Variant("maximize-l2", ps -> new Adam(ps, AdamOptions.of().lr(1e-2).maximize(true).weightDecay(0.05))),
            new Variant("eps-hat", ps -> new Adam(ps, AdamOptions.of().lr(1e-2).eps(1e-6).epsMode(EpsilonMode.EPS_HAT))));

    /** Lengths of the model's parameters: awkward tails, a total below one cache line, primes. */
    public static final long[][] MODELS = {{5}, {37, 1, 130, 16}, {1021, 3, 64}};

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Variant v : VARIANTS) {
            for (Precision p : SHARDED) {
                for (boolean nat : new boolean[] {false, true}) {
                    for (int n = 1; n <= 3; n++) out.add(Arguments.of(v, p, nat, n));
                }
            }
        }
        return out.stream();
    }

    /** What one rank ends with. */
    public record RankResult(long[] params, long[][] state, List<long[]> reducedPerStep, long step, List<Double> norms) {}

    public enum Mode { PLAIN, CLIP_EXACT, CLIP_SCALAR }

    static List<RankResult> runSharded(Variant v, Precision p, boolean nat, int n, long[] lengths, Mode mode,
            double specials, boolean schedule) throws Exception {
        List<Collective> group = LocalCollective.group(n, Duration.ofSeconds(30));
        return Harness.onRanks(n, rank -> () -> runRank(v, p, nat, lengths, mode, specials, schedule, group.get(rank)));
    }

    /** One rank's part of a run: STEPS sharded steps on rank-specific gradients. */
    public static RankResult runRank(Variant v, Precision p, boolean nat, long[] lengths, Mode mode, double specials,
            boolean schedule, Collective c) {
        int rank = c.rank(), n = c.worldSize();
        try (Arena arena = Arena.ofShared()) {
            FlatParameters flat = Harness.model(p, lengths, n, nat ? arena : null);
            Harness.fill(flat.data(), 42, specials);
            try (ShardedOptimizer so = ShardedOptimizer.create(flat, c, v.factory())) {
                so.setExactClipping(mode == Mode.CLIP_EXACT);
                LambdaLR sched = schedule ? Warmup.linear(so.optimizer(), 2, STEPS + 2) : null;
                List<long[]> reduced = new ArrayList<>();
                List<Double> norms = new ArrayList<>();
                for (int s = 0; s < STEPS; s++) {
                    Harness.fill(flat.grad(), 1000L * s + rank, specials);
                    switch (mode) {
                        case PLAIN -> so.step();
                        case CLIP_EXACT, CLIP_SCALAR -> norms.add(so.clipAndStep(0.5, 2.0, false));
                    }
                    reduced.add(Harness.bits(so.reducedGrad()));
                    if (sched != null) sched.step();
                }
                AdamState st = so.optimizer().state(so.shardParam());
                long[][] state = {Harness.bits(st.expAvg()), Harness.bits(st.expAvgSq()),
                        st.maxExpAvgSq() == null ? new long[0] : Harness.bits(st.maxExpAvgSq())};
                return new RankResult(Harness.bits(flat.data()), state, reduced, st.step(), norms);
            }
        }
    }

    public static double fromBits(Precision p, long b) {
        return switch (p) {
            case F32, BF16, F16 -> Float.intBitsToFloat((int) b);
            case F64 -> Double.longBitsToDouble(b);
        };
    }

    /** The single-process reference on the reduced gradients the ranks reported. */
    public static void checkAgainstReference(Variant v, Precision p, long[] lengths, int n, List<RankResult> ranks,
            Mode mode, double specials, boolean schedule, List<Double> scalarNorms) {
        FlatParameters ref = Harness.model(p, lengths, 1, null);
        Harness.fill(ref.data(), 42, specials);
        Optimizer opt = v.factory().apply(ref.params());
        LambdaLR sched = schedule ? Warmup.linear(opt, 2, STEPS + 2) : null;
        ShardLayout layout = ShardLayout.of(ref.data().length(), n, p);
        for (int s = 0; s < STEPS; s++) {
            for (int r = 0; r < n; r++) {
                long[] red = ranks.get(r).reducedPerStep().get(s);
                assertEquals(layout.ownedLength(r), red.length);
                for (int i = 0; i < red.length; i++) ref.grad().set(layout.start(r) + i, fromBits(p, red[i]));
            }
            double coef = 1.0;
            if (mode == Mode.CLIP_EXACT) {
                coef = ClipGrad.coefficient(ClipGrad.totalNorm(ClipGrad.grads(opt), 2.0) / n, 0.5, p);
            } else if (mode == Mode.CLIP_SCALAR) {
                double exact = ClipGrad.totalNorm(ClipGrad.grads(opt), 2.0) / n;
                double sharded = scalarNorms.get(s);
                // the same norm but for the order of addition and the per-tensor roundings ClipGrad keeps (PyTorch's):
                // in f32 both are rounded to f32, within 2 ulp of each other; in f64 within 1e-12
                double tol = p == Precision.F32 ? 2 * Math.ulp((float) exact) : Math.abs(exact) * 1e-12;
                if (Double.isFinite(exact)) assertEquals(exact, sharded, tol, "step " + s);
                coef = ClipGrad.coefficient(sharded, 0.5, p);
            }
            opt.step(coef / n); // the documented contract: scale / N, written out independently
            if (sched != null) sched.step();
        }
        long[] want = Harness.bits(ref.data());
        double[][] st = Harness.flatState(opt, ref);
        for (int r = 0; r < n; r++) {
            RankResult rr = ranks.get(r);
            for (int i = 0; i < want.length; i++) assertSameBits(p, want[i], rr.params()[i], "params of rank " + r + " at " + i);
            for (int i = want.length; i < rr.params().length; i++) assertEquals(0, rr.params()[i], "padding of rank " + r);
            long from = layout.start(r), len = layout.ownedLength(r);
            for (int k = 0; k < 3; k++) {
                if (k == 2 && rr.state()[2].length == 0) continue;
                for (int i = 0; i < len; i++) {
                    double w = st[k][(int) (from + i)];
                    long wb = p == Precision.F32 ? Float.floatToRawIntBits((float) w) : Double.doubleToRawLongBits(w);
                    assertSameBits(p, wb, rr.state()[k][i], "state " + k + " of rank " + r + " at " + (from + i));
                }
            }
            if (len > 0) assertEquals(STEPS, rr.step());
        }
    }

    /**
     * Bit for bit, except that a NaN equals any NaN: the kernels leave a NaN's sign and payload unspecified
     * (Java does, and the JIT-compiled and interpreted forms of one step may differ there), as the kernel
     * suite compares them.
     */
    static void assertSameBits(Precision p, long want, long got, String what) {
        boolean wantNaN = p == Precision.F64 ? Double.isNaN(Double.longBitsToDouble(want)) : Float.isNaN(Float.intBitsToFloat((int) want));
        boolean gotNaN = p == Precision.F64 ? Double.isNaN(Double.longBitsToDouble(got)) : Float.isNaN(Float.intBitsToFloat((int) got));
        if (wantNaN && gotNaN) return;
        assertEquals(want, got, what);
    }

    @ParameterizedTest(name = "{0} {1} native={2} N={3}")
    @MethodSource("cases")
    void stepIsBitIdenticalToOneProcess(Variant v, Precision p, boolean nat, int n) throws Exception {
        for (long[] lengths : MODELS) {
            List<RankResult> ranks = runSharded(v, p, nat, n, lengths, Mode.PLAIN, 0.02, false);
            checkAgainstReference(v, p, lengths, n, ranks, Mode.PLAIN, 0.02, false, null);
        }
    }

    /** The precisions sharded state supports; bf16/f16 parameters are refused at creation. */
    static final Precision[] SHARDED = {Precision.F32, Precision.F64};

    @Test
    void sixteenBitParametersAreRefusedWithTheReason() {
        for (Precision p : new Precision[] {Precision.BF16, Precision.F16}) {
            dev.adam4j.optim.FlatParameters flat = dev.adam4j.optim.FlatParameters.builder(p).add("w", 64).build();
            Collective one = LocalCollective.group(1, java.time.Duration.ofSeconds(5)).get(0);
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> ShardedOptimizer.create(flat, one, ps -> new dev.adam4j.optim.Adam(ps)));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        }
    }

    @Test
    void sixteenBitMomentsOfF32ParametersAreRefusedWithTheReason() {
        FlatParameters flat = FlatParameters.builder(Precision.F32).add("w", 64).build();
        Collective one = LocalCollective.group(1, Duration.ofSeconds(5)).get(0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ShardedOptimizer.create(flat, one,
                ps -> new Adam(ps, AdamOptions.of().stateDtype(Precision.BF16))));
        assertTrue(e.getMessage().contains("keeps BF16 moments (stateDtype) for F32 parameters"), e.getMessage());
    }

    @Test
    void schedulerOnTheShardOptimizerMatchesOneProcess() throws Exception {
        for (int n = 1; n <= 3; n++) {
            List<RankResult> ranks = runSharded(VARIANTS.get(1), Precision.F32, true, n, MODELS[1], Mode.PLAIN, 0, true);
            checkAgainstReference(VARIANTS.get(1), Precision.F32, MODELS[1], n, ranks, Mode.PLAIN, 0, true, null);
        }
    }

    @Test
    void exactClippingIsBitIdenticalToOneProcess() throws Exception {
        for (Precision p : SHARDED) {
            for (int n = 1; n <= 3; n++) {
                List<RankResult> ranks = runSharded(VARIANTS.get(0), p, true, n, MODELS[2], Mode.CLIP_EXACT, 0, false);
                checkAgainstReference(VARIANTS.get(0), p, MODELS[2], n, ranks, Mode.CLIP_EXACT, 0, false, null);
            }
        }
    }

    @Test
    void scalarAllReduceClippingIsWithinRoundingOfOneProcess() throws Exception {
        for (int n = 1; n <= 3; n++) {
            List<Double> norms = new java.util.concurrent.CopyOnWriteArrayList<>();
            int nn = n;
            List<Collective> group = LocalCollective.group(n, Duration.ofSeconds(30));
            List<RankResult> ranks = Harness.onRanks(n, rank -> () -> {
                FlatParameters flat = Harness.model(Precision.F32, MODELS[2], nn, null);
                Harness.fill(flat.data(), 42, 0);
                try (ShardedOptimizer so = ShardedOptimizer.create(flat, group.get(rank), VARIANTS.get(0).factory())) {
                    List<long[]> reduced = new ArrayList<>();
                    for (int s = 0; s < STEPS; s++) {
                        Harness.fill(flat.grad(), 1000L * s + rank, 0);
                        double norm = so.clipAndStep(0.5, 2.0, true);
                        if (rank == 0) norms.add(norm);
                        reduced.add(Harness.bits(so.reducedGrad()));
                    }
                    AdamState st = so.optimizer().state(so.shardParam());
                    return new RankResult(Harness.bits(flat.data()),
                            new long[][] {Harness.bits(st.expAvg()), Harness.bits(st.expAvgSq()), new long[0]}, reduced, st.step(), List.of());
                }
            });
            checkAgainstReference(VARIANTS.get(0), Precision.F32, MODELS[2], n, ranks, Mode.CLIP_SCALAR, 0, false, norms);
        }
    }

    @Test
    void nonFiniteNormIsRefusedOnEveryRankBeforeAnyChange() throws Exception {
        List<Collective> group = LocalCollective.group(2, Duration.ofSeconds(30));
        List<String> msgs = Harness.onRanks(2, rank -> () -> {
            FlatParameters flat = Harness.model(Precision.F32, MODELS[1], 2, null);
            Harness.fill(flat.data(), 42, 0);
            long[] before = Harness.bits(flat.data());
            ShardedOptimizer so = ShardedOptimizer.create(flat, group.get(rank), VARIANTS.get(0).factory());
            Harness.fill(flat.grad(), rank, 0);
            if (rank == 1) flat.grad().set(3, Double.NaN);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> so.clipAndStep(1, 2, true));
            assertArrayEquals(before, Harness.bits(flat.data()));
            assertEquals(null, so.optimizer().state(so.shardParam()));
            so.step(); // still usable: the refusal was collective
            return e.getMessage();
        });
        assertTrue(msgs.get(0).contains("non-finite"), msgs.get(0));
    }

    public static final int MICRO_BATCHES = 6;

    /** One rank's part of the deterministic run: STEPS steps of MICRO_BATCHES micro-batches each. */
    public static long[] runDeterministicRank(Collective c, long[] lengths, boolean nat) {
        int rank = c.rank(), n = c.worldSize();
        try (Arena arena = Arena.ofShared()) {
            FlatParameters flat = Harness.model(Precision.F32, lengths, n, nat ? arena : null);
            Harness.fill(flat.data(), 42, 0.01);
            try (ShardedOptimizer so = ShardedOptimizer.create(flat, c, VARIANTS.get(2).factory())) {
                so.setExactClipping(true);
                for (int s = 0; s < STEPS; s++) {
                    for (int round = 0; round < MICRO_BATCHES / n; round++) {
                        // a clipped step needs a finite norm: no specials in its gradients
                        Harness.fill(flat.grad(), 7919L * s + round * n + rank, s % 2 == 0 ? 0.01 : 0);
                        so.accumulateMicroBatch();
                    }
                    assertEquals(MICRO_BATCHES, so.accumulatedMicroBatches());
                    if (s % 2 == 0) so.stepAccumulated(1.0);
                    else so.clipAndStepAccumulated(0.5, 2.0, false);
                }
                return Harness.bits(flat.data());
            }
        }
    }

    /** One process, no collective: sum the micro-batches in order, step on the mean. */
    public static long[] deterministicReference(long[] lengths) {
        FlatParameters ref = Harness.model(Precision.F32, lengths, 1, null);
        Harness.fill(ref.data(), 42, 0.01);
        Optimizer opt = VARIANTS.get(2).factory().apply(ref.params());
        DataBuffer micro = ref.grad().allocateLike();
        for (int s = 0; s < STEPS; s++) {
            for (int m = 0; m < MICRO_BATCHES; m++) {
                Harness.fill(micro, 7919L * s + m, s % 2 == 0 ? 0.01 : 0);
                if (m == 0) ref.grad().copyFrom(micro);
                else ref.grad().addFrom(micro);
            }
            double coef = 1;
            if (s % 2 == 1) coef = ClipGrad.coefficient(ClipGrad.totalNorm(ClipGrad.grads(opt), 2.0) / MICRO_BATCHES, 0.5, Precision.F32);
            opt.step(coef / MICRO_BATCHES);
        }
        return Harness.bits(ref.data());
    }

    @Test
    void deterministicReductionDoesNotDependOnWorldSize() throws Exception {
        long[] want = deterministicReference(MODELS[2]);
        for (int n : new int[] {1, 2, 3}) {
            List<Collective> group = LocalCollective.group(n, Duration.ofSeconds(30));
            List<long[]> ranks = Harness.onRanks(n, rank -> () -> runDeterministicRank(group.get(rank), MODELS[2], false));
            for (int r = 0; r < n; r++) {
                assertArrayEquals(want, java.util.Arrays.copyOf(ranks.get(r), want.length), "N = " + n + ", rank " + r);
            }
        }
    }

    @Test
    void aRankThatNeverArrivesGivesATimeoutNotAHang() throws Exception {
        List<Collective> group = LocalCollective.group(2, Duration.ofMillis(300));
        FlatParameters flat = Harness.model(Precision.F32, MODELS[1], 2, null);
        ShardedOptimizer so = ShardedOptimizer.create(flat, group.get(0), VARIANTS.get(0).factory());
        long t0 = System.nanoTime();
        CollectiveException e = assertThrows(CollectiveException.class, so::step);
        assertTrue(System.nanoTime() - t0 < 10_000_000_000L);
        assertTrue(e.getMessage().contains("not every rank arrived"), e.getMessage());
        IllegalStateException again = assertThrows(IllegalStateException.class, so::step);
        assertTrue(again.getMessage().contains("unusable"), again.getMessage());
    }

    @Test
    void invalidInputsAreRefusedWithTheirValue() {
        List<Collective> one = LocalCollective.group(1, Duration.ofSeconds(5));
        List<Collective> two = LocalCollective.group(2, Duration.ofSeconds(5));
        FlatParameters unpadded = FlatParameters.builder(Precision.F32).add("w", 37).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShardedOptimizer.create(unpadded, two.get(0), VARIANTS.get(0).factory()));
        assertTrue(e.getMessage().contains("padTo"), e.getMessage());
        FlatParameters flat = Harness.model(Precision.F32, MODELS[1], 1, null);
        e = assertThrows(IllegalArgumentException.class, () -> ShardedOptimizer.create(flat, one.get(0),
                ps -> new Adam(flat.params())));
        assertTrue(e.getMessage().contains("exactly the one parameter"), e.getMessage());
        ShardedOptimizer so = ShardedOptimizer.create(flat, one.get(0), VARIANTS.get(0).factory());
        e = assertThrows(IllegalArgumentException.class, () -> so.step(Double.NaN));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> so.clipAndStep(-1, 2, false));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> so.clipAndStep(1, 0, false));
        assertTrue(e.getMessage().contains("norm_type"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> so.stepAccumulated(1));
        so.accumulateMicroBatch();
        IllegalStateException s = assertThrows(IllegalStateException.class, so::step);
        assertTrue(s.getMessage().contains("1 micro-batches"), s.getMessage());
        assertEquals(null, so.optimizer().state(so.shardParam()));
    }

    @Test
    void layoutPadsToCacheLinesAndCoversEveryElement() {
        for (Precision p : SHARDED) {
            long line = ShardLayout.lineElements(p);
            for (long total : new long[] {0, 1, 15, 16, 17, 1021, 124_439_808L}) {
                for (int n = 1; n <= 9; n++) {
                    ShardLayout l = ShardLayout.of(total, n, p);
                    assertEquals(0, l.shardLength() % line);
                    assertTrue(l.paddedLength() >= total && l.paddedLength() - total < (long) n * line + l.shardLength());
                    long owned = 0;
                    for (int r = 0; r < n; r++) owned += l.ownedLength(r);
                    assertEquals(total, owned);
                    assertEquals(0, l.paddedLength() % ShardLayout.padMultiple(p, n));
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> ShardLayout.of(10, 0, Precision.F32));
    }
}
