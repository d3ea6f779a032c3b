package dev.adam4j.jmh;

import dev.adam4j.kernels.Precision;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's own ceilings, measured in the same run as the Adam steps. {@code adamShaped} has
 * Adam's memory pattern (4 streams read, 3 written, the same 28 bytes an f32 element) with trivial
 * arithmetic: the bandwidth limit for this access pattern. {@code copy} is a plain array copy (read
 * one stream, write one).
 *
 * <p>The 16-bit layouts' ceilings ({@code ./bench half}) use the same method with parameters outside the
 * defaults: {@code -p precision=BF16} (or F16: the same bytes) moves 4 streams of {@code short} in and 3
 * out, 14 bytes an element; {@code -p precision=F32 -p stateDtype=BF16} keeps p and g {@code float} and
 * m and v {@code short}, 20 bytes, like f32 parameters with bf16 moments. The default runs (F32, F64,
 * {@code stateDtype=SAME}) execute exactly the loops they always did. Run with {@code -t 2} and half the
 * size, two JMH threads each stream their own half: the 2-thread ceiling of one step over the whole size.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@State(Scope.Thread)
public class CeilingBench {
    @Param({"4096", "65536", "1048576", "1000003", "16777216", "67108864"})
    public int size;

    @Param({"F32", "F64"})
    public Precision precision;

    /** SAME: the moments have the parameters' precision; BF16 or F16 (with F32 only): 16-bit m and v. */
    @Param({"SAME"})
    public String stateDtype;

    private float[] fp, fg, fm, fv, fdst;
    private short[] sp, sg, sm, sv, sdst;
    /** 16-bit streams in this run: 0 (the default layouts), 2 (m, v) or 4 (p, g, m, v). */
    private int narrow;
    private double[] dp, dg, dm, dv, ddst;
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> SS = ShortVector.SPECIES_PREFERRED;
    /** As many short lanes as FS has float lanes. */
    private static final VectorSpecies<Short> HS = VectorSpecies.of(short.class, VectorShape.forBitSize(FS.vectorBitSize() / 2));

    @Setup(Level.Trial)
    public void setUp() {
        boolean halfState = !stateDtype.equals("SAME") && Precision.valueOf(stateDtype) != precision;
        if (halfState && (precision != Precision.F32 || Precision.valueOf(stateDtype).byteSize() != 2)) {
            throw new IllegalArgumentException("stateDtype " + stateDtype + " needs precision F32, got " + precision);
        }
        narrow = precision.byteSize() == 2 ? 4 : halfState ? 2 : 0;
        if (narrow == 4) {
            sp = new short[size]; sg = new short[size]; sm = new short[size]; sv = new short[size]; sdst = new short[size];
            java.util.Arrays.fill(sg, (short) 1);
        } else if (narrow == 2) {
            fp = new float[size]; fg = new float[size]; sm = new short[size]; sv = new short[size];
            java.util.Arrays.fill(fg, 1e-7f);
        } else if (precision == Precision.F32) {
            fp = new float[size]; fg = new float[size]; fm = new float[size]; fv = new float[size]; fdst = new float[size];
            java.util.Arrays.fill(fg, 1e-7f);
        } else {
            dp = new double[size]; dg = new double[size]; dm = new double[size]; dv = new double[size]; ddst = new double[size];
            java.util.Arrays.fill(dg, 1e-7);
        }
    }

    @Benchmark
    @Traffic(f32Bytes = 28, stateF32Bytes = 16) // reads 4 streams, writes 3, like Adam (m and v: 16 of the 28)
    public void adamShaped() {
        if (narrow != 0) {
            adamShapedNarrow();
        } else if (precision == Precision.F32) {
            int i = 0;
            for (int bound = FS.loopBound(size); i < bound; i += FS.length()) {
                FloatVector g = FloatVector.fromArray(FS, fg, i);
                FloatVector.fromArray(FS, fp, i).add(g).intoArray(fp, i);
                FloatVector.fromArray(FS, fm, i).add(g).intoArray(fm, i);
                FloatVector.fromArray(FS, fv, i).add(g).intoArray(fv, i);
            }
            for (; i < size; i++) {
                fp[i] += fg[i];
                fm[i] += fg[i];
                fv[i] += fg[i];
            }
        } else {
            int i = 0;
            for (int bound = DS.loopBound(size); i < bound; i += DS.length()) {
                DoubleVector g = DoubleVector.fromArray(DS, dg, i);
                DoubleVector.fromArray(DS, dp, i).add(g).intoArray(dp, i);
                DoubleVector.fromArray(DS, dm, i).add(g).intoArray(dm, i);
                DoubleVector.fromArray(DS, dv, i).add(g).intoArray(dv, i);
            }
            for (; i < size; i++) {
                dp[i] += dg[i];
                dm[i] += dg[i];
                dv[i] += dg[i];
            }
        }
    }

    /** The 16-bit layouts: all four streams {@code short}, or p and g {@code float} with m and v {@code short}. */
    private void adamShapedNarrow() {
        int i = 0;
        if (narrow == 4) {
            for (int bound = SS.loopBound(size); i < bound; i += SS.length()) {
                ShortVector g = ShortVector.fromArray(SS, sg, i);
                ShortVector.fromArray(SS, sp, i).add(g).intoArray(sp, i);
                ShortVector.fromArray(SS, sm, i).add(g).intoArray(sm, i);
                ShortVector.fromArray(SS, sv, i).add(g).intoArray(sv, i);
            }
            for (; i < size; i++) {
                sp[i] += sg[i];
                sm[i] += sg[i];
                sv[i] += sg[i];
            }
            return;
        }
        for (int bound = FS.loopBound(size); i < bound; i += FS.length()) {
            FloatVector.fromArray(FS, fp, i).add(FloatVector.fromArray(FS, fg, i)).intoArray(fp, i);
            ShortVector.fromArray(HS, sm, i).add((short) 1).intoArray(sm, i);
            ShortVector.fromArray(HS, sv, i).add((short) 1).intoArray(sv, i);
        }
        for (; i < size; i++) {
            fp[i] += fg[i];
            sm[i]++;
            sv[i]++;
        }
    }

    @Benchmark
    @Traffic(f32Bytes = 8) // reads one stream, writes one
    public void copy() {
        if (narrow == 4) System.arraycopy(sp, 0, sdst, 0, size);
        else if (narrow == 2) throw new UnsupportedOperationException("copy has no state: run it with stateDtype=SAME");
        else if (precision == Precision.F32) System.arraycopy(fp, 0, fdst, 0, size);
        else System.arraycopy(dp, 0, ddst, 0, size);
    }
}
