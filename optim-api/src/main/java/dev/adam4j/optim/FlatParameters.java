package dev.adam4j.optim;

import dev.adam4j.kernels.Precision;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Many parameters allocated as consecutive views of one contiguous data buffer and one contiguous
 * gradient buffer (PyTorch's foreach/fused answer to the same need). When an optimizer steps
 * adjacent views of one allocation whose gradients are defined and whose step counts agree, it
 * covers them in a single kernel pass, so a model of thousands of small tensors costs about what one
 * large tensor costs. The optimizer's state for them is contiguous too.
 *
 * <pre>{@code
 * FlatParameters model = FlatParameters.builder(Precision.F32)
 *         .add("fc1.weight", 128, 784).add("fc1.bias", 128)
 *         .add("fc2.weight", 10, 128).add("fc2.bias", 10)
 *         .build();
 * Adam adam = new Adam(model.params());
 * }</pre>
 * Gradients start defined and zero. {@code zeroGrad(true)} marks them absent; {@link Param#defineGrad()}
 * (or writing into {@link #grad()} and calling {@link #defineAllGrads()}) defines them again.
 */
public final class FlatParameters {
    private final DataBuffer data;
    private final DataBuffer grad;
    private final List<Param> params;
    private final Map<String, Param> byName;
    private final long[] offsets;

    private FlatParameters(DataBuffer data, DataBuffer grad, List<String> names, List<long[]> shapes) {
        this.data = data;
        this.grad = grad;
        List<Param> ps = new ArrayList<>();
        Map<String, Param> named = new LinkedHashMap<>();
        offsets = new long[names.size() + 1];
        long at = 0;
        for (int i = 0; i < names.size(); i++) {
            long n = count(shapes.get(i));
            offsets[i] = at;
            Param p = Param.flatView(names.get(i), data.slice(at, n), shapes.get(i), grad.slice(at, n), this, i);
            ps.add(p);
            named.put(names.get(i), p);
            at += n;
        }
        offsets[names.size()] = at;
        this.params = Collections.unmodifiableList(ps);
        this.byName = Collections.unmodifiableMap(named);
    }

    public static Builder builder(Precision precision) {
        return new Builder(precision);
    }

    /** The parameters, in allocation order. */
    public List<Param> params() {
        return params;
    }

    /** The parameter called {@code name}. */
    public Param param(String name) {
        Param p = byName.get(name);
        if (p == null) throw new IllegalArgumentException("no parameter named '" + name + "'");
        return p;
    }

    /** The whole data buffer: every parameter's values, back to back. */
    public DataBuffer data() {
        return data;
    }

    /** The whole gradient buffer. */
    public DataBuffer grad() {
        return grad;
    }

    /** Marks every parameter's gradient defined (after a backward pass wrote into {@link #grad()}). */
    public void defineAllGrads() {
        for (Param p : params) p.defineGrad();
    }

    /** Element offset of parameter {@code index} in the flat buffers. */
    long offsetOf(int index) {
        return offsets[index];
    }

    private static long count(long[] shape) {
        long c = 1;
        for (long d : shape) c = Math.multiplyExact(c, d);
        return c;
    }

    /** Declares the parameters, then allocates them in one piece. */
    public static final class Builder {
        private final Precision precision;
        private final List<String> names = new ArrayList<>();
        private final List<long[]> shapes = new ArrayList<>();
        private Arena arena;
        private long padTo = 1;

        private Builder(Precision precision) {
            this.precision = Objects.requireNonNull(precision, "precision");
        }

        /** Adds a parameter {@code name} of the given shape (at least one dimension). */
        public Builder add(String name, long... shape) {
            Objects.requireNonNull(name, "name");
            if (names.contains(name)) throw new IllegalArgumentException("duplicate parameter name '" + name + "'");
            if (shape.length == 0) throw new IllegalArgumentException("parameter '" + name + "' needs a shape");
            for (long d : shape) {
                if (d < 0) throw new IllegalArgumentException("parameter '" + name + "' has a negative dimension " + d);
            }
            names.add(name);
            shapes.add(shape.clone());
            return this;
        }

        /** Allocates in native memory from {@code arena} instead of a Java array. */
        public Builder nativeMemory(Arena arena) {
            this.arena = Objects.requireNonNull(arena, "arena");
            return this;
        }

        /**
         * Rounds the allocation of both buffers up to a multiple of {@code elements} elements. The
         * padding follows the last parameter, belongs to none, starts zero and is not part of
         * {@link #data()} or {@link #grad()} (their lengths stay the parameters' total); it is
         * reachable through the storage ({@code array()}, {@code segment()}), for layouts that cut
         * the buffers into equal pieces, such as a sharded optimizer's.
         */
        public Builder padTo(long elements) {
            if (elements < 1) throw new IllegalArgumentException("Invalid padding multiple: " + elements + " (must be >= 1)");
            this.padTo = elements;
            return this;
        }

        public FlatParameters build() {
            long total = 0;
            for (long[] s : shapes) total = Math.addExact(total, count(s));
            long capacity = Math.multiplyExact((total + padTo - 1) / padTo, padTo);
            DataBuffer data;
            DataBuffer grad;
            if (arena != null) {
                MemorySegment d = arena.allocate(Math.max(1, Math.multiplyExact(capacity, precision.byteSize())), 64);
                MemorySegment g = arena.allocate(Math.max(1, Math.multiplyExact(capacity, precision.byteSize())), 64);
                data = new DataBuffer.Segment(d, precision, 0, total);
                grad = new DataBuffer.Segment(g, precision, 0, total);
            } else {
                if (capacity > Integer.MAX_VALUE - 8) {
                    throw new IllegalArgumentException(capacity + " elements do not fit a Java array: use nativeMemory(arena)");
                }
                data = DataBuffer.allocate(precision, (int) capacity).slice(0, total);
                grad = DataBuffer.allocate(precision, (int) capacity).slice(0, total);
            }
            return new FlatParameters(data, grad, names, shapes);
        }
    }
}
