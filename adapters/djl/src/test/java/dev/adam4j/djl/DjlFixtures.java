package dev.adam4j.djl;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.util.Pair;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** A small MLP on the PyTorch engine, synthetic regression data, and helpers to read parameters. */
final class DjlFixtures {
    private DjlFixtures() {}

    static final int IN = 4, HIDDEN = 16, OUT = 1, BATCH = 32;

    static Block mlp() {
        return new SequentialBlock()
                .add(Linear.builder().setUnits(HIDDEN).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(HIDDEN).build())
                .add(Activation::relu)
                .add(Linear.builder().setUnits(OUT).build());
    }

    /** A model and a trainer over {@code block} with {@code optimizer}, initialized in the model's data type. */
    static Trainer trainer(Model model, Block block, Optimizer optimizer) {
        model.setBlock(block);
        Trainer trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()).optOptimizer(optimizer));
        trainer.initialize(new Shape(BATCH, IN)); // in the model's data type
        return trainer;
    }

    static Model model(DataType type) {
        Model m = Model.newInstance("mlp", "PyTorch");
        m.setDataType(type);
        return m;
    }

    /** {@code count} batches of y = sin(x0) + x1*x2 - 0.5*x3 on x ~ N(0, 1), from {@code seed}. */
    static List<NDList> batches(NDManager manager, int count, long seed, DataType type) {
        Random r = new Random(seed);
        List<NDList> out = new java.util.ArrayList<>();
        for (int b = 0; b < count; b++) {
            double[] x = new double[BATCH * IN];
            double[] y = new double[BATCH];
            for (int i = 0; i < BATCH; i++) {
                for (int j = 0; j < IN; j++) x[i * IN + j] = r.nextGaussian();
                y[i] = Math.sin(x[i * IN]) + x[i * IN + 1] * x[i * IN + 2] - 0.5 * x[i * IN + 3];
            }
            NDArray xs = manager.create(x, new Shape(BATCH, IN)).toType(type, false);
            NDArray ys = manager.create(y, new Shape(BATCH, OUT)).toType(type, false);
            out.add(new NDList(xs, ys));
        }
        return out;
    }

    /** Forward and backward on one batch (gradients land on the parameters); returns the loss. */
    static double backward(Trainer trainer, NDList batch) {
        try (GradientCollector gc = trainer.newGradientCollector()) {
            NDList pred = trainer.forward(new NDList(batch.get(0)));
            NDArray loss = trainer.getLoss().evaluate(new NDList(batch.get(1)), pred);
            gc.backward(loss);
            return loss.toType(DataType.FLOAT64, false).getDouble();
        }
    }

    /**
     * {@code trainer.step()}, except for f64 models: DJL 0.35.1's {@code Trainer.step()} fails on its
     * first call for them ({@code checkGradients} reads the gradient sum with {@code getFloat()}:
     * "DataType mismatch, Required float, Actual float64"). For those, this does what
     * {@code LocalParameterServer} does for one device: each trainable parameter is updated with a
     * duplicate of its gradient, in the block's order, and the duplicate closed.
     */
    static void step(Trainer trainer, Block block, Optimizer optimizer) {
        if (block.getParameters().get(0).getValue().getArray().getDataType() != DataType.FLOAT64) {
            trainer.step();
            return;
        }
        for (Pair<String, Parameter> p : block.getParameters()) {
            Parameter param = p.getValue();
            if (!param.requiresGradient()) continue;
            NDArray w = param.getArray();
            try (NDArray g = w.getGradient(); NDArray dup = g.duplicate()) {
                optimizer.update(param.getId(), w, dup);
            }
        }
    }

    /** Every trainable parameter's values as doubles (exact for f32), by block name, in block order. */
    static Map<String, double[]> values(Block block) {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (p.getValue().requiresGradient()) m.put(p.getKey(), asDoubles(p.getValue().getArray()));
        }
        return m;
    }

    /** Every trainable parameter's gradient, by block name. */
    static Map<String, double[]> gradients(Block block) {
        Map<String, double[]> m = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            if (!p.getValue().requiresGradient()) continue;
            try (NDArray g = p.getValue().getArray().getGradient()) {
                m.put(p.getKey(), asDoubles(g));
            }
        }
        return m;
    }

    static double[] asDoubles(NDArray a) {
        return switch (a.getDataType()) {
            case FLOAT32 -> {
                float[] f = a.toFloatArray();
                double[] d = new double[f.length];
                for (int i = 0; i < f.length; i++) d[i] = f[i];
                yield d;
            }
            case FLOAT64 -> a.toDoubleArray();
            default -> throw new IllegalArgumentException(a.getDataType().toString());
        };
    }

    /** Sets every trainable parameter of {@code block} to {@code values} (same names). */
    static void setValues(Block block, Map<String, double[]> values) {
        for (Pair<String, Parameter> p : block.getParameters()) {
            double[] v = values.get(p.getKey());
            if (v == null) continue;
            NDArray a = p.getValue().getArray();
            switch (a.getDataType()) {
                case FLOAT32 -> {
                    float[] f = new float[v.length];
                    for (int i = 0; i < v.length; i++) f[i] = (float) v[i];
                    a.set(f);
                }
                case FLOAT64 -> a.set(v);
                default -> throw new IllegalArgumentException(a.getDataType().toString());
            }
        }
    }

    /** The address of {@code a}'s memory as the PyTorch engine exposes it (a direct buffer on its storage). */
    static long address(NDArray a) {
        return MemorySegment.ofBuffer(a.toByteBuffer(true)).address();
    }

    /** Bitwise equality of two parameter maps, with the first difference in the message. */
    static void assertBitwiseEqual(Map<String, double[]> expected, Map<String, double[]> actual, String what) {
        org.junit.jupiter.api.Assertions.assertEquals(expected.keySet(), actual.keySet(), what + ": parameter names");
        for (var e : expected.entrySet()) {
            double[] x = e.getValue(), y = actual.get(e.getKey());
            org.junit.jupiter.api.Assertions.assertEquals(x.length, y.length, what + ": length of " + e.getKey());
            for (int i = 0; i < x.length; i++) {
                if (Double.doubleToRawLongBits(x[i]) != Double.doubleToRawLongBits(y[i])) {
                    org.junit.jupiter.api.Assertions.fail(what + ": " + e.getKey() + "[" + i + "] expected " + x[i]
                            + " but was " + y[i]);
                }
            }
        }
    }
}
