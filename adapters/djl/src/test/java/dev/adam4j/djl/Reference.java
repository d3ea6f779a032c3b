package dev.adam4j.djl;

import ai.djl.ndarray.types.DataType;
import dev.adam4j.optim.Adam;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.AdamW;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.Param;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * adam4j's own optimizer on plain Java arrays (the array kernels, not the segment ones the adapter
 * uses), fed the gradients DJL computed: what the adapter's parameters must equal, bit for bit.
 */
final class Reference {
    private final Map<String, Param> params = new LinkedHashMap<>();
    final Adam adam;

    Reference(Map<String, double[]> initial, DataType type, boolean adamW, AdamOptions options) {
        List<Param> list = new ArrayList<>();
        for (var e : initial.entrySet()) {
            double[] v = e.getValue();
            Param p = switch (type) {
                case FLOAT32 -> {
                    float[] f = new float[v.length];
                    for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
                    yield Param.of(e.getKey(), f);
                }
                case FLOAT64 -> Param.of(e.getKey(), v.clone());
                default -> throw new IllegalArgumentException(type.toString());
            };
            params.put(e.getKey(), p);
            list.add(p);
        }
        adam = adamW ? new AdamW(list, options) : new Adam(list, options);
    }

    /** One step on {@code grads} (exact values of the parameters' precision) at learning rate {@code lr}. */
    void step(Map<String, double[]> grads, double lr, double gradScale) {
        adam.paramGroups().get(0).setLr(lr);
        for (var e : params.entrySet()) {
            DataBuffer g = e.getValue().defineGrad();
            double[] v = grads.get(e.getKey());
            for (int i = 0; i < v.length; i++) g.set(i, v[i]);
        }
        adam.step(gradScale);
    }

    Map<String, double[]> values() {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (var e : params.entrySet()) {
            DataBuffer d = e.getValue().data();
            double[] v = new double[(int) d.length()];
            for (int i = 0; i < v.length; i++) v[i] = d.get(i);
            m.put(e.getKey(), v);
        }
        return m;
    }
}
