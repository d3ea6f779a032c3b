package dev.adam4j.optim.lr;

/**
 * The math functions of the schedules, in one place. PyTorch evaluates them with glibc's
 * {@code cos} and {@code pow} (Python's {@code math.cos} and {@code **}); no Java function reproduces
 * those to the last bit everywhere (glibc's {@code pow(x, 2.0)} is not always {@code x·x} rounded).
 * These are the ones that agree with glibc most often, measured by {@code LRSchedulerTablesTest}.
 */
final class LibM {
    private LibM() {}

    static double cos(double x) {
        return Math.cos(x);
    }

    static double pow(double x, double y) {
        return Math.pow(x, y);
    }
}
