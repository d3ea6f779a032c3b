package dev.adam4j.examples;

import java.util.SplittableRandom;

/** Two interleaved spirals, one per class, generated from a seed: the classic non-linear toy set. */
final class Spirals {
    final float[][] x;
    final int[] label;

    Spirals(int perClass, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        x = new float[2 * perClass][];
        label = new int[2 * perClass];
        for (int c = 0; c < 2; c++) {
            for (int i = 0; i < perClass; i++) {
                double t = (double) i / perClass;
                double radius = 0.1 + 0.9 * t;
                double angle = 3.0 * Math.PI * t + c * Math.PI;
                int k = c * perClass + i;
                x[k] = new float[] {(float) (radius * Math.cos(angle) + 0.02 * r.nextGaussian()),
                        (float) (radius * Math.sin(angle) + 0.02 * r.nextGaussian())};
                label[k] = c;
            }
        }
    }

    int size() {
        return label.length;
    }
}
