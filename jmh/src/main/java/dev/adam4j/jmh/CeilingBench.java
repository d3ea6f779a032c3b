package dev.adam4j.jmh;

import dev.adam4j.kernels.Precision;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
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

    private float[] fp, fg, fm, fv, fdst;
    private double[] dp, dg, dm, dv, ddst;
    private static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;

    @Setup(Level.Trial)
    public void setUp() {
        if (precision == Precision.F32) {
            fp = new float[size]; fg = new float[size]; fm = new float[size]; fv = new float[size]; fdst = new float[size];
            java.util.Arrays.fill(fg, 1e-7f);
        } else {
            dp = new double[size]; dg = new double[size]; dm = new double[size]; dv = new double[size]; ddst = new double[size];
            java.util.Arrays.fill(dg, 1e-7);
        }
    }

    @Benchmark
    @Traffic(f32Bytes = 28) // reads 4 streams, writes 3, like Adam
    public void adamShaped() {
        if (precision == Precision.F32) {
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

    @Benchmark
    @Traffic(f32Bytes = 8) // reads one stream, writes one
    public void copy() {
        if (precision == Precision.F32) System.arraycopy(fp, 0, fdst, 0, size);
        else System.arraycopy(dp, 0, ddst, 0, size);
    }
}
