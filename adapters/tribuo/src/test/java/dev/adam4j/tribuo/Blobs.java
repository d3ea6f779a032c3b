package dev.adam4j.tribuo;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.datasource.ListDataSource;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * Synthetic classification data: {@code classes} Gaussian blobs in {@code features} dimensions with
 * centres 3 apart, seeded. With {@code sparse}, about a third of the features of each example are
 * absent (at least one), so Tribuo's gradients are sparse ({@code SparseVector}, {@code DenseSparseMatrix}).
 * With {@code weighted}, example weights vary in [0.5, 2).
 */
final class Blobs {
    private Blobs() {}

    static MutableDataset<Label> make(int n, int classes, int features, boolean sparse, boolean weighted, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] centres = new double[classes][features];
        for (double[] c : centres) for (int j = 0; j < features; j++) c[j] = 3 * rng.nextGaussian();
        List<Example<Label>> examples = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int k = i % classes;
            List<String> names = new ArrayList<>();
            List<Double> values = new ArrayList<>();
            for (int j = 0; j < features; j++) {
                // feature 0 is always present; every sparse example lacks one more (Tribuo 4.3.2's
                // LinearParameters.merge cannot mix dense and sparse examples in a minibatch)
                if (sparse && j > 0 && (j == 1 + i % (features - 1) || rng.nextInt(3) == 0)) continue;
                names.add(String.format("f%02d", j));
                values.add(centres[k][j] + rng.nextGaussian());
            }
            ArrayExample<Label> e = new ArrayExample<>(new Label("c" + k), names.toArray(String[]::new),
                    values.stream().mapToDouble(Double::doubleValue).toArray());
            if (weighted) e.setWeight((float) (0.5 + 1.5 * rng.nextDouble()));
            examples.add(e);
        }
        LabelFactory factory = new LabelFactory();
        return new MutableDataset<>(new ListDataSource<>(examples, factory,
                new SimpleDataSourceProvenance("blobs", factory)));
    }

    static double accuracy(Model<Label> model, Iterable<Example<Label>> data) {
        int right = 0, all = 0;
        for (Example<Label> e : data) {
            Prediction<Label> p = model.predict(e);
            if (p.getOutput().getLabel().equals(e.getOutput().getLabel())) right++;
            all++;
        }
        return right / (double) all;
    }
}
