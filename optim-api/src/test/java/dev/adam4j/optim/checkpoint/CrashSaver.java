package dev.adam4j.optim.checkpoint;

import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.Adam;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.AdamState;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.FlatParameters;
import dev.adam4j.optim.Param;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * The child process of {@link CrashSafetyTest}: builds two large optimizer states, A and B, and
 * saves them alternately to one file until it is killed. Also used by the parent to build the same
 * states and their digests.
 */
public final class CrashSaver {
    static final int ELEMENTS = 4_000_000; // 16 MB a buffer: params + 2 moments ≈ 48 MB a file

    static Adam build(int version) {
        FlatParameters f = FlatParameters.builder(Precision.F32).add("big.a", ELEMENTS / 2).add("big.b", ELEMENTS / 2).build();
        DataBuffer d = f.data();
        for (int i = 0; i < ELEMENTS; i++) d.set(i, Math.sin(i * 0.001 + version));
        Adam opt = new Adam(f.params(), AdamOptions.of().lr(0.01 * version));
        for (int s = 0; s <= version; s++) {
            DataBuffer g = f.grad();
            for (int i = 0; i < ELEMENTS; i += 1) g.set(i, Math.cos(i * 0.003 * (s + 1) + version));
            f.defineAllGrads();
            opt.step();
        }
        return opt;
    }

    /** SHA-256 over every parameter, state buffer, step count and the groups' repr. */
    static String digest(Adam opt) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(opt.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        for (Param p : opt.paramGroups().get(0).params()) {
            update(md, p.data());
            AdamState s = opt.state(p);
            md.update(Long.toString(s.step()).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            update(md, s.expAvg());
            update(md, s.expAvgSq());
        }
        return java.util.HexFormat.of().formatHex(md.digest());
    }

    private static void update(MessageDigest md, DataBuffer b) {
        DataBuffer.F32Array a = (DataBuffer.F32Array) b;
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(a.count() * 4);
        bytes.asFloatBuffer().put(a.array(), a.offset(), a.count());
        md.update(bytes);
    }

    /** Saves A and B alternately to args[0] forever; prints "ready" after the first complete save. */
    public static void main(String[] args) throws Exception {
        Path target = Path.of(args[0]);
        Adam a = build(1), b = build(2);
        Checkpoint.save(a, target, Checkpoint.SaveOptions.defaults().withParams(true));
        System.out.println("ready");
        System.out.flush();
        for (long n = 0; ; n++) {
            Checkpoint.save(n % 2 == 0 ? b : a, target, Checkpoint.SaveOptions.defaults().withParams(true));
        }
    }
}
