package dev.adam4j.examples;

import dev.adam4j.kernels.Precision;
import dev.adam4j.optim.Adam;
import dev.adam4j.optim.AdamOptions;
import dev.adam4j.optim.DataBuffer;
import dev.adam4j.optim.FlatParameters;
import dev.adam4j.optim.Param;
import java.util.ArrayList;
import java.util.List;

/**
 * Steps a model-shaped parameter list: GPT-2 small's 148 tensors (124,439,808 parameters), either
 * as views of one flat buffer or as separate arrays, and reports steps/s and GB/s (28 bytes an
 * element: reads of p, g, m, v and writes of p, m, v in f32).
 */
final class Throughput {
    private Throughput() {}

    /** GPT-2 small (124M): token and position embeddings, 12 blocks, the final layer norm. */
    static List<long[]> gpt2SmallShapes(List<String> names) {
        List<long[]> shapes = new ArrayList<>();
        int d = 768, vocab = 50257, ctx = 1024;
        add(names, shapes, "wte.weight", vocab, d);
        add(names, shapes, "wpe.weight", ctx, d);
        for (int l = 0; l < 12; l++) {
            String p = "h." + l + ".";
            add(names, shapes, p + "ln_1.weight", d);
            add(names, shapes, p + "ln_1.bias", d);
            add(names, shapes, p + "attn.c_attn.weight", d, 3 * d);
            add(names, shapes, p + "attn.c_attn.bias", 3 * d);
            add(names, shapes, p + "attn.c_proj.weight", d, d);
            add(names, shapes, p + "attn.c_proj.bias", d);
            add(names, shapes, p + "ln_2.weight", d);
            add(names, shapes, p + "ln_2.bias", d);
            add(names, shapes, p + "mlp.c_fc.weight", d, 4 * d);
            add(names, shapes, p + "mlp.c_fc.bias", 4 * d);
            add(names, shapes, p + "mlp.c_proj.weight", 4 * d, d);
            add(names, shapes, p + "mlp.c_proj.bias", d);
        }
        add(names, shapes, "ln_f.weight", d);
        add(names, shapes, "ln_f.bias", d);
        return shapes;
    }

    private static void add(List<String> names, List<long[]> shapes, String name, long... shape) {
        names.add(name);
        shapes.add(shape);
    }

    static void run(int steps, boolean separate, java.io.PrintStream out) {
        List<String> names = new ArrayList<>();
        List<long[]> shapes = gpt2SmallShapes(names);
        List<Param> params = new ArrayList<>();
        long total = 0;
        if (separate) {
            for (int i = 0; i < names.size(); i++) {
                long n = 1;
                for (long s : shapes.get(i)) n *= s;
                total += n;
                float[] data = new float[(int) n];
                Param p = Param.of(names.get(i), data, shapes.get(i));
                fill(p.defineGrad());
                params.add(p);
            }
        } else {
            FlatParameters.Builder b = FlatParameters.builder(Precision.F32);
            for (int i = 0; i < names.size(); i++) b.add(names.get(i), shapes.get(i));
            FlatParameters f = b.build();
            fill(f.grad());
            params.addAll(f.params());
            total = f.data().length();
        }
        out.printf("throughput: GPT-2 small, %d tensors, %,d parameters, %s, f32%n", params.size(), total,
                separate ? "one array per tensor" : "one flat buffer");
        Adam opt = new Adam(params, AdamOptions.of().lr(1e-4).weightDecay(0.1).decoupledWeightDecay(true));
        int warmup = Math.max(2, steps / 5);
        for (int i = 0; i < warmup; i++) opt.step();
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) opt.step();
        double seconds = (System.nanoTime() - t0) / 1e9;
        double bytes = 28.0 * total * steps;
        out.printf("throughput: %d steps in %.3f s: %.2f steps/s, %.1f GB/s (28 bytes/element), %d thread, kernel %s%n",
                steps, seconds, steps / seconds, bytes / seconds / 1e9, 1, Train.providerDescription());
    }

    private static void fill(DataBuffer g) {
        float[] a = ((DataBuffer.F32Array) g).array();
        int off = ((DataBuffer.F32Array) g).offset();
        for (int i = 0; i < g.length(); i++) a[off + i] = (float) Math.sin(i * 0.37) * 1e-3f;
    }
}
