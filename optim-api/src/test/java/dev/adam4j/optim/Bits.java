package dev.adam4j.optim;

import java.util.Arrays;

/** Buffers as raw bits (NaN canonical), to compare results bit for bit. */
final class Bits {
    private Bits() {}

    static long[] of(DataBuffer... buffers) {
        long total = Arrays.stream(buffers).mapToLong(b -> b == null ? 0 : b.length()).sum();
        long[] out = new long[(int) total];
        int k = 0;
        for (DataBuffer b : buffers) {
            if (b == null) continue;
            for (long i = 0; i < b.length(); i++) {
                double v = b.get(i);
                out[k++] = switch (b.precision()) {
                    case F32, BF16, F16 -> Float.floatToIntBits((float) v); // 16-bit: widened exactly, as an f32
                    case F64 -> Double.doubleToLongBits(v);
                };
            }
        }
        return out;
    }

    /** Every parameter and every state buffer of {@code opt} for {@code params}, and the step counts. */
    static long[] ofState(Adam opt, Iterable<Param> params) {
        java.util.List<Long> all = new java.util.ArrayList<>();
        for (Param p : params) {
            for (long b : of(p.data())) all.add(b);
            AdamState s = opt.state(p);
            if (s == null) {
                all.add(-1L);
                continue;
            }
            all.add(s.step());
            for (long b : of(s.expAvg(), s.expAvgSq(), s.maxExpAvgSq())) all.add(b);
        }
        return all.stream().mapToLong(Long::longValue).toArray();
    }
}
