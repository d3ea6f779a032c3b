package dev.adam4j.optim.checkpoint;

import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.Adam;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.AdamState;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.FlatParameters;
import dev.adam4j.optim.Param;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** A small model and optimizer trained a few steps with random gradients: checkpoint fodder. */
final class Trained {
    final List<Param> params;
    final Adam opt;
    private final SplittableRandom r;

    Trained(Precision p, boolean flat, AdamOptions options, long seed) {
        r = new SplittableRandom(seed);
        if (flat) {
            params = FlatParameters.builder(p).add("fc.weight", 4, 3).add("fc.bias", 4).add("out", 5).build().params();
        } else {
            params = List.of(Param.of("fc.weight", buffer(p, 12), 4, 3), Param.of("fc.bias", buffer(p, 4), 4),
                    Param.of("out", buffer(p, 5), 5));
        }
        for (Param q : params) for (int i = 0; i < q.length(); i++) q.data().set(i, r.nextGaussian());
        opt = new Adam(params, options);
    }

    static DataBuffer buffer(Precision p, int n) {
        return DataBuffer.allocate(p, n);
    }

    /** {@code n} steps with random gradients; the last parameter gets none on odd steps. */
    Trained steps(int n) {
        for (int s = 0; s < n; s++) {
            for (int k = 0; k < params.size(); k++) {
                Param q = params.get(k);
                if (k == params.size() - 1 && s % 2 == 1) {
                    q.setGrad(null);
                    continue;
                }
                DataBuffer g = q.defineGrad();
                for (int i = 0; i < q.length(); i++) g.set(i, r.nextGaussian());
            }
            opt.step();
        }
        return this;
    }

    /** Every parameter, state buffer and step count, as bits; and the groups' repr. */
    String fingerprint() {
        StringBuilder sb = new StringBuilder(opt.toString());
        for (Param q : params) {
            sb.append('\n').append(q.name()).append(' ').append(bits(q.data()));
            AdamState s = opt.state(q);
            if (s == null) {
                sb.append(" no state");
                continue;
            }
            sb.append(" step ").append(s.step()).append(bits(s.expAvg())).append(bits(s.expAvgSq())).append(bits(s.maxExpAvgSq()));
        }
        return sb.toString();
    }

    static String bits(DataBuffer b) {
        if (b == null) return " -";
        List<String> out = new ArrayList<>();
        for (int i = 0; i < b.length(); i++) {
            double v = b.get(i);
            out.add(switch (b.precision()) {
                case F32, BF16, F16 -> Integer.toHexString(Float.floatToIntBits((float) v)); // 16-bit: widened exactly
                case F64 -> Long.toHexString(Double.doubleToLongBits(v));
            });
        }
        return " " + out;
    }
}
