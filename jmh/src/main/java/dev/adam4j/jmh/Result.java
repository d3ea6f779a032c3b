package dev.adam4j.jmh;

import java.lang.reflect.Method;
import java.util.Map;

/**
 * One benchmark result: its name (without the package), parameters, median of the measured
 * iterations (ops/s), JMH's score and ±error (99.9%), and allocated bytes per op (NaN unless
 * measured under {@code -prof gc}).
 */
record Result(String benchmark, Map<String, String> params, double median, double score, double error, double allocBytesPerOp) {

    String p(String k) {
        return params.getOrDefault(k, "");
    }

    int size() {
        return Integer.parseInt(params.getOrDefault("size", "0"));
    }

    /** Bytes moved by one operation, from the benchmark method's {@link Traffic}; NaN if it declares none. */
    double bytesPerOp() {
        Traffic t = traffic(benchmark);
        if (t == null) return Double.NaN;
        int perElement = p("variant").equals("AMSGRAD") && t.amsgradF32Bytes() > 0 ? t.amsgradF32Bytes() : t.f32Bytes();
        int width = width(p("precision"), 4), stateWidth = width(p("stateDtype"), width);
        double bytes = ((double) (perElement - t.stateF32Bytes()) * width + (double) t.stateF32Bytes() * stateWidth) / 4;
        double elements = t.elements() > 0 ? t.elements() : (double) size() * t.sizeMultiple();
        return elements * bytes;
    }

    /** The bytes of one element of precision {@code name} (F32, F64, BF16, F16), or {@code otherwise}. */
    static int width(String name, int otherwise) {
        return switch (name) {
            case "F32" -> 4;
            case "F64" -> 8;
            case "BF16", "F16" -> 2;
            default -> otherwise;
        };
    }

    double gbps() {
        return median * bytesPerOp() / 1e9;
    }

    double gbpsError() {
        return error * bytesPerOp() / 1e9;
    }

    /**
     * The {@link Traffic} of benchmark {@code Class.method} or {@code Outer.Inner.method} (a class of this
     * package), or null when the class is not on the class path (the peers without {@code -Ppeers}).
     */
    static Traffic traffic(String benchmark) {
        int dot = benchmark.lastIndexOf('.');
        String cls = "dev.adam4j.jmh." + benchmark.substring(0, dot).replace('.', '$');
        try {
            // loaded, not initialized: a benchmark's static fields may need jdk.incubator.vector
            Class<?> c = Class.forName(cls, false, Result.class.getClassLoader());
            return c.getMethod(benchmark.substring(dot + 1), paramTypes(c, benchmark.substring(dot + 1))).getAnnotation(Traffic.class);
        } catch (ReflectiveOperationException | LinkageError e) {
            return null;
        }
    }

    private static Class<?>[] paramTypes(Class<?> c, String name) throws NoSuchMethodException {
        for (Method m : c.getMethods()) if (m.getName().equals(name)) return m.getParameterTypes();
        throw new NoSuchMethodException(name);
    }
}
