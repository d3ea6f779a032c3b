package dev.adam4j.optim;

import dev.adam4j.kernels.Precision;
import dev.adam4j.kernels.ReducedFloats;
import java.lang.foreign.ValueLayout;

/**
 * Split f32 master weights ({@link AdamOptions#splitMasterWeights}) as buffers: a bf16 parameter holds
 * the high 16 bits of each master weight, its state's {@code master_weight_low} the low 16 bits. These
 * helpers join the halves into the f32 values they represent and split f32 values back, always on the raw
 * bits (a low half is not a bf16 value: read as one and widened, a signalling-NaN pattern would be
 * quieted), for state dicts and checkpoints. The kernels do the same lane by lane
 * ({@link ReducedFloats#splitToFloat}, {@link ReducedFloats#splitHigh}, {@link ReducedFloats#splitLow}).
 */
public final class SplitMasterWeights {
    private SplitMasterWeights() {}

    private static final ValueLayout.OfShort H = ValueLayout.JAVA_SHORT_UNALIGNED;

    /** The f32 master weights of {@code high} (a bf16 parameter) and {@code low} (its low halves): a new f32 array buffer. */
    public static DataBuffer join(DataBuffer high, DataBuffer low) {
        check16("high", high);
        check16("low", low);
        if (high.length() != low.length()) {
            throw new IllegalArgumentException("high has " + high.length() + " elements, low " + low.length());
        }
        float[] out = new float[Math.toIntExact(high.length())];
        for (int i = 0; i < out.length; i++) out[i] = ReducedFloats.splitToFloat(bits(high, i), bits(low, i));
        return DataBuffer.of(out);
    }

    /**
     * Writes the halves of the f32 values of {@code master} into {@code high} (if not null) and {@code low},
     * raw: {@code high} becomes the bf16 the model reads (the master truncated toward zero).
     */
    public static void split(DataBuffer master, DataBuffer high, DataBuffer low) {
        if (master.precision() != Precision.F32) throw new IllegalArgumentException("master weights are F32, not " + master.precision());
        check16("low", low);
        if (high != null) check16("high", high);
        for (long i = 0; i < master.length(); i++) {
            float f = (float) master.get(i); // exact: an f32 widened to double and back (HotSpot keeps NaN payloads)
            if (high != null) setBits(high, i, ReducedFloats.splitHigh(f));
            setBits(low, i, ReducedFloats.splitLow(f));
        }
    }

    /** Copies the 16-bit patterns of {@code src} into {@code dst} (same length), whatever the two storages. */
    static void copyBits(DataBuffer dst, DataBuffer src) {
        check16("destination", dst);
        check16("source", src);
        if (dst.length() != src.length()) {
            throw new IllegalArgumentException("destination has " + dst.length() + " elements, source " + src.length());
        }
        for (long i = 0; i < dst.length(); i++) setBits(dst, i, bits(src, i));
    }

    static short bits(DataBuffer b, long i) {
        return switch (b) {
            case DataBuffer.HalfArray a -> a.array()[a.offset() + Math.toIntExact(i)];
            case DataBuffer.Segment s -> s.segment().getAtIndex(H, s.offset() + i);
            case DataBuffer.F32Array a -> throw new AssertionError(b);
            case DataBuffer.F64Array a -> throw new AssertionError(b);
        };
    }

    static void setBits(DataBuffer b, long i, short v) {
        switch (b) {
            case DataBuffer.HalfArray a -> a.array()[a.offset() + Math.toIntExact(i)] = v;
            case DataBuffer.Segment s -> s.segment().setAtIndex(H, s.offset() + i, v);
            case DataBuffer.F32Array a -> throw new AssertionError(b);
            case DataBuffer.F64Array a -> throw new AssertionError(b);
        }
    }

    private static void check16(String what, DataBuffer b) {
        if (!b.precision().isReduced()) throw new IllegalArgumentException(what + " holds 16-bit halves, not " + b.precision());
    }
}
