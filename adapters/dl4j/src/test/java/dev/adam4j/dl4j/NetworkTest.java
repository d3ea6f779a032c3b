package dev.adam4j.dl4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adam4j.kernels.AdamHyperparameters;
import dev.adam4j.kernels.AdamKernels;
import dev.adam4j.kernels.EpsilonMode;
import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;

/**
 * MultiLayerNetworks (FLOAT and DOUBLE, set per network with {@code dataType}, so no global ND4J
 * state changes) trained with {@link Adam4j}: bit-identity with adam4j's own step on the gradients
 * DL4J computed, the moments in DL4J's own state view, ModelSerializer round trips, JSON round trips,
 * and convergence next to DL4J's own Adam.
 */
class NetworkTest {
    static final int FEATURES = 4, CLASSES = 3;

    static MultiLayerNetwork network(DataType type, IUpdater hidden, IUpdater output) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(42).dataType(type).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(FEATURES).nOut(16).activation(Activation.TANH).updater(hidden).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).updater(output).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    static DataSet blobs(DataType type, int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] centres = new double[CLASSES][FEATURES];
        for (double[] c : centres) for (int j = 0; j < FEATURES; j++) c[j] = 2 * rng.nextGaussian();
        double[][] x = new double[n][FEATURES], y = new double[n][CLASSES];
        for (int i = 0; i < n; i++) {
            int k = i % CLASSES;
            for (int j = 0; j < FEATURES; j++) x[i][j] = centres[k][j] + rng.nextGaussian();
            y[i][k] = 1;
        }
        return new DataSet(Nd4j.createFromArray(x).castTo(type), Nd4j.createFromArray(y).castTo(type));
    }

    // ------------------------------------------------------------------ bit identity

    /**
     * Two updater blocks (the layers have different learning rates, so the second block's state and
     * gradient are views at an offset), 30 iterations; after each, the network's parameters equal adam4j's
     * step on the recorded gradients bit for bit, and at the end DL4J's updater state view holds adam4j's
     * moments.
     */
    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void trainingIsAdam4jsStepBitForBit(DataType type) {
        Adam4j[] configs = {new Adam4j(0.01).withAmsgrad(true), new Adam4j(0.03).withEpsilonMode(EpsilonMode.EPS_HAT)};
        List<Recording.Call> log = new ArrayList<>();
        MultiLayerNetwork net = network(type, new Recording(configs[0], log), new Recording(configs[1], log));
        int n = (int) net.numParams();
        int[] blockStart = {0, (int) net.getLayer(0).numParams(), n};
        double[] p = net.params().toDoubleVector();
        float[] pf = net.params().toFloatVector();
        double[] m = new double[n], v = new double[n], x = new double[n];
        float[] mf = new float[n], vf = new float[n], xf = new float[n];
        DataSet data = blobs(type, 60, 1);
        for (int it = 0; it < 30; it++) {
            net.fit(data);
            assertEquals(2, log.size(), "one call per block");
            for (int b = 0; b < 2; b++) {
                Recording.Call call = log.get(b);
                assertEquals(it, call.iteration());
                int off = blockStart[b], len = blockStart[b + 1] - off;
                assertEquals(len, call.length());
                AdamHyperparameters h = configs[b].hyperparameters(configs[b].getLearningRate(it, 0));
                if (type == DataType.FLOAT) {
                    AdamKernels.step(h, it + 1, 1.0, pf, off, call.f32(), 0, mf, off, vf, off, xf, off, len);
                } else {
                    AdamKernels.step(h, it + 1, 1.0, p, off, call.f64(), 0, m, off, v, off, x, off, len);
                }
            }
            log.clear();
            String where = type + " iteration " + it;
            if (type == DataType.FLOAT) Adam4jUpdaterTest.assertBits(pf, net.params().toFloatVector(), where);
            else Adam4jUpdaterTest.assertBits(p, net.params().toDoubleVector(), where);
        }
        // zero copy: the moments are in DL4J's own updater state: [m0 v0 vmax0 | m1 v1]
        INDArray state = net.getUpdater().getStateViewArray();
        state = state.reshape(state.length());
        int l0 = blockStart[1], l1 = n - l0;
        long[][] ranges = {{0, l0}, {l0, 2L * l0}, {2L * l0, 3L * l0}, {3L * l0, 3L * l0 + l1}, {3L * l0 + l1, 3L * l0 + 2L * l1}};
        int[][] ref = {{0, l0}, {0, l0}, {0, l0}, {l0, n}, {l0, n}};
        for (int r = 0; r < ranges.length; r++) {
            INDArray s = state.get(NDArrayIndex.interval(ranges[r][0], ranges[r][1]));
            int a = ref[r][0], bnd = ref[r][1];
            if (type == DataType.FLOAT) {
                float[] expected = java.util.Arrays.copyOfRange(r == 1 || r == 4 ? vf : r == 2 ? xf : mf, a, bnd);
                Adam4jUpdaterTest.assertBits(expected, s.toFloatVector(), "state range " + r);
            } else {
                double[] expected = java.util.Arrays.copyOfRange(r == 1 || r == 4 ? v : r == 2 ? x : m, a, bnd);
                Adam4jUpdaterTest.assertBits(expected, s.toDoubleVector(), "state range " + r);
            }
        }
    }

    // ------------------------------------------------------------------ serialization

    @Test
    void jsonRoundTripKeepsTheUpdaterAndItsHyperparameters() {
        Adam4j a = new Adam4j(0.02).withBetas(0.8, 0.95).withEpsilon(1e-7).withAmsgrad(true).withEpsilonMode(EpsilonMode.EPS_HAT)
                .withParallelism(2);
        Adam4j b = new Adam4j(new ExponentialSchedule(ScheduleType.ITERATION, 0.05, 0.99));
        MultiLayerConfiguration conf = network(DataType.FLOAT, a, b).getLayerWiseConfigurations();
        String json = conf.toJson();
        assertTrue(json.contains("dev.adam4j.dl4j.Adam4j"), json);
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
        assertEquals(a, ((BaseLayer) back.getConf(0).getLayer()).getIUpdater());
        assertEquals(b, ((BaseLayer) back.getConf(1).getLayer()).getIUpdater());
        assertEquals(conf, back);
        assertEquals(0.05 * 0.99 * 0.99, ((BaseLayer) back.getConf(1).getLayer()).getIUpdater().getLearningRate(2, 0), 1e-15);
        assertEquals(2, ((Adam4j) ((BaseLayer) back.getConf(0).getLayer()).getIUpdater()).getParallelism());
        // a configuration saved before the parallelism option existed reads as 1 thread
        String old = json.replaceAll(",\\s*\"parallelism\" : \\d+", "");
        assertTrue(!old.contains("parallelism"), old);
        assertEquals(1, ((Adam4j) ((BaseLayer) MultiLayerConfiguration.fromJson(old).getConf(1).getLayer()).getIUpdater()).getParallelism());
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void modelSerializerRoundTripContinuesBitIdentically(DataType type, @TempDir Path dir) throws Exception {
        Adam4j config = new Adam4j(0.02).withAmsgrad(true);
        MultiLayerNetwork a = network(type, config, config);
        DataSet data = blobs(type, 60, 2);
        for (int i = 0; i < 10; i++) a.fit(data);
        File file = dir.resolve("net.zip").toFile();
        ModelSerializer.writeModel(a, file, true);
        MultiLayerNetwork b = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertInstanceOf(Adam4j.class, ((BaseLayer) b.getLayerWiseConfigurations().getConf(0).getLayer()).getIUpdater());
        assertEquals(10, b.getIterationCount());
        assertEquals(a.getUpdater().getStateViewArray(), b.getUpdater().getStateViewArray());
        for (int i = 0; i < 10; i++) {
            a.fit(data);
            b.fit(data);
        }
        if (type == DataType.FLOAT) Adam4jUpdaterTest.assertBits(a.params().toFloatVector(), b.params().toFloatVector(), "resumed");
        else Adam4jUpdaterTest.assertBits(a.params().toDoubleVector(), b.params().toDoubleVector(), "resumed");
    }

    // ------------------------------------------------------------------ convergence

    @Test
    void trainsAsWellAsDl4jsOwnAdam() {
        DataSet data = blobs(DataType.FLOAT, 150, 3);
        MultiLayerNetwork ours = network(DataType.FLOAT, new Adam4j(0.02), new Adam4j(0.02));
        MultiLayerNetwork theirs = network(DataType.FLOAT, new Adam(0.02), new Adam(0.02));
        double start = ours.score(data);
        for (int i = 0; i < 150; i++) {
            ours.fit(data);
            theirs.fit(data);
        }
        double accOurs = ours.evaluate(new org.nd4j.linalg.dataset.adapter.SingletonDataSetIterator(data)).accuracy();
        double accTheirs = theirs.evaluate(new org.nd4j.linalg.dataset.adapter.SingletonDataSetIterator(data)).accuracy();
        System.out.println("loss " + start + " -> adam4j " + ours.score(data) + ", DL4J Adam " + theirs.score(data)
                + "; accuracy adam4j " + accOurs + ", DL4J Adam " + accTheirs);
        assertTrue(ours.score(data) < 0.5 * start, "loss " + start + " -> " + ours.score(data));
        assertTrue(accOurs >= 0.9 && accOurs >= accTheirs - 0.03, "accuracy " + accOurs + " vs DL4J's Adam " + accTheirs);
    }
}
