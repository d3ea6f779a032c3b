package dev.adam4j.dl4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.GradientUpdater;

/** The benchmark's yardstick touches every word of the three buffers as it says, on any thread count and length. */
class MemoryFloorTest {
    @Test
    void everyWordIsReadAndWritten() {
        for (int threads : new int[] {1, 2, 3}) {
            for (int n : new int[] {1, 7, 8, 9, 1000, 40_000, 100_003}) {
                SplittableRandom r = new SplittableRandom(n + threads);
                int[] g0 = new int[n], m0 = new int[n], v0 = new int[n];
                for (int i = 0; i < n; i++) { g0[i] = r.nextInt() & 0xBFFF_FFFF; m0[i] = r.nextInt() & 0xBFFF_FFFF; v0[i] = r.nextInt() & 0xBFFF_FFFF; } // never NaN: bit 30 clear
                INDArray view = Nd4j.zeros(DataType.FLOAT, 1, 2L * n);
                GradientUpdater<?> u = new MemoryFloor(threads).instantiate(view, true);
                INDArray g = Nd4j.createFromArray(bits(g0));
                u.getState().get("M").assign(Nd4j.createFromArray(bits(m0)));
                u.getState().get("V").assign(Nd4j.createFromArray(bits(v0)));
                u.applyUpdater(g, 0, 0);
                int[] eg = new int[n], em = new int[n], ev = new int[n];
                for (int i = 0; i < n; i++) { em[i] = m0[i] ^ g0[i]; ev[i] = v0[i] ^ g0[i]; eg[i] = g0[i] ^ m0[i]; }
                String at = n + " words, " + threads + " threads";
                assertArrayEquals(em, words(u.getState().get("M")), "M, " + at);
                assertArrayEquals(ev, words(u.getState().get("V")), "V, " + at);
                assertArrayEquals(eg, words(g), "gradient, " + at);
            }
        }
    }

    private static float[] bits(int[] w) {
        float[] f = new float[w.length];
        for (int i = 0; i < w.length; i++) f[i] = Float.intBitsToFloat(w[i]);
        return f;
    }

    private static int[] words(INDArray a) {
        float[] f = a.toFloatVector();
        int[] w = new int[f.length];
        for (int i = 0; i < f.length; i++) w[i] = Float.floatToRawIntBits(f[i]);
        return w;
    }
}
