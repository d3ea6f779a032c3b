package dev.adam4j.kernels.internal;

import java.lang.System.Logger.Level;
import java.util.Locale;

/**
 * Chooses the kernel provider once, on first use (a holder idiom: the choice runs when
 * {@link #get()} is first called, never in a static initializer of a public class).
 *
 * <p>The system property {@value #PROPERTY} selects it: {@code auto} (default) takes the Vector API
 * provider when the {@code jdk.incubator.vector} module is readable and the JIT can compile it, and
 * otherwise logs one WARNING saying how to enable it and runs the scalar kernel; {@code scalar}
 * forces the scalar kernel; {@code vector} forces the Vector API provider, and if it cannot load,
 * every kernel call throws {@link IllegalStateException} with the reason (an error, never a silent
 * fallback). The property is read, never written: the library changes no global JVM setting.
 */
public final class KernelProviders {
    private KernelProviders() {}

    /** The system property that forces a provider: {@code auto}, {@code scalar} or {@code vector}. */
    public static final String PROPERTY = "adam4j.kernel";

    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final String VECTOR_PROVIDER = "dev.adam4j.kernels.internal.vector.PanamaProvider";
    private static final String HOW_TO_ENABLE =
            "pass '--add-modules " + VECTOR_MODULE + "' to the JVM to enable the SIMD Adam kernels";

    /** The active provider. */
    public static KernelProvider get() {
        KernelProvider p = Holder.PROVIDER;
        if (p == null) {
            throw new IllegalStateException(Holder.FAILURE);
        }
        return p;
    }

    private static final class Holder {
        static final KernelProvider PROVIDER;
        static final String FAILURE;

        static {
            String mode = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
            KernelProvider chosen = null;
            String failure = null;
            switch (mode) {
                case "scalar" -> chosen = new ScalarProvider();
                case "vector" -> {
                    String refusal = vectorRefusal();
                    if (refusal == null) {
                        chosen = loadVector(true);
                    } else {
                        failure = "-D" + PROPERTY + "=vector was requested but the Vector API provider"
                                + " cannot be used: " + refusal;
                    }
                }
                case "auto" -> {
                    String refusal = vectorRefusal();
                    if (refusal == null) {
                        chosen = loadVector(false);
                    } else {
                        System.getLogger("dev.adam4j.kernels").log(Level.WARNING,
                                "adam4j runs the scalar Adam kernel: " + refusal);
                        chosen = new ScalarProvider();
                    }
                }
                default -> failure = "Invalid -D" + PROPERTY + "=" + System.getProperty(PROPERTY)
                        + ": expected auto, scalar or vector";
            }
            PROVIDER = chosen;
            FAILURE = failure;
        }
    }

    /** Why the Vector API provider cannot run here, or null if it can. Loads no incubator class. */
    private static String vectorRefusal() {
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            return "the module " + VECTOR_MODULE + " is not loaded; " + HOW_TO_ENABLE;
        }
        String vmInfo = System.getProperty("java.vm.info", "");
        if (vmInfo.contains("interpreted mode")) {
            return "the JVM runs interpreted (-Xint), where the Vector API is far slower than scalar code";
        }
        return null;
    }

    /**
     * Loads the Vector API provider by name. The class is part of this jar, so failing to load it is
     * a packaging bug and fails loudly rather than falling back.
     */
    private static KernelProvider loadVector(boolean forced) {
        try {
            KernelProvider p = (KernelProvider) Class.forName(VECTOR_PROVIDER)
                    .getDeclaredConstructor().newInstance();
            if (p.vectorBitSize() < 128) {
                String why = "the preferred vector size is " + p.vectorBitSize()
                        + " bits (< 128; check -XX:MaxVectorSize)";
                if (forced) {
                    throw new IllegalStateException("-D" + PROPERTY + "=vector was requested but " + why);
                }
                System.getLogger("dev.adam4j.kernels").log(Level.WARNING,
                        "adam4j runs the scalar Adam kernel: " + why);
                return new ScalarProvider();
            }
            return p;
        } catch (ReflectiveOperationException | LinkageError e) {
            throw new IllegalStateException("adam4j packaging bug: cannot load " + VECTOR_PROVIDER, e);
        }
    }
}
